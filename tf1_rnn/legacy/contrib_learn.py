"""``tf.contrib.learn``, the parts RNN programs used outside its Estimators.

- ``run_n``, ``run_feeds``, ``run_feeds_iter``, ``infer`` (its graph_actions): run a dict of tensors
  in a new session that initialises (or restores) the variables and starts the queue runners.
- ``preprocessing``: ``VocabularyProcessor`` and its kin, in legacy/contrib_learn_text.py.
- ``datasets``: ``load_dataset('mnist')`` and ``datasets.mnist.read_data_sets`` on the runner's
  verified MNIST (as ``input_data``), with ``extract_images``, ``extract_labels``,
  ``dense_to_one_hot``; ``datasets.base`` with ``Dataset``, ``Datasets``,
  ``load_csv_with_header``, ``load_csv_without_header``, ``shrink_csv``. Iris and Boston need
  their ``data_path`` (TF shipped their CSVs in its package); DBpedia and downloads have no port.

Each module also answers under ``tensorflow.contrib.learn.python.learn``, where TF 1.x defined it.
Everything else (Estimators, ``Experiment``, ``learn_runner``...) is a one-line error
(legacy/namespace.py). Difference: ``run_feeds`` does not initialise resources other than tables.
"""
import collections
import csv
import gzip
import itertools
import os

import numpy as np

from tf1_rnn.compat import tf as v1
from tf1_rnn.data import idx
from tf1_rnn.data.datasets import DataSet
from tf1_rnn.data.idx import DataError
from tf1_rnn.legacy import contrib_learn_text, input_data
from tf1_rnn.legacy.namespace import module

LEARN = contrib_learn_text.LEARN
PREPROCESSING_NAMES = ["VocabularyProcessor", "CategoricalVocabulary", "ByteProcessor", "tokenizer"]
DATASET_NAMES = ("iris", "boston", "mnist", "dbpedia")

Dataset = collections.namedtuple("Dataset", ["data", "target"])
Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def run_feeds_iter(output_dict, feed_dicts, restore_checkpoint_path=None):
    """Yields ``session.run(output_dict, feed)`` for each feed, in one session on the tensors' graph."""
    if not output_dict:
        raise ValueError(f"run_feeds: output_dict must map names to tensors, got {output_dict!r}")
    if not feed_dicts:
        raise ValueError(f"run_feeds: feed_dicts must be an iterable of feed dicts, got {feed_dicts!r}")
    graphs = {tensor.graph for tensor in v1.nest.flatten(output_dict)}  # values may be nested (LSTMStateTuple)
    if len(graphs) != 1:
        raise ValueError("run_feeds: the tensors of output_dict must all come from the same graph")
    graph = graphs.pop()
    with graph.as_default(), v1.Session(graph=graph) as session:
        if restore_checkpoint_path:
            savers = graph.get_collection(v1.GraphKeys.SAVERS)
            (savers[0] if savers else v1.train.Saver()).restore(session, restore_checkpoint_path)
        else:
            session.run(v1.global_variables_initializer())
        session.run([v1.local_variables_initializer(), v1.tables_initializer()])
        coordinator = v1.train.Coordinator()
        threads = v1.train.start_queue_runners(session, coord=coordinator)
        try:
            for feed_dict in feed_dicts:
                yield session.run(output_dict, feed_dict)
        finally:
            coordinator.request_stop()
            coordinator.join(threads, stop_grace_period_secs=120)


def run_feeds(*args, **kwargs):
    """:func:`run_feeds_iter` as a list."""
    return list(run_feeds_iter(*args, **kwargs))


def run_n(output_dict, feed_dict=None, restore_checkpoint_path=None, n=1):
    """``n`` dicts of ``output_dict``'s values, the same feed each run."""
    return run_feeds(output_dict, itertools.repeat(feed_dict, n), restore_checkpoint_path)


def infer(restore_checkpoint_path, output_dict, feed_dict=None):
    """One run of ``output_dict`` from the checkpoint (or from fresh variables without one)."""
    return run_feeds(output_dict, [feed_dict], restore_checkpoint_path)[0]


