"""tf.contrib.layers, slim, framework, losses and metrics through tf-slim, their maintained successor.

tf-slim is those contrib modules moved out of TensorFlow: the same functions, arguments and
variable names (``fully_connected/weights``, ``Conv/biases``, ``BatchNorm/moving_mean``). Its
last release (1.1, 2020) still reaches into TensorFlow's private modules for names that
TensorFlow has since moved; :func:`restore_moved_names` puts each back where tf-slim looks, as
an alias of its public successor, while the runner's namespace is installed, and changes
nothing else. ``embed_sequence``, which tf-slim
left out, is rebuilt here on tf-slim's ``model_variable``. tf-slim is imported by the first
program that reads one of these modules, and by no other.
"""
import importlib

from tf1_rnn.compat import internal, legacy_layers, tensorflow, tf as v1
from tf1_rnn.legacy.namespace import LazyNamespace, LegacyImportError

# {module tf-slim imports: {name it reads there: what TensorFlow calls it now}}
MOVED_NAMES = {
    "tensorflow.python.framework.ops": {"Tensor": v1.Tensor, "IndexedSlices": v1.IndexedSlices},
    "tensorflow.python.ops.array_ops": {"stack": v1.stack, "unstack": v1.unstack},
    "tensorflow.python.ops.control_flow_ops": {"cond": v1.cond, "case": v1.case, "while_loop": v1.while_loop,
                                               "Assert": v1.Assert},
    "tensorflow.python.ops.variable_scope": {"variable": v1.Variable},
    # TF's stub loads these from "tf_keras.legacy_tf_layers", a path tf-keras never had.
    "tensorflow.python.layers.normalization": {"BatchNormalization": legacy_layers().BatchNormalization,
                                               "batch_normalization": legacy_layers().batch_normalization},
}

NETS = ["alexnet", "inception", "overfeat", "resnet_utils", "resnet_v1", "resnet_v2", "vgg"]  # slim.nets.*


def restore_moved_names(patches):
    """Give each module in MOVED_NAMES the names tf-slim expects, where it lacks them (undone with ``patches``)."""
    for module_name, names in MOVED_NAMES.items():
        module = internal(module_name, "tf.contrib.layers and slim may fail where tf-slim reads it")
        if module is None:
            continue
        for name, value in names.items():
            if name not in vars(module):  # vars: a lazy module's __getattr__ must not run
                patches.setattr(module, name, value)


def embed_sequence(ids, vocab_size=None, embed_dim=None, unique=False, initializer=None, regularizer=None,
                   trainable=True, scope=None, reuse=None):
    """contrib.layers.embed_sequence: ids [batch, time] -> embeddings [batch, time, embed_dim].

    The table is the model variable ``<scope or EmbedSequence>/embeddings`` [vocab_size, embed_dim];
    with ``reuse`` the sizes may be left out. ``unique`` looks each distinct id up once.
    """
    if not (reuse or (vocab_size and embed_dim)):
        raise ValueError(f"embed_sequence needs vocab_size and embed_dim unless reuse=True; got vocab_size="
                         f"{vocab_size}, embed_dim={embed_dim}")
    with v1.variable_scope(scope, "EmbedSequence", [ids], reuse=reuse):
        shape = [vocab_size, embed_dim] if vocab_size and embed_dim else None
        embeddings = slim_module("tf_slim").model_variable("embeddings", shape=shape, initializer=initializer,
                                            regularizer=regularizer, trainable=trainable)
        if not unique:
            return v1.nn.embedding_lookup(embeddings, ids)
        distinct, position = v1.unique(v1.reshape(ids, [-1]))
        rows = v1.gather(v1.nn.embedding_lookup(embeddings, distinct), position)  # [batch * time, embed_dim]
        embedded = v1.reshape(rows, v1.concat([v1.shape(ids), v1.shape(embeddings)[1:]], 0))
        embedded.set_shape(ids.shape.concatenate(embeddings.shape[1:]))
        return embedded


def slim_module(name):
    """A tf-slim module, imported now; a tf-slim that fails to import is one line naming the fix."""
    try:
        return importlib.import_module(name)
    except Exception as err:  # noqa: BLE001 - tf-slim 1.1 (2020) may break on any later TensorFlow
        raise LegacyImportError(f"tf.contrib.layers/slim come from tf-slim, and {name} fails to import on "
                                f"TensorFlow {tensorflow.__version__}: {type(err).__name__}: {err}") from None


def _lazy(name, *modules, overrides=None):
    """The contrib module ``name`` over tf-slim's ``modules``, imported on first use."""
    return LazyNamespace(name, lambda: [slim_module(m) for m in modules], overrides)


def _nest_modules():
    # TF 1.x's nest (private today), less is_sequence (now is_nested); the public tf.nest without it
    nest_util = internal("tensorflow.python.util.nest", "tf.contrib.framework.nest is tf.nest") or tensorflow.nest
    return [nest_util]


def modules():
    """{module name: namespace} for the contrib modules tf-slim provides, each loaded on first use."""
    # The package: tf_slim's own attribute "layers" is its layers.py, which tf_slim's star-imports bind there.
    # safe_embedding_lookup_sparse moved from contrib.layers into tf.nn (TF 1.x had both)
    layers = _lazy("tensorflow.contrib.layers", "tf_slim.layers", overrides={
        "embed_sequence": embed_sequence, "safe_embedding_lookup_sparse": v1.nn.safe_embedding_lookup_sparse})
    nets = {f"tensorflow.contrib.slim.nets.{name}": _lazy(f"tensorflow.contrib.slim.nets.{name}",
                                                          f"tf_slim.nets.{name}") for name in NETS}
    slim_nets = _lazy("tensorflow.contrib.slim.nets", "tf_slim.nets",
                      overrides={name.rpartition(".")[2]: part for name, part in nets.items()})
    slim = _lazy("tensorflow.contrib.slim", "tf_slim", overrides={"nets": slim_nets})
    nest = LazyNamespace("tensorflow.contrib.framework.nest", _nest_modules,
                         {"is_sequence": tensorflow.nest.is_nested})
    framework = _lazy("tensorflow.contrib.framework", "tf_slim.ops.variables", "tf_slim.ops.arg_scope", overrides={
        "nest": nest, "list_variables": v1.train.list_variables, "load_variable": v1.train.load_variable})
    losses = _lazy("tensorflow.contrib.losses", "tf_slim.losses")
    metrics = _lazy("tensorflow.contrib.metrics", "tf_slim.metrics")
    return {"tensorflow.contrib.layers": layers, "tensorflow.contrib.slim": slim,
            "tensorflow.contrib.slim.nets": slim_nets, **nets, "tensorflow.contrib.framework": framework,
            "tensorflow.contrib.framework.nest": nest,
            "tensorflow.contrib.losses": losses, "tensorflow.contrib.metrics": metrics}
