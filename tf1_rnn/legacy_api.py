"""The ``tensorflow`` a TF 1.x script sees under ``python -m tf1_rnn.run_legacy``.

``install()`` puts namespaces in ``sys.modules`` so that, unedited, a script's

    import tensorflow as tf
    from tensorflow.contrib import rnn
    from tensorflow.examples.tutorials.mnist import input_data

get TF 1.15's API in graph mode: ``tf.compat.v1`` (with the legacy cells routed to tf-keras),
then ``tf.contrib.rnn`` and ``tf.contrib.layers.xavier_initializer`` built on what TF still
has, and ``input_data`` backed by :func:`tf1_rnn.datasets.read_data_sets`. A name outside
that raises :class:`LegacyAPIError`, whose message names the symbol, what replaced it, and
where the runner's support ends.
"""
import importlib.abc
import sys
import types

import numpy as np

from tf1_rnn import datasets
from tf1_rnn.compat import TF1DefaultInitializer, legacy_rnn_cells, tensorflow, tf as v1

SUPPORT = ("the runner provides TensorFlow 1.15's API outside tf.contrib (as tf.compat.v1), plus "
           "tf.contrib.rnn, tf.contrib.layers.xavier_initializer and tf.examples.tutorials.mnist")

# TF 0.x and contrib names that scripts still use, and what replaced them.
REPLACED = {
    "tf.mul": "tf.multiply", "tf.sub": "tf.subtract", "tf.neg": "tf.negative",
    "tf.pack": "tf.stack", "tf.unpack": "tf.unstack", "tf.select": "tf.where",
    "tf.scalar_summary": "tf.summary.scalar", "tf.histogram_summary": "tf.summary.histogram",
    "tf.image_summary": "tf.summary.image", "tf.merge_all_summaries": "tf.summary.merge_all",
    "tf.merge_summary": "tf.summary.merge", "tf.train.SummaryWriter": "tf.summary.FileWriter",
    "tf.initialize_variables": "tf.variables_initializer",
    "tf.nn.rnn": "tf.nn.static_rnn (TF 1.0)", "tf.nn.bidirectional_rnn": "tf.nn.static_bidirectional_rnn (TF 1.0)",
    "tf.contrib.layers": "tf.layers (tf.layers.dense, ...) and tf.keras.layers",
    "tf.contrib.learn": "tf.estimator, itself removed in TensorFlow 2.16; use Keras",
    "tf.contrib.slim": "the tf-slim package (import tf_slim as slim)",
    "tf.estimator": "nothing in TensorFlow 2.16+ (removed); use Keras",
}


class LegacyAPIError(AttributeError):
    """A TF 1.x name the runner cannot provide."""

    def __init__(self, symbol):
        replaced = REPLACED.get(symbol) or REPLACED.get(symbol.rsplit(".", 1)[0])
        if replaced:
            how = f"replaced by {replaced}"
        elif symbol.startswith("tf.contrib."):
            how = "tf.contrib was removed in TensorFlow 2.0 and this part of it has no port here"
        else:
            how = "not part of TensorFlow 1.15's API"
        super().__init__(f"{symbol} is not available: {how}; {SUPPORT}")
        self.symbol = symbol


class LegacyImportError(ImportError):
    """``import tensorflow.contrib.X`` for an X the runner cannot provide."""


class Namespace(types.ModuleType):
    """Attribute lookup through ``overrides`` then ``targets``; a miss is a LegacyAPIError.

    A sub-module found on a target is wrapped in turn, so ``tf.nn.rnn`` fails as clearly as
    ``tf.mul`` does.
    """

    def __init__(self, name, targets=(), overrides=None):
        super().__init__(name)  # the module's real name: Python imports submodules by it
        self._symbol = "tf" + name[len("tensorflow"):]  # how scripts spell it, for messages
        self._targets, self._overrides = list(targets), dict(overrides or {})
        self.__path__ = []  # a package: "import tensorflow.contrib.x" asks sys.modules, then _GuardedImports

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._overrides:
            return self._overrides[name]
        symbol = f"{self._symbol}.{name}"
        if symbol not in REPLACED:
            found = [getattr(t, name) for t in self._targets if hasattr(t, name)]
            if found:
                value = found[0]
                if isinstance(value, types.ModuleType):
                    value = Namespace(f"{self.__name__}.{name}", found)
                    self._overrides[name] = value
                return value
        raise LegacyAPIError(symbol)

    def __dir__(self):
        return sorted(set(self._overrides).union(*(dir(t) for t in self._targets)))


