"""The TF 1.x namespace assembled from the runner's parts, and installed as one context undone on exit."""
import contextlib
import importlib
import sys

from tf1_rnn.compat import TF0DefaultInitializer, TF1DefaultInitializer, internal, legacy_layers, tensorflow, tf as v1
from tf1_rnn.data import datasets, provision
from tf1_rnn.legacy import (block_cells, contrib, contrib_layers, contrib_learn, downloads, input_data, numpy_era,
                            old_libraries, tf0, tf0_models, tf_flags)
from tf1_rnn.legacy import accelerate
from tf1_rnn.legacy.namespace import GuardedImports, Namespace
from tf1_rnn.legacy.patches import Patches


def configure_graph(graph, seed, initializer=TF1DefaultInitializer):
    """The era's per-graph defaults: the runner's seed (if any) and get_variable's initializer."""
    if seed is not None:
        graph.seed = seed
    with graph.as_default():
        v1.get_variable_scope().set_initializer(initializer())
    return graph


def _graph_functions(seed, initializer):
    """``tf.Graph`` and ``tf.reset_default_graph`` that give every new graph the era's defaults."""
    class Graph(v1.Graph):
        def __init__(self):
            super().__init__()
            configure_graph(self, seed, initializer)

    def reset_default_graph():
        v1.reset_default_graph()
        configure_graph(v1.get_default_graph(), seed, initializer)

    return {"Graph": Graph, "reset_default_graph": reset_default_graph}


@contextlib.contextmanager
def installed(seed=None, verify=True, era=None, rnn_impl="tf"):
    """While inside, ``import tensorflow`` (and its TF1-era sub-modules) gives the TF 1.x namespace.

    Yields the namespace. Every change to the process is undone on exit: ``sys.modules``, the
    import finders, attributes of TensorFlow's modules, the default graph's seed and initializer,
    the environment. ``era`` (``era.Era``, default TF 1.x): a 0.x program's ``tf.nn.rnn_cell``
    cells default to its release's ``state_is_tuple``, and its graphs to 0.x's initializer.
    ``rnn_impl``: ``auto`` runs the program's LSTMs on the compiled kernel (legacy/accelerate.py),
    ``tf`` on TensorFlow's ops.
    """
    patches = Patches()
    try:
        yield install(patches, seed, verify, era, rnn_impl)
    finally:
        patches.undo()


def install(patches, seed=None, verify=True, era=None, rnn_impl="tf"):
    """What :func:`installed` does, recorded in ``patches`` (for a caller that keeps it open: a live kernel)."""
    tf0_era = era is not None and era.version == "0.x"
    initializer = TF0DefaultInitializer if tf0_era and era.initializer != "glorot_uniform" else TF1DefaultInitializer
    state_is_tuple = era.state_is_tuple_default if tf0_era else True
    _route_keras(patches)
    _tf1_shapes(patches)
    contrib_layers.restore_moved_names(patches)
    block_cells.register_gradients(patches)
    if rnn_impl == "auto":  # before contrib.modules() binds tf.nn's RNN functions into tf.contrib.rnn
        accelerate.install(patches)
    two_value_decode = era is not None and era.two_value_dynamic_decode
    parts = {**contrib.modules(two_value_decode), **input_data.modules(seed, verify),
             **contrib_learn.modules(seed, verify), **tf0_models.modules()}
    parts["tensorflow.contrib"].provide(learn=parts["tensorflow.contrib.learn"])
    old_ops = tf0.python_ops_modules(parts["tensorflow.contrib.rnn"])
    root = Namespace("tensorflow", [v1, tensorflow], overrides={
        "contrib": parts["tensorflow.contrib"], "examples": parts["tensorflow.examples"],
        "keras": input_data.keras_namespace(verify), "layers": legacy_layers(), **tf_flags.namespaces(patches),
        **tf0.root_overrides(parts["tensorflow.contrib.rnn"], state_is_tuple),
        **_graph_functions(seed, initializer)})
    root.provide(compat=Namespace("tensorflow.compat", [tensorflow.compat], {"v1": root}))
    root.models.rnn.provide(ptb=parts["tensorflow.models.rnn.ptb"], translate=parts["tensorflow.models.rnn.translate"])
    root.__version__, root.__file__ = tensorflow.__version__, tensorflow.__file__  # sysconfig reads tf.__file__
    for name, namespace in {"tensorflow": root, "tensorflow.compat.v1": root, **parts, **old_ops}.items():
        patches.setitem(sys.modules, name, namespace)
    for name, namespace in old_ops.items():  # "from tensorflow.python.ops import rnn" reads the package's attribute
        patches.setattr(sys.modules[name.rpartition(".")[0]], name.rpartition(".")[2], namespace)
    if not any(isinstance(finder, GuardedImports) for finder in sys.meta_path):
        patches.insert(sys.meta_path, 0, GuardedImports())
    input_data.install_tutorial_module(patches, seed, verify)
    _configure_default_graph(patches, seed, initializer)
    _install_era(patches, verify)
    return root


