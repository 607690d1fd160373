"""The recurrent step's matmul on TensorFlow's two CPU kernels, against numpy: the evidence
behind ``tf1_rnn.lstm.impl.SMALL_HIDDEN``.

    python -m benchmarks.step_matmul                  # H 128 and 256, batch 64, 128 and 1000
    python -m benchmarks.step_matmul --shapes 256x128 --repeats 15

An LSTM's recurrence is a chain of dependent matmuls: [batch, H] x [H, 4H] forward and
[batch, 4H] x [4H, H] in the gradient. Each shape here runs as one graph of 28 such pairs, one
feeding the next, as a 2-D ``MatMul`` and as a ``BatchMatMulV2`` of one matrix (TensorFlow's
CPU build sends them to different oneDNN kernels), and as the same chain in numpy. Variants
alternate within each repeat; the table shows medians, microseconds per matmul.
"""
import argparse
import time

import numpy as np

from tf1_rnn import compat

compat.enable_tf1()  # an entry point: TF1 graph mode, switched on before TensorFlow loads
from tf1_rnn.compat import tf  # noqa: E402
from tf1_rnn.tutorials.cli import OneLineParser  # noqa: E402

N_PAIRS = 28


def chain(weights, start, batched):
    """28 dependent (x @ W1) @ W2 pairs, 2-D or as batched matmuls of one matrix."""
    y = start
    for _ in range(N_PAIRS):
        for w in weights:
            y = tf.matmul(y[None], w[None])[0] if batched else tf.matmul(y, w)
    return y


def timers(n_hidden, batch, rng):
    """{variant: a function timing one pass of the chain, in seconds}."""
    w1 = rng.standard_normal((n_hidden, 4 * n_hidden), dtype=np.float32) * 0.03
    w2 = rng.standard_normal((4 * n_hidden, n_hidden), dtype=np.float32) * 0.03
    x0 = rng.standard_normal((batch, n_hidden), dtype=np.float32)
    result = {}
    for name, batched in (("2-D MatMul", False), ("BatchMatMulV2", True)):
        graph = tf.Graph()
        with graph.as_default():
            x = tf.placeholder(tf.float32, [batch, n_hidden])
            y = chain([tf.constant(w1), tf.constant(w2)], x, batched)
        sess = tf.Session(graph=graph)
        sess.run(y, {x: x0})  # warm-up: oneDNN builds its kernels on the first call
        result[name] = lambda sess=sess, x=x, y=y: _seconds(lambda: sess.run(y, {x: x0}))

    def numpy_chain():
        y = x0
        for _ in range(N_PAIRS):
            y = (y @ w1) @ w2
    result["numpy"] = lambda: _seconds(numpy_chain)
    return result


def _seconds(fn, passes=5):
    start = time.perf_counter()
    for _ in range(passes):
        fn()
    return (time.perf_counter() - start) / passes


def main(argv=None):
    parser = OneLineParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default="128x64,128x128,128x1000,256x64,256x128,256x1000",
                        help="HxBATCH pairs, comma-separated (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=9, help="alternating repeats (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        shapes = [tuple(int(n) for n in spec.split("x")) for spec in args.shapes.split(",")]
        if any(len(s) != 2 or min(s) < 1 for s in shapes) or args.repeats < 1:
            raise ValueError
    except ValueError:
        parser.error(f"--shapes takes HxBATCH pairs of positive numbers such as 256x128, got {args.shapes!r}")
    rng = np.random.default_rng(0)
    print("| H | batch | 2-D MatMul | BatchMatMulV2 | numpy | 2-D / batched |")
    print("|---|---|---|---|---|---|")
    for n_hidden, batch in shapes:
        variants = timers(n_hidden, batch, rng)
        times = {name: [] for name in variants}
        for repeat in range(args.repeats):
            names = list(variants)
            for name in names[repeat % len(names):] + names[:repeat % len(names)]:
                times[name].append(variants[name]() / (2 * N_PAIRS) * 1e6)
        us = {name: float(np.median(values)) for name, values in times.items()}
        print(f"| {n_hidden} | {batch} | {us['2-D MatMul']:.0f} us | {us['BatchMatMulV2']:.0f} us | "
              f"{us['numpy']:.0f} us | {us['2-D MatMul'] / us['BatchMatMulV2']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