def stack_bidirectional_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None, initial_states_bw=None,
                            dtype=None, sequence_length=None, scope=None):
    """tf.contrib.rnn's stacked static BiRNN: each layer reads the previous layer's outputs.

    Variables: ``<scope or stack_bidirectional_rnn>/cell_<i>/{fw,bw}/...``, as in TF 1.x.
    """
    layers = _stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw, layer = [], [], inputs
    with v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw, initial_fw, initial_bw) in enumerate(layers):
            with v1.variable_scope(f"cell_{i}") as cell_scope:
                layer, state_fw, state_bw = v1.nn.static_bidirectional_rnn(
                    cell_fw, cell_bw, layer, initial_state_fw=initial_fw, initial_state_bw=initial_bw,
                    dtype=dtype, sequence_length=sequence_length, scope=cell_scope)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None, initial_states_bw=None,
                                    dtype=None, sequence_length=None, parallel_iterations=None,
                                    time_major=False, scope=None, swap_memory=False):
    """tf.contrib.rnn's stacked dynamic BiRNN; outputs concatenated on the last axis per layer.

    Variables: ``<scope>/cell_<i>/bidirectional_rnn/{fw,bw}/...``, as in TF 1.x.
    """
    layers = _stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw, layer = [], [], inputs
    with v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw, initial_fw, initial_bw) in enumerate(layers):
            with v1.variable_scope(f"cell_{i}"):
                outputs, (state_fw, state_bw) = v1.nn.bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, layer, initial_state_fw=initial_fw, initial_state_bw=initial_bw,
                    sequence_length=sequence_length, parallel_iterations=parallel_iterations,
                    dtype=dtype, swap_memory=swap_memory, time_major=time_major)
                layer = v1.concat(outputs, 2)  # [batch, time, fw + bw]
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer, tuple(states_fw), tuple(states_bw)


def _stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw):
    """Checked (cell_fw, cell_bw, initial_fw, initial_bw) per layer; a missing initial state is None."""
    if not cells_fw or not cells_bw:
        raise ValueError("stack_bidirectional_rnn needs at least one forward and one backward cell")
    if not isinstance(cells_fw, list) or not isinstance(cells_bw, list):
        raise ValueError("cells_fw and cells_bw must be lists of RNNCells (one per layer)")
    if len(cells_fw) != len(cells_bw):
        raise ValueError("forward and backward cells must have the same depth")
    none = [None] * len(cells_fw)
    return list(zip(cells_fw, cells_bw, initial_states_fw or none, initial_states_bw or none))


def xavier_initializer(uniform=True, seed=None, dtype=v1.float32):
    """tf.contrib.layers.xavier_initializer: uniform limit sqrt(3/fan_avg), or a truncated normal
    of stddev sqrt(1.3/fan_avg) (v1's truncated normal divides by 0.8796..., so scale for that)."""
    if uniform:
        return v1.variance_scaling_initializer(1.0, "fan_avg", "uniform", seed=seed, dtype=dtype)
    return v1.variance_scaling_initializer(1.3 * 0.87962566103423978 ** 2, "fan_avg", "truncated_normal",
                                           seed=seed, dtype=dtype)