def _install_era(patches, verify):
    """What the program's era gave it beyond TensorFlow: NumPy before 2.0, removed library names,
    and MNIST downloads served from the verified files (numpy_era, old_libraries, downloads)."""
    numpy_era.install(patches)
    old_libraries.install(patches)
    downloads.install(patches, _verified_file(verify))


def _verified_file(verify):
    """``fetch_file(dataset, file name)`` for downloads: the file in the per-user cache, provisioned
    (verified) unless the runner was given --no-verify."""
    def fetch_file(dataset, file_name):
        spec, data_dir = provision.DATASETS[dataset], datasets.default_data_dir(dataset)
        paths = provision.provision(spec, data_dir) if verify else provision.existing_files(spec, data_dir)
        (role,) = [f.role for f in spec.files if f.name == file_name]
        return paths[role]
    return fetch_file


def _configure_default_graph(patches, seed, initializer):
    graph = v1.get_default_graph()
    old_seed, old_initializer = graph.seed, v1.get_variable_scope().initializer
    configure_graph(graph, seed, initializer)

    def restore():
        graph.seed = old_seed
        with graph.as_default():
            v1.get_variable_scope().set_initializer(old_initializer)
    patches.on_undo(restore)


def _tf1_shapes(patches):
    """TF 1.x's TensorShape: ``x.get_shape()[1]`` is a Dimension (``.value``), as TF 1.x programs read it."""
    tensor_shape = internal("tensorflow.python.framework.tensor_shape", "TF 1.x shapes through the public switch")
    if hasattr(tensor_shape, "_TENSORSHAPE_V2_OVERRIDE"):  # what disable_v2_tensorshape() sets
        patches.setattr(tensor_shape, "_TENSORSHAPE_V2_OVERRIDE", False)
    else:  # a TensorFlow without that switch: the public calls
        v1.disable_v2_tensorshape()
        patches.on_undo(v1.enable_v2_tensorshape)


def _route_keras(patches):
    """TensorFlow's own ``tf.compat.v1.nn.rnn_cell``, ``.layers`` and ``.keras`` resolve to tf-keras meanwhile.

    The namespace gives a program tf-keras's cells and layers by every path it offers; code that
    reaches TensorFlow's modules directly (tf-slim does) meets TensorFlow's lazy Keras loaders,
    which pick Keras 3 unless TF_USE_LEGACY_KERAS is set when they are first used. So the
    variable is set, and each loader is replaced by the tf-keras module it would load, until exit.
    """
    patches.setenv("TF_USE_LEGACY_KERAS", "1")
    for name, module in list(sys.modules.items()):
        if name.startswith("tensorflow._api") and module is not None:
            for key, value in list(vars(module).items()):
                target = _keras_loader_target(value)
                if target is not None:
                    patches.setitem(vars(module), key, target)


def _keras_loader_target(value):
    """The tf-keras module a TensorFlow KerasLazyLoader stands for, or None if ``value`` is none."""
    if type(value).__name__ != "KerasLazyLoader":
        return None
    try:  # the loader's private fields: where they moved, the loader stays as it is
        mode, submodule = (object.__getattribute__(value, field) for field in ("_tfll_mode", "_tfll_submodule"))
    except AttributeError:
        return None
    package = "tf_keras.api._v1.keras" if mode == "v1" else "tf_keras.api._v2.keras"
    return importlib.import_module(f"{package}.{submodule}" if submodule else package)
