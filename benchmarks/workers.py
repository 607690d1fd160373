"""The benchmark's workloads, and the Keras 3 and PyTorch versions of them in worker processes.

A :class:`Workload` is one tutorial model's training step, described by its sizes so that
every system computes the same thing: the recurrent cell (LSTM, or lstm_mnist's ``--cell gru``),
its input width, hidden units and how many time steps each direction runs (the published
BiLSTM's backward direction runs one step, because its readout has seen only the last row), the
readout, the optimizer. Its FLOPs and roofline: ``benchmarks/roofline.py``.

Keras 3 cannot share a process with tf1_rnn (which routes ``tf.keras`` to tf-keras before
TensorFlow loads), so each foreign system runs here, in its own process::

    python -m benchmarks.workers {keras,torch} '<workload as JSON>'

The worker builds the model, trains ``warmup`` steps on a fixed random batch, prints
``ready {...}`` and then, for each line ``N`` on stdin, trains N steps and prints the seconds
they took, so the parent can alternate systems without paying start-up again. Imports no
TensorFlow at module level.

:class:`Worker` is the parent's end: it starts a worker and asks it for timings.
"""
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

N_STEPS = N_INPUT = 28
N_CLASSES = 10


@dataclasses.dataclass(frozen=True)
class Workload:
    """One tutorial model's training step; ``bw_steps`` 0 means one direction."""
    name: str
    batch: int
    hidden: int
    cell: str = "lstm"         # or "gru": legacy GRUCell's function (reset before the recurrent matmul)
    fw_steps: int = N_STEPS
    bw_steps: int = 0
    projection: int = 0        # DLSTM: a Dense(projection) on each row before the LSTMs
    dropout: float = 0.0       # on the recurrent layer's output (lstm_mnist's keep_prob 0.5)
    softmax_twice: bool = False
    optimizer: str = "adam"
    learning_rate: float = 0.001
    note: str = ""             # how Keras and PyTorch express the same work

    @property
    def rnn_input(self):
        """The recurrent layer's input width: a row, or its projection."""
        return self.projection or N_INPUT