def _input_data(seed, verify):
    """``tensorflow.examples.tutorials.mnist.input_data``: read_data_sets provisioned and verified."""
    def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=v1.float32, reshape=True,
                       validation_size=5000, seed=seed, source_url=None):
        data = datasets.read_data_sets(train_dir, fake_data, one_hot, np.dtype(v1.as_dtype(dtype).as_numpy_dtype),
                                       reshape, validation_size, seed, source_url, verify=verify, log=print)
        for path in datasets.provision.existing_files(datasets.provision.DATASETS["mnist"], train_dir).values():
            print("Extracting", path)  # as TF1 printed
        return data
    module = Namespace("tensorflow.examples.tutorials.mnist.input_data",
                       overrides={"read_data_sets": read_data_sets, "DataSet": datasets.DataSet})
    module.__file__ = __file__
    return module


class _GuardedImports(importlib.abc.MetaPathFinder):
    """``import tensorflow.contrib.<anything else>`` fails with a clear message."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(("tensorflow.contrib.", "tensorflow.examples.")) and fullname not in sys.modules:
            raise LegacyImportError(str(LegacyAPIError("tf." + fullname.split(".", 1)[1])))
        return None


def configure_graph(graph, seed):
    """TF1's per-graph defaults: the runner's seed (if any) and get_variable's initializer."""
    if seed is not None:
        graph.seed = seed
    with graph.as_default():
        v1.get_variable_scope().set_initializer(TF1DefaultInitializer())
    return graph


def install(seed=None, verify=True):
    """Make ``import tensorflow`` (and its TF1-era sub-modules) give the TF 1.x namespace."""
    rnn_cell = legacy_rnn_cells()
    v1.layers.dense  # resolve tf-keras's legacy layers now, before "tensorflow" is swapped

    class Graph(v1.Graph):
        def __init__(self):
            super().__init__()
            configure_graph(self, seed)

    def reset_default_graph():
        v1.reset_default_graph()
        configure_graph(v1.get_default_graph(), seed)

    cell_names = ["BasicLSTMCell", "LSTMCell", "GRUCell", "BasicRNNCell", "MultiRNNCell", "DropoutWrapper",
                  "LSTMStateTuple", "RNNCell", "ResidualWrapper", "DeviceWrapper"]
    contrib_rnn = Namespace("tensorflow.contrib.rnn", overrides={
        **{name: getattr(rnn_cell, name) for name in cell_names},
        "static_rnn": v1.nn.static_rnn, "static_bidirectional_rnn": v1.nn.static_bidirectional_rnn,
        "static_state_saving_rnn": v1.nn.static_state_saving_rnn,
        "stack_bidirectional_rnn": stack_bidirectional_rnn,
        "stack_bidirectional_dynamic_rnn": stack_bidirectional_dynamic_rnn})
    contrib_layers = Namespace("tensorflow.contrib.layers", overrides={"xavier_initializer": xavier_initializer})
    contrib = Namespace("tensorflow.contrib", overrides={"rnn": contrib_rnn, "layers": contrib_layers})
    input_data = _input_data(seed, verify)
    mnist = Namespace("tensorflow.examples.tutorials.mnist", overrides={"input_data": input_data})
    tutorials = Namespace("tensorflow.examples.tutorials", overrides={"mnist": mnist})
    examples = Namespace("tensorflow.examples", overrides={"tutorials": tutorials})
    root = Namespace("tensorflow", [v1, tensorflow], overrides={
        "contrib": contrib, "examples": examples, "Graph": Graph, "reset_default_graph": reset_default_graph})
    root.__version__ = tensorflow.__version__
    sys.modules.update({
        "tensorflow": root, "tensorflow.contrib": contrib, "tensorflow.contrib.rnn": contrib_rnn,
        "tensorflow.contrib.layers": contrib_layers, "tensorflow.examples": examples,
        "tensorflow.examples.tutorials": tutorials, "tensorflow.examples.tutorials.mnist": mnist,
        "tensorflow.examples.tutorials.mnist.input_data": input_data})
    sys.meta_path.insert(0, _GuardedImports())
    configure_graph(v1.get_default_graph(), seed)
    return root