def load_csv_with_header(filename, target_dtype, features_dtype, target_column=-1):
    """``Dataset(data [n, features], target [n])``; the header row starts with n and the number of features."""
    with open(filename, newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        n_samples, n_features = int(header[0]), int(header[1])
        data = np.zeros((n_samples, n_features), dtype=features_dtype)
        target = np.zeros((n_samples,), dtype=target_dtype)
        for i, row in enumerate(rows):
            target[i] = np.asarray(row.pop(target_column), dtype=target_dtype)
            data[i] = np.asarray(row, dtype=features_dtype)
    return Dataset(data=data, target=target)


def load_csv_without_header(filename, target_dtype, features_dtype, target_column=-1):
    """``Dataset(data, target)``: every row an example, ``target_column`` its target."""
    with open(filename, newline="") as f:
        rows = list(csv.reader(f))
    target = np.array([row.pop(target_column) for row in rows], dtype=target_dtype)
    return Dataset(data=np.array([np.asarray(row, dtype=features_dtype) for row in rows]), target=target)


def shrink_csv(filename, ratio):
    """Every ``ratio``-th row of ``filename`` written to its name with ``_small`` before the first dot."""
    with open(filename, newline="") as source, open(filename.replace(".", "_small.", 1), "w", newline="") as small:
        csv.writer(small).writerows(row for i, row in enumerate(csv.reader(source)) if i % ratio == 0)


def maybe_download(filename, work_directory, source_url):
    """The path of ``filename`` in ``work_directory``; the runner never downloads, so it must be there."""
    path = os.path.join(work_directory, filename)
    if not os.path.exists(path):
        raise DataError(f"datasets.base.maybe_download: {path} is missing and the runner downloads nothing; "
                        f"fetch {source_url} and put it there")
    return path


def extract_images(f):
    """``[N, rows, cols, 1]`` uint8 images from a gzipped IDX file opened in binary mode."""
    with gzip.GzipFile(fileobj=f) as unpacked:
        images = idx.parse(unpacked.read(), getattr(f, "name", "extract_images"), ndim=3)
    return images[..., np.newaxis]  # [N, rows, cols, 1]


def extract_labels(f, one_hot=False, num_classes=10):
    """``[N]`` uint8 labels (``[N, num_classes]`` one-hot) from a gzipped IDX file opened in binary mode."""
    with gzip.GzipFile(fileobj=f) as unpacked:
        labels = idx.parse(unpacked.read(), getattr(f, "name", "extract_labels"), ndim=1)
    return dense_to_one_hot(labels, num_classes) if one_hot else labels


def dense_to_one_hot(labels_dense, num_classes):
    """``[N, num_classes]`` float64 rows, 1 at each label."""
    return np.eye(num_classes)[np.asarray(labels_dense)]


def _csv_loader(name, target_dtype):
    def load(data_path=None):
        if data_path is None:
            raise DataError(f"datasets.load_{name}: TF 1.x read {name}'s CSV from inside its own package, which "
                            f"the runner does not have; pass data_path=<the CSV, with its header row>")
        return load_csv_with_header(data_path, target_dtype=target_dtype, features_dtype=np.float64)
    load.__name__ = f"load_{name}"
    return load


load_iris, load_boston = _csv_loader("iris", np.int64), _csv_loader("boston", np.float64)


def _make_load_dataset(read_data_sets):
    def load_mnist(train_dir="MNIST-data"):
        return read_data_sets(train_dir)

    def load_dataset(name, size="small", test_with_fake_data=False):
        """``load_dataset('mnist')`` reads ``MNIST-data/`` (as TF 1.x); iris and boston need a data_path."""
        if name not in DATASET_NAMES:
            raise ValueError(f"load_dataset: Name of dataset is not found: {name} (one of {', '.join(DATASET_NAMES)})")
        if name == "dbpedia":
            raise DataError("load_dataset('dbpedia'): DBpedia is downloaded by TF 1.x's loader, and the runner "
                            "downloads nothing; it has no port here")
        return {"iris": load_iris, "boston": load_boston, "mnist": load_mnist}[name]()

    return load_mnist, load_dataset


def _learn_modules(prefix, text_parts, seed, verify):
    """The namespaces of one tree (``prefix`` is ``tensorflow.contrib.learn`` or ``...python.learn``)."""
    read_data_sets = input_data.make_read_data_sets(seed, verify)
    load_mnist, load_dataset = _make_load_dataset(read_data_sets)
    preprocessing = module(f"{prefix}.preprocessing", **{name: getattr(contrib_learn_text, name)
                                                        for name in PREPROCESSING_NAMES},
                           text=text_parts[contrib_learn_text.TEXT_MODULE],
                           categorical_vocabulary=text_parts[contrib_learn_text.VOCABULARY_MODULE])
    base = module(f"{prefix}.datasets.base", Dataset=Dataset, Datasets=Datasets, maybe_download=maybe_download,
                  load_csv_with_header=load_csv_with_header, load_csv_without_header=load_csv_without_header,
                  shrink_csv=shrink_csv, load_iris=load_iris, load_boston=load_boston)
    mnist = module(f"{prefix}.datasets.mnist", read_data_sets=read_data_sets, load_mnist=load_mnist,
                   DataSet=DataSet, extract_images=extract_images, extract_labels=extract_labels,
                   dense_to_one_hot=dense_to_one_hot)
    datasets = module(f"{prefix}.datasets", load_dataset=load_dataset, base=base, mnist=mnist,
                      load_iris=load_iris, load_boston=load_boston)
    graph_actions = module(f"{prefix}.graph_actions", run_n=run_n, run_feeds=run_feeds,
                           run_feeds_iter=run_feeds_iter, infer=infer)
    learn = module(prefix, preprocessing=preprocessing, datasets=datasets, graph_actions=graph_actions,
                   run_n=run_n, run_feeds=run_feeds, run_feeds_iter=run_feeds_iter, infer=infer)
    parts = {"": learn, ".preprocessing": preprocessing, ".datasets": datasets, ".datasets.base": base,
             ".datasets.mnist": mnist, ".graph_actions": graph_actions}
    return {prefix + suffix: part for suffix, part in parts.items()}


def modules(seed, verify):
    """{module name: namespace} for ``tensorflow.contrib.learn`` and its TF 1.x home ``...python.learn``."""
    text_parts = contrib_learn_text.modules()  # preprocessing.text and .categorical_vocabulary
    short = _learn_modules("tensorflow.contrib.learn", text_parts, seed, verify)
    home = {**_learn_modules(LEARN, text_parts, seed, verify), **text_parts}
    python = module("tensorflow.contrib.learn.python", learn=home[LEARN])
    short["tensorflow.contrib.learn"].provide(python=python)
    return {**short, "tensorflow.contrib.learn.python": python, **home}