def random_batch(work, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((work.batch, N_STEPS, N_INPUT), dtype=np.float32)
    return x, rng.integers(0, N_CLASSES, work.batch)


def keras_step(work):
    """A function running one Keras 3 ``train_on_batch`` of ``work``; and the Keras version."""
    import keras
    from keras import layers

    def recurrent(**options):
        if work.cell == "gru":  # reset before the recurrent matmul, as legacy GRUCell computes it
            return layers.GRU(work.hidden, reset_after=False, **options)
        return layers.LSTM(work.hidden, **options)

    x = keras.Input((N_STEPS, N_INPUT))
    rows = layers.Dense(work.projection)(x) if work.projection else x
    if work.bw_steps == 0:
        features = recurrent()(rows)
    elif work.projection:  # DLSTM: both directions over all steps, read at the last step
        outputs = layers.Bidirectional(recurrent(return_sequences=True))(rows)
        features = layers.Lambda(lambda t: t[:, -1])(outputs)
    elif work.fw_steps == work.bw_steps == N_STEPS:
        features = layers.Bidirectional(recurrent())(rows)
    else:  # a pruned backward direction: the rows it reads, last row first
        first_bw = N_STEPS - work.bw_steps
        fw = recurrent()(layers.Lambda(lambda t: t[:, :work.fw_steps])(rows))
        bw = recurrent(go_backwards=True)(layers.Lambda(lambda t: t[:, first_bw:])(rows))
        features = layers.Concatenate()([fw, bw])
    if work.dropout:
        features = layers.Dropout(work.dropout)(features)
    logits = layers.Dense(N_CLASSES, activation="softmax" if work.softmax_twice else None)(features)
    model = keras.Model(x, logits)
    optimizer = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[work.optimizer](work.learning_rate)
    model.compile(optimizer, keras.losses.CategoricalCrossentropy(from_logits=True))
    images, labels = random_batch(work)
    one_hot = np.eye(N_CLASSES, dtype=np.float32)[labels]
    return (lambda: model.train_on_batch(images, one_hot)), f"Keras {keras.__version__}"


def torch_step(work):
    """A function running one PyTorch training step of ``work``; and the PyTorch version."""
    import torch
    from torch import nn

    # nn.GRU applies the reset gate after the recurrent matmul (Keras' reset_after=True): legacy
    # GRUCell's FLOPs, a slightly different function.
    recurrent = {"lstm": nn.LSTM, "gru": nn.GRU}[work.cell]

    def run(rnn, x):
        """(outputs, final h) of ``rnn``: an LSTM's final state is (h, c), a GRU's is h."""
        outputs, state = rnn(x)
        return outputs, state[0] if work.cell == "lstm" else state

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.projection = nn.Linear(N_INPUT, work.projection) if work.projection else None
            both = work.bw_steps and work.fw_steps == work.bw_steps == N_STEPS
            self.fw = recurrent(work.rnn_input, work.hidden, batch_first=True, bidirectional=bool(both))
            self.bw = recurrent(work.rnn_input, work.hidden, batch_first=True) if work.bw_steps and not both else None
            self.out = nn.Linear(work.hidden * (2 if work.bw_steps else 1), N_CLASSES)

        def forward(self, x):
            if self.projection is not None:
                x = self.projection(x)
            if self.bw is None:
                outputs, h = run(self.fw, x[:, :work.fw_steps])
                # DLSTM reads both directions at the last step; the others each direction's final output.
                features = outputs[:, -1] if work.projection else torch.cat(list(h), 1)
            else:
                _, h_fw = run(self.fw, x[:, :work.fw_steps])
                _, h_bw = run(self.bw, torch.flip(x[:, N_STEPS - work.bw_steps:], [1]))
                features = torch.cat([h_fw[0], h_bw[0]], 1)
            features = nn.functional.dropout(features, work.dropout, self.training)
            logits = self.out(features)
            return torch.softmax(logits, 1) if work.softmax_twice else logits

    model = Model()
    optimizer = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[work.optimizer](model.parameters(),
                                                                                   lr=work.learning_rate)
    images, labels = (torch.from_numpy(a) for a in random_batch(work))

    def step():
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(images), labels).backward()
        optimizer.step()
    return step, f"PyTorch {torch.__version__.split('+')[0]}"


class Worker:
    """A Keras 3 or PyTorch worker process (``serve`` below) answering "train N steps" requests."""

    def __init__(self, system, work, warmup):
        env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}  # Keras 3, whatever the user set
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        self.stderr = tempfile.TemporaryFile(mode="w+")
        spec = json.dumps({**dataclasses.asdict(work), "warmup": warmup})
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.workers", system, spec], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env)
        line = self._read()
        while not line.startswith("ready "):
            line = self._read()
        self.version = json.loads(line[len("ready "):])["version"]

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            self.stderr.seek(0)
            lines = self.stderr.read().strip().splitlines() or ["(no output)"]
            raise RuntimeError(f"worker exited: {lines[-1]}")
        return line.strip()

    def time(self, steps):
        self.proc.stdin.write(f"{steps}\n")
        self.proc.stdin.flush()
        return json.loads(self._read())["seconds"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()
        self.stderr.close()


def serve(system, work, warmup):
    """Build, warm up, then answer "N" lines on stdin with the seconds N steps took."""
    step, version = {"keras": keras_step, "torch": torch_step}[system](work)
    for _ in range(warmup):
        step()
    print("ready " + json.dumps({"version": version}), flush=True)
    for line in sys.stdin:
        count = int(line)
        start = time.perf_counter()
        for _ in range(count):
            step()
        print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)


if __name__ == "__main__":
    spec = json.loads(sys.argv[2])
    warmup_steps = spec.pop("warmup")
    serve(sys.argv[1], Workload(**spec), warmup_steps)
