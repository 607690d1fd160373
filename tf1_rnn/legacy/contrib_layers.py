"""tf.contrib.layers, slim, framework, losses and metrics through tf-slim, their maintained successor.

tf-slim is those contrib modules moved out of TensorFlow: the same functions, arguments and
variable names (``fully_connected/weights``, ``Conv/biases``, ``BatchNorm/moving_mean``). Its
last release (1.1, 2020) still reaches into TensorFlow's private modules for names that
TensorFlow has since moved; :func:`restore_moved_names` puts each back where tf-slim looks, as
an alias of its public successor, while the runner's namespace is installed, and changes
nothing else. ``embed_sequence``, which tf-slim
left out, is rebuilt here on tf-slim's ``model_variable``.
"""
import importlib

import tf_slim
import tf_slim.nets
from tensorflow.python.util import nest as nest_util  # TF 1.x's nest, less is_sequence (now is_nested)
from tf_slim.ops import arg_scope, variables

from tf1_rnn.compat import legacy_layers, tf as v1
from tf1_rnn.legacy.namespace import Namespace

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
        module = importlib.import_module(module_name)
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
        embeddings = tf_slim.model_variable("embeddings", shape=shape, initializer=initializer,
                                            regularizer=regularizer, trainable=trainable)
        if not unique:
            return v1.nn.embedding_lookup(embeddings, ids)
        distinct, position = v1.unique(v1.reshape(ids, [-1]))
        rows = v1.gather(v1.nn.embedding_lookup(embeddings, distinct), position)  # [batch * time, embed_dim]
        embedded = v1.reshape(rows, v1.concat([v1.shape(ids), v1.shape(embeddings)[1:]], 0))
        embedded.set_shape(ids.shape.concatenate(embeddings.shape[1:]))
        return embedded


def modules():
    """{module name: namespace} for the contrib modules tf-slim provides."""
    # The package: tf_slim's own attribute "layers" is its layers.py, which tf_slim's star-imports bind there.
    slim_layers = importlib.import_module("tf_slim.layers")
    # safe_embedding_lookup_sparse moved from contrib.layers into tf.nn (TF 1.x had both)
    layers = Namespace("tensorflow.contrib.layers", [slim_layers], {
        "embed_sequence": embed_sequence, "safe_embedding_lookup_sparse": v1.nn.safe_embedding_lookup_sparse})
    slim = Namespace("tensorflow.contrib.slim", [tf_slim])
    nest = Namespace("tensorflow.contrib.framework.nest", [nest_util], {"is_sequence": nest_util.is_nested})
    framework = Namespace("tensorflow.contrib.framework", [variables, arg_scope], {
        "nest": nest, "list_variables": v1.train.list_variables, "load_variable": v1.train.load_variable})
    losses = Namespace("tensorflow.contrib.losses", [tf_slim.losses])
    metrics = Namespace("tensorflow.contrib.metrics", [tf_slim.metrics])
    nets = {f"tensorflow.contrib.slim.nets.{name}": getattr(slim.nets, name) for name in NETS}
    return {"tensorflow.contrib.layers": layers, "tensorflow.contrib.slim": slim,
            "tensorflow.contrib.slim.nets": slim.nets, **nets, "tensorflow.contrib.framework": framework,
            "tensorflow.contrib.framework.nest": nest,
            "tensorflow.contrib.losses": losses, "tensorflow.contrib.metrics": metrics}
