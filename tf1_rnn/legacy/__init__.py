"""The ``tensorflow`` a TF 1.x (or 0.x) program sees under the runner or ``%load_ext tf1_rnn``.

:func:`install` puts namespaces in ``sys.modules`` so that, unedited, a program's

    import tensorflow as tf
    from tensorflow.contrib import rnn
    from tensorflow.examples.tutorials.mnist import input_data

get TF 1.15's API in graph mode: ``tf.compat.v1`` (legacy cells routed to tf-keras), then the
parts TensorFlow dropped, each in its own module:

    namespace.py   the module-like namespaces and the one-line errors for what has no port
    contrib.py     tf.contrib.rnn, tf.contrib.layers
    input_data.py  tensorflow.examples.tutorials.mnist.input_data, ``import input_data`` (TF 0.x)
                   and tf.keras.datasets.mnist on the verified data
    tf0.py         TF 0.x's names (tf.mul, tf.concat(dim, values), tf.scalar_summary, ...)
    tf0_rnn.py     TF 0.x's RNN API (tensorflow.models.rnn, tf.nn.rnn, concatenated LSTM states)
    py2.py         Python 2 source converted in memory (used by the runner and the kernel)
"""
import sys

from tf1_rnn.compat import TF1DefaultInitializer, legacy_rnn_cells, tensorflow, tf as v1
from tf1_rnn.legacy import contrib, input_data, tf0
from tf1_rnn.legacy.namespace import GuardedImports, LegacyAPIError, LegacyCallError, LegacyImportError, Namespace

__all__ = ["install", "configure_graph", "LegacyAPIError", "LegacyCallError", "LegacyImportError"]


def configure_graph(graph, seed):
    """TF1's per-graph defaults: the runner's seed (if any) and get_variable's initializer."""
    if seed is not None:
        graph.seed = seed
    with graph.as_default():
        v1.get_variable_scope().set_initializer(TF1DefaultInitializer())
    return graph


def _graph_functions(seed):
    """``tf.Graph`` and ``tf.reset_default_graph`` that give every new graph TF1's defaults."""
    class Graph(v1.Graph):
        def __init__(self):
            super().__init__()
            configure_graph(self, seed)

    def reset_default_graph():
        v1.reset_default_graph()
        configure_graph(v1.get_default_graph(), seed)

    return {"Graph": Graph, "reset_default_graph": reset_default_graph}


def install(seed=None, verify=True):
    """Make ``import tensorflow`` (and its TF1-era sub-modules) give the TF 1.x namespace."""
    legacy_rnn_cells()
    v1.layers.dense  # resolve tf-keras's legacy layers now, before "tensorflow" is swapped
    parts = {**contrib.modules(), **input_data.modules(seed, verify)}
    old_ops = tf0.python_ops_modules(parts["tensorflow.contrib.rnn"])
    root = Namespace("tensorflow", [v1, tensorflow], overrides={
        "contrib": parts["tensorflow.contrib"], "examples": parts["tensorflow.examples"],
        "keras": input_data.keras_namespace(verify), **tf0.root_overrides(parts["tensorflow.contrib.rnn"]),
        **_graph_functions(seed)})
    root.__version__ = tensorflow.__version__
    sys.modules.update({"tensorflow": root, **parts, **old_ops})
    for name, namespace in old_ops.items():  # "from tensorflow.python.ops import rnn" reads the package's attribute
        setattr(sys.modules[name.rpartition(".")[0]], name.rpartition(".")[2], namespace)
    if not any(isinstance(finder, GuardedImports) for finder in sys.meta_path):
        sys.meta_path.insert(0, GuardedImports())
    input_data.install_tutorial_module(seed, verify)
    configure_graph(v1.get_default_graph(), seed)
    return root
