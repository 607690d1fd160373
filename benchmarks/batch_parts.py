"""How many parts of the batch an LSTM layer on the compiled kernel should run as, at small batches.

    python -m benchmarks.batch_parts                      # the shapes below, 5 repeats, medians
    python -m benchmarks.batch_parts --repeats 3 --steps 50

Each part is one op on one core (``tf1_rnn.lstm.impl.LSTMImpl.shards``). A part needs
``MIN_SHARD_ROWS`` rows; this measures the choice it makes: a char-rnn-shaped training step (an
embedding, a ``MultiRNNCell`` of ``BasicLSTMCell`` under ``legacy_seq2seq.rnn_decoder``, a softmax,
Adam on clipped gradients, the state fed back) built under the runner's namespace, with the
layers on the kernel as one part or one part per core, and on TensorFlow's ops
(``--rnn-impl tf``) for scale. The three alternate within each repeat; ms per step, medians.
"""
import argparse
import os
import statistics
import time

import numpy as np

from tf1_rnn.legacy import install
from tf1_rnn.lstm import impl as lstm_impl

SHAPES = [  # (layers, hidden units, batch, time steps)
    (2, 128, 50, 50),   # sherjilozair/char-rnn-tensorflow's defaults
    (1, 128, 32, 50),
    (1, 128, 16, 50),
    (2, 256, 24, 25),
    (1, 64, 8, 50),
]
VOCAB = 65


def step_ms(layers, hidden, batch, steps, rnn_impl, min_rows, timed_steps):
    """ms per training step of the char-rnn graph (after 10 untimed steps)."""
    saved = lstm_impl.MIN_SHARD_ROWS
    lstm_impl.MIN_SHARD_ROWS = min_rows
    try:
        with install.installed(rnn_impl=rnn_impl) as tf:
            graph = tf.Graph()
            with graph.as_default():
                tf.set_random_seed(1)
                x = tf.placeholder(tf.int32, [batch, steps])
                y = tf.placeholder(tf.int32, [batch, steps])
                cell = tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.BasicLSTMCell(hidden) for _ in range(layers)])
                embedded = tf.nn.embedding_lookup(tf.get_variable("embedding", [VOCAB, hidden]), x)
                initial = cell.zero_state(batch, tf.float32)
                outputs, final = tf.contrib.legacy_seq2seq.rnn_decoder(tf.unstack(embedded, axis=1), initial, cell)
                logits = tf.layers.dense(tf.reshape(tf.concat(outputs, 1), [-1, hidden]), VOCAB)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=tf.reshape(y, [-1]), logits=logits))
                variables = tf.trainable_variables()
                grads, _ = tf.clip_by_global_norm(tf.gradients(loss, variables), 5.0)
                train = tf.train.AdamOptimizer(0.002).apply_gradients(zip(grads, variables))
                rng = np.random.default_rng(1)
                feed = {x: rng.integers(0, VOCAB, (batch, steps)), y: rng.integers(0, VOCAB, (batch, steps))}
                with tf.Session() as session:
                    session.run(tf.global_variables_initializer())
                    state = session.run(initial)
                    for k in range(10 + timed_steps):
                        if k == 10:
                            start = time.perf_counter()
                        feed.update({part: value for part, value in zip(tf.nest.flatten(initial),
                                                                         tf.nest.flatten(state))})
                        state, _ = session.run([final, train], feed)
                    return (time.perf_counter() - start) / timed_steps * 1000
    finally:
        lstm_impl.MIN_SHARD_ROWS = saved


SYSTEMS = {  # name: (rnn_impl, MIN_SHARD_ROWS)
    "kernel, 1 part": ("auto", 10 ** 9),
    "kernel, a part per core": ("auto", 1),
    "TensorFlow's ops": ("tf", lstm_impl.MIN_SHARD_ROWS),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="repeats per shape (default 5)")
    parser.add_argument("--steps", type=int, default=100, help="timed training steps per run (default 100)")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores; ms per training step, medians of {args.repeats}\n")
    print("| layers x H, batch x T | " + " | ".join(SYSTEMS) + " | a part per core vs 1 part |")
    print("|---|" + "---|" * (len(SYSTEMS) + 1))
    for layers, hidden, batch, steps in SHAPES:
        times = {name: [] for name in SYSTEMS}
        for repeat in range(args.repeats):
            names = list(SYSTEMS)[repeat % len(SYSTEMS):] + list(SYSTEMS)[:repeat % len(SYSTEMS)]  # rotate
            for name in names:
                times[name].append(step_ms(layers, hidden, batch, steps, *SYSTEMS[name], args.steps))
        medians = {name: statistics.median(values) for name, values in times.items()}
        ratio = medians["kernel, 1 part"] / medians["kernel, a part per core"]
        print(f"| {layers} x {hidden}, {batch} x {steps} | " + " | ".join(f"{m:.1f}" for m in medians.values())
              + f" | {ratio:.2f}x |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
