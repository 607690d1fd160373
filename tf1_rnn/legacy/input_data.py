"""MNIST as legacy programs loaded it, backed by the project's verified data (tf1_rnn.data.datasets).

- ``tensorflow.examples.tutorials.mnist.input_data``: TF 1.x's ``read_data_sets``, provisioning
  whatever directory the script names (``"MNIST_data/"``, ``"../data/MNIST_data"``).
- ``import input_data``: the TF 0.x tutorials shipped this module beside each script; where the
  script's folder has none, this one is found instead (a local ``input_data.py`` always wins).
  Its batches follow 0.x's order: the first epoch in file order; at an epoch's end the partial
  tail is dropped, the set reshuffled, and a full batch taken from the new epoch's head.
- ``tf.keras.datasets.mnist`` / ``fashion_mnist``: ``load_data()`` from the same verified files
  (``$TF1_RNN_DATA_DIR/<dataset>`` or the user cache), in Keras's format: uint8
  ``(x_train [60000, 28, 28], y_train [60000]), (x_test, y_test)``.
"""
import importlib
import importlib.abc
import importlib.util
import os
import sys

import numpy as np

from tf1_rnn.data import datasets
from tf1_rnn.data import idx
from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy.namespace import Namespace, module


class TF0DataSet(datasets.DataSet):
    """A split whose ``next_batch`` follows the TF 0.x tutorials' ``input_data.py``."""

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        self._check_batch_size(batch_size)
        if fake_data:
            return self._fake_batch(batch_size)
        start = self._index_in_epoch
        if start + batch_size > self.num_examples:
            self._epochs_completed += 1
            if shuffle:
                self._shuffle()
            start = 0
        self._index_in_epoch = start + batch_size
        return self._rows(start, self._index_in_epoch)


def make_read_data_sets(seed, verify, dataset_class=datasets.DataSet):
    """TF1's ``read_data_sets``; ``seed`` (the runner's ``--seed``) is the default data order."""
    def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=v1.float32, reshape=True,
                       validation_size=5000, seed=seed, source_url=None):
        data = datasets.read_data_sets(train_dir, fake_data, one_hot, np.dtype(v1.as_dtype(dtype).as_numpy_dtype),
                                       reshape, validation_size, seed, source_url, verify=verify, log=print,
                                       dataset_class=dataset_class)
        for path in datasets.provision.existing_files(datasets.provision.DATASETS["mnist"], train_dir).values():
            print("Extracting", path)  # as TF1 printed
        return data
    return read_data_sets


def make_load_data(dataset, verify):
    """Keras's ``load_data`` for ``dataset``; an existing ``path`` (a Keras ``.npz``) is read as Keras would."""
    def load_data(path=None):
        if path is not None and os.path.isfile(path):
            with np.load(path) as f:
                return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
        spec, data_dir = datasets.DATASETS[dataset], datasets.default_data_dir(dataset)
        if verify:
            paths = datasets.provision.provision(spec, data_dir)
        else:
            paths = datasets.provision.existing_files(spec, data_dir)
        arrays = [idx.read_images(paths[f"{role}_images"]) for role in ("train", "test")]
        labels = [idx.read_labels(paths[f"{role}_labels"]) for role in ("train", "test")]
        return (arrays[0], labels[0]), (arrays[1], labels[1])
    return load_data


def modules(seed, verify):
    """{module name: namespace} for ``tensorflow.examples`` down to ``...mnist.input_data``."""
    input_data = module("tensorflow.examples.tutorials.mnist.input_data",
                        read_data_sets=make_read_data_sets(seed, verify), DataSet=datasets.DataSet)
    input_data.__file__ = __file__
    mnist = module("tensorflow.examples.tutorials.mnist", input_data=input_data)
    tutorials = module("tensorflow.examples.tutorials", mnist=mnist)
    examples = module("tensorflow.examples", tutorials=tutorials)
    return {"tensorflow.examples": examples, "tensorflow.examples.tutorials": tutorials,
            "tensorflow.examples.tutorials.mnist": mnist, "tensorflow.examples.tutorials.mnist.input_data": input_data}


def keras_namespace(verify):
    """``tf.keras`` (tf-keras), with ``datasets.mnist`` and ``datasets.fashion_mnist`` served from verified files."""
    sets = {name: module(f"tensorflow.keras.datasets.{name}", load_data=make_load_data(name, verify))
            for name in ("mnist", "fashion_mnist")}
    keras = importlib.import_module("tf_keras.api._v1.keras")  # TF 1.x's tf.keras: Keras 2's API
    keras_datasets = Namespace("tensorflow.keras.datasets", [keras.datasets], overrides=sets)
    return Namespace("tensorflow.keras", [keras], overrides={"datasets": keras_datasets})


class TutorialInputData(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import input_data`` when no ``input_data.py`` is on the path: last in ``sys.meta_path``."""

    def __init__(self, seed, verify):
        self.module = module("input_data", read_data_sets=make_read_data_sets(seed, verify, TF0DataSet),
                             DataSet=TF0DataSet)
        self.module.__file__ = __file__

    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, self) if fullname == "input_data" else None

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


def install_tutorial_module(patches, seed, verify):
    """Serve ``import input_data`` (after an earlier install's finder is gone; last on the path)."""
    patches.insert(sys.meta_path, None, TutorialInputData(seed, verify))
    if isinstance(sys.modules.get("input_data"), Namespace):
        patches.delitem(sys.modules, "input_data")  # an earlier install's: the next import gets the new settings
