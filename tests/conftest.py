"""Shared fixtures: tiny synthetic MNIST-format data and helpers to run scripts."""
import gzip
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from tf1_rnn import compat

compat.enable_tf1()  # the tests are an entry point: TF1 graph mode, quiet, before TensorFlow loads
from tf1_rnn.data import idx
from tf1_rnn.data.provision import DatasetSpec, FileSpec, ROLES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
N_TRAIN, N_TEST = 5200, 6000  # 5000 train rows go to validation, as in TF1; rnn tests on 6000


def synthetic_arrays(n, seed):
    """Learnable 28x28 images: class c lights columns 2c..2c+3 of every row, over uniform noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
    for c in range(10):
        images[labels == c, :, 2 * c:2 * c + 4] = 255
    return images, labels


def synthetic_files(n_train=N_TRAIN, n_test=N_TEST):
    """{name: raw IDX bytes} for a whole synthetic dataset."""
    train, test = synthetic_arrays(n_train, 1), synthetic_arrays(n_test, 2)
    return dict(zip(NAMES, (idx.encode(train[0]), idx.encode(train[1]), idx.encode(test[0]), idx.encode(test[1]))))


def spec_for(files, name="synthetic"):
    """A DatasetSpec whose checksums are those of ``files``."""
    import hashlib
    return DatasetSpec(name, tuple(FileSpec(role, n, len(files[n]), hashlib.sha256(files[n]).hexdigest())
                                   for role, n in zip(ROLES, NAMES)),
                       mirror="http://127.0.0.1:9/", registry=None)


def write_files(directory, files, gz=False):
    os.makedirs(directory, exist_ok=True)
    for name, data in files.items():
        path = os.path.join(directory, name + (".gz" if gz else ""))
        with open(path, "wb") as f:
            f.write(gzip.compress(data) if gz else data)
    return directory


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory):
    """A data directory of synthetic MNIST-format files (use with verify=False / --no-verify)."""
    return write_files(str(tmp_path_factory.mktemp("synthetic")), synthetic_files(), gz=True)


# The compiled LSTM kernel is built once per test session, into a directory of its own (the
# scripts the tests start inherit it), so the tests build it as a new user would.
os.environ.setdefault("TF1_RNN_KERNEL_DIR", tempfile.mkdtemp(prefix="tf1_rnn_kernels_"))
# The runner's cache of Python 2 conversions (and any other per-user cache) stays out of the user's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="tf1_rnn_cache_")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """No test may touch the user's data cache."""
    monkeypatch.setenv("TF1_RNN_DATA_DIR", str(tmp_path / "cache"))


TINY = ["--n-hidden", "8", "--batch-size", "32", "--display-step", "5", "--eval-every", "5",
        "--eval-subset", "head:100", "--checkpoint-every", "10"]


def run_script(script, *args, cwd=None, env=None, timeout=300):
    """Run ``scripts/<script>.py`` in a subprocess; returns CompletedProcess with text output."""
    full_env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", script + ".py"), *map(str, args)],
                          cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
