"""Training throughput of the BiLSTM tutorial model, against Keras 3, and the cost of a checkpoint.

    python scripts/benchmark.py                 # defaults: the tutorial's shapes, 200 timed steps
    python scripts/benchmark.py --steps 50 --json results/benchmark.json

Three figures, measured in one run on random batches of the tutorial's shapes
([128, 28, 28] in, 10 classes out, 256 units per direction):

1. tf1_rnn: ``build_bilstm`` in a tf.compat.v1 Session, one ``train_op`` run per step;
2. Keras 3: ``Bidirectional(LSTM(256))`` + ``Dense(10)``, Adam(0.01), ``train_on_batch``, in a
   child process (Keras 3 needs eager mode and no legacy-Keras routing);
3. one checkpoint (tf.train.Saver + the data-order state) as written every
   ``--checkpoint-every`` steps, and what that costs as a share of training time.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

from tf1_rnn import configs, runs

KERAS_CHILD = textwrap.dedent("""
    import json, os, sys, time
    import numpy as np
    import keras
    batch, hidden, warmup, steps = map(int, sys.argv[1:5])
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Bidirectional(keras.layers.LSTM(hidden)),
                              keras.layers.Dense(10)])
    model.compile(keras.optimizers.Adam(0.01), keras.losses.CategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x = rng.random((batch, 28, 28), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
    for _ in range(warmup):
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    print(json.dumps({"seconds": time.perf_counter() - start, "keras": keras.__version__}))
""")


def time_tf1_rnn(cfg, warmup, steps):
    from tf1_rnn import models, train

    rng = np.random.default_rng(0)
    images = rng.random((cfg.batch_size, 784), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, cfg.batch_size)]
    with tempfile.TemporaryDirectory() as tmp:
        session = train.TrainingSession(models.build_bilstm, cfg, runs.RunDir(tmp))
        feed = session.model.feed(images, labels, training=True)
        for _ in range(warmup):
            session.sess.run(session.model.train_op, feed)
        start = time.perf_counter()
        for _ in range(steps):
            session.sess.run(session.model.train_op, feed)
        step_seconds = (time.perf_counter() - start) / steps
        # The state of a real run: the 55000-example order and the generator.
        state = {"order": np.arange(55000), "index_in_epoch": 0, "epochs_completed": 0,
                 "rng": np.random.default_rng(0).bit_generator.state}
        saves = []
        for step in range(1, 6):
            start = time.perf_counter()
            session.checkpoint(step, state)
            saves.append(time.perf_counter() - start)
        session.close()
    return step_seconds, float(np.median(saves))


def time_keras(cfg, warmup, steps):
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    out = subprocess.run([sys.executable, "-c", KERAS_CHILD, str(cfg.batch_size), str(cfg.n_hidden),
                          str(warmup), str(steps)], env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"] / steps, result["keras"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200, help="timed training steps (default: 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first (default: 20)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    cfg = configs.BiLSTMConfig(seed=0)
    tf1_step, checkpoint = time_tf1_rnn(cfg, args.warmup, args.steps)
    keras_step, keras_version = time_keras(cfg, args.warmup, args.steps)
    overhead = checkpoint / (cfg.checkpoint_every * tf1_step)
    figures = {
        "batch_size": cfg.batch_size, "n_hidden": cfg.n_hidden, "timed_steps": args.steps,
        "tf1_rnn_samples_per_second": cfg.batch_size / tf1_step,
        "keras3_samples_per_second": cfg.batch_size / keras_step, "keras_version": keras_version,
        "checkpoint_seconds": checkpoint, "checkpoint_every": cfg.checkpoint_every,
        "checkpoint_overhead_percent": 100 * overhead, "cpu_count": os.cpu_count(),
    }
    print(f"tf1_rnn BiLSTM (static_bidirectional_rnn): {figures['tf1_rnn_samples_per_second']:8.0f} samples/s")
    print(f"Keras {keras_version} Bidirectional(LSTM):   {figures['keras3_samples_per_second']:8.0f} samples/s")
    print(f"one checkpoint: {checkpoint * 1000:.0f} ms; every {cfg.checkpoint_every} steps that is "
          f"{100 * overhead:.2f}% of training time")
    if args.json:
        runs.write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
