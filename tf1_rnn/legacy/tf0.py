"""TensorFlow 0.x's names, provided: what TF 1.0 renamed or reordered, and its own upgrade script rewrote.

Renames (``tf.mul``, ``tf.pack``, ``tf.initialize_all_variables``, ``tf.train.SummaryWriter``...)
map to today's functions. Calls whose argument order changed are told apart by the arguments'
types: ``tf.concat(1, [a, b])`` against ``tf.concat([a, b], 1)``, ``tf.split(0, 28, x)``
against ``tf.split(x, 28, 0)``, ``tf.reverse(x, [False, True])`` against ``tf.reverse(x, [1])``;
where the types cannot tell, the call stops with :class:`LegacyCallError`. The cross-entropies
called positionally take 0.x's ``(logits, labels)`` (TF 1.x refused positional calls; today's
signature would silently bind the logits to ``labels``); keyword calls behave as in TF 1.x.
Summaries keep 0.x's exact tags (no name-scope prefix) by using the ops 0.x used. ``tf.div``
stays TF 1.x's (flooring integer division; 0.x truncated toward zero, a difference only for
integers of opposite signs, which no argument type can tell apart from the 1.x call).
The RNN functions and modules are in legacy/tf0_rnn.py.
"""
import numbers

import numpy as np

from tf1_rnn.compat import tensorflow, tf as v1
from tf1_rnn.legacy import legacy_seq2seq, tf0_rnn
from tf1_rnn.legacy.namespace import LegacyCallError, Namespace, module, name_positionals


def _is_axis(x):
    """True: an integer scalar (an axis); False: certainly not one (a list, a float, a tensor of
    rank >= 1...); None: an integer tensor of unknown rank."""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (numbers.Integral, np.integer)):
        return True
    if isinstance(x, (numbers.Number, list, tuple)):
        return False
    if isinstance(x, np.ndarray):
        return x.ndim == 0 and np.issubdtype(x.dtype, np.integer)
    if isinstance(x, (v1.Tensor, v1.Variable)):
        if not x.dtype.is_integer:
            return False
        return None if x.shape.rank is None else x.shape.rank == 0
    return False


def concat(*args, **kwargs):
    """0.x ``concat(concat_dim, values)`` or 1.x ``concat(values, axis)``, told apart by type."""
    first = _is_axis(args[0]) if args else None
    second = args[1] if len(args) > 1 else kwargs.get("values", kwargs.get("axis"))
    if "concat_dim" in kwargs or first or (first is None and args and isinstance(second, (list, tuple))):
        return _bind(v1.concat, args, kwargs, ["concat_dim", "values", "name"], {"concat_dim": "axis"})
    if not args or first is False or _is_axis(second):
        return v1.concat(*args, **kwargs)
    raise LegacyCallError("tf.concat", "its first argument is an integer tensor of unknown rank: an axis in "
                          "TF 0.x's concat(concat_dim, values), the values in 1.x's concat(values, axis)",
                          "pass axis=... (TF 1.x) or concat_dim=... (TF 0.x) by name")


def split(*args, **kwargs):
    """0.x ``split(split_dim, num_split, value)`` or 1.x ``split(value, num_or_size_splits, axis)``.

    The value has rank >= 1 and the axis is an integer scalar; which end holds which decides.
    """
    old = ["split_dim", "num_split", "value", "name"], {"split_dim": "axis", "num_split": "num_or_size_splits"}
    if {"split_dim", "num_split"} & kwargs.keys():
        return _bind(v1.split, args, kwargs, *old)
    if {"num_or_size_splits", "axis"} & kwargs.keys() or len(args) + ("value" in kwargs) < 3:
        return v1.split(*args, **kwargs)  # 0.x needed all three
    first = _is_axis(args[0])
    last = _is_axis(args[2] if len(args) > 2 else kwargs["value"])
    if (first and last is not True) or (first is None and last is False):
        return _bind(v1.split, args, kwargs, *old)
    if first is False or (last and first is None):
        return v1.split(*args, **kwargs)
    raise LegacyCallError("tf.split", "its arguments do not show which is the value: TF 0.x's "
                          "split(split_dim, num_split, value) or 1.x's split(value, num_or_size_splits, axis)",
                          "pass value=... and axis=... (TF 1.x) by name")


def _bind(function, args, kwargs, names, renames):
    """Call ``function`` with ``args`` named by the 0.x order ``names``, 0.x keywords renamed."""
    kwargs = name_positionals(args, kwargs, names, function.__name__)
    return function(**{renames.get(k, k): v for k, v in kwargs.items()})


def reverse(tensor, axis=None, name=None, dims=None):
    """0.x ``reverse(tensor, dims)`` took one bool per dimension; 1.x ``reverse(tensor, axis)`` the axes."""
    axis = dims if axis is None else axis
    if isinstance(axis, np.ndarray) and axis.dtype == bool:
        axis = list(axis)
    if isinstance(axis, (list, tuple)) and axis and all(isinstance(d, (bool, np.bool_)) for d in axis):
        axis = [i for i, flag in enumerate(axis) if flag]
    elif isinstance(axis, (v1.Tensor, v1.Variable)) and axis.dtype == v1.bool:
        axis = v1.cast(v1.reshape(v1.where(axis), [-1]), v1.int32)
    return v1.reverse(tensor, axis, name=name)


def _cross_entropy(function, label_name, extra=()):
    """A cross-entropy that reads positional arguments in 0.x's order (logits, labels/targets, ...)."""
    def cross_entropy(*args, **kwargs):
        if "targets" in kwargs and label_name == "targets":  # 0.x's keyword
            kwargs["labels"] = kwargs.pop("targets")
        names = ["logits", "labels", *extra]
        if len(args) == 3 and "name" in extra and isinstance(args[2], str):
            names = ["logits", "labels", "name"]  # 0.x before 0.12: (logits, labels, name)
        if len(args) > len(names):
            raise TypeError(f"{function.__name__}() takes at most {len(names)} positional arguments")
        for name, value in zip(names, args):
            if name in kwargs:
                raise LegacyCallError(f"tf.nn.{function.__name__}", f"'{name}' is given both by position "
                                      "(TF 0.x's order is logits, labels) and by name",
                                      "name every argument (labels=..., logits=...)")
            kwargs[name] = value
        return function(**kwargs)
    cross_entropy.__name__ = cross_entropy.__qualname__ = function.__name__
    cross_entropy.__doc__ = f"TF 0.x order when called positionally; otherwise tf.compat.v1's {function.__name__}."
    return cross_entropy


def _summary(op, collections, **inputs):
    """A summary op with 0.x's exact tag, added where ``merge_all_summaries`` looks."""
    summary = op(**inputs)
    for key in collections or [v1.GraphKeys.SUMMARIES]:
        v1.add_to_collection(key, summary)
    return summary


def scalar_summary(tags, values, collections=None, name=None):
    return _summary(tensorflow.raw_ops.ScalarSummary, collections, tags=tags, values=values, name=name)


def histogram_summary(tag, values, collections=None, name=None):
    return _summary(tensorflow.raw_ops.HistogramSummary, collections, tag=tag, values=values, name=name)


def image_summary(tag, tensor, max_images=3, collections=None, name=None):
    return _summary(tensorflow.raw_ops.ImageSummary, collections, tag=tag, tensor=tensor,
                    max_images=max_images, name=name)


def audio_summary(tag, tensor, sample_rate, max_outputs=3, collections=None, name=None):
    return _summary(tensorflow.raw_ops.AudioSummaryV2, collections, tag=tag, tensor=tensor,
                    sample_rate=v1.cast(sample_rate, v1.float32), max_outputs=max_outputs, name=name)


def merge_all_summaries(key=v1.GraphKeys.SUMMARIES):
    return v1.summary.merge_all(key)


def merge_summary(inputs, collections=None, name=None):
    return v1.summary.merge(inputs, collections, name)


def batch_matmul(x, y, adj_x=None, adj_y=None, name=None):
    return v1.matmul(x, y, adjoint_a=bool(adj_x), adjoint_b=bool(adj_y), name=name)


def op_scope(values, name, default_name=None):
    return v1.name_scope(name, default_name, values)


def variable_op_scope(values, name_or_scope, default_name=None, **kwargs):
    return v1.variable_scope(name_or_scope, default_name, values, **kwargs)


def root_overrides(contrib_rnn, state_is_tuple=True):
    """0.x names on ``tf`` itself, plus ``tf.nn``, ``tf.train`` and ``tf.models`` with theirs.

    ``state_is_tuple``: the default of ``tf.nn.rnn_cell``'s LSTM cells (False for a program of 0.10 or before).
    """
    return {
        "mul": v1.multiply, "sub": v1.subtract, "neg": v1.negative,
        "pack": v1.stack, "unpack": v1.unstack, "select": v1.where, "concat": concat, "split": split,
        "reverse": reverse, "batch_matmul": batch_matmul, "inv": v1.reciprocal, "complex_abs": v1.abs,
        "listdiff": v1.setdiff1d, "op_scope": op_scope, "variable_op_scope": variable_op_scope,
        "initialize_all_variables": v1.global_variables_initializer,
        "initialize_local_variables": v1.local_variables_initializer,
        "initialize_variables": v1.variables_initializer, "all_variables": v1.global_variables,
        "scalar_summary": scalar_summary, "histogram_summary": histogram_summary,
        "image_summary": image_summary, "audio_summary": audio_summary,
        "merge_summary": merge_summary, "merge_all_summaries": merge_all_summaries,
        "initialize_all_tables": v1.tables_initializer,
        "types": Namespace("tensorflow.types", [v1.dtypes, tensorflow.types]),  # 0.5's tf.types.float32
        "nn": Namespace("tensorflow.nn", [v1.nn, tensorflow.nn], overrides=_nn_overrides(contrib_rnn, state_is_tuple)),
        "train": Namespace("tensorflow.train", [v1.train, tensorflow.train],
                           overrides={"SummaryWriter": v1.summary.FileWriter}),
        "models": _models(contrib_rnn),
    }


def _models(contrib_rnn):
    """``tensorflow.models.rnn`` with 0.x's seq2seq (one cell object for encoder and decoder)."""
    models = tf0_rnn.models_module(contrib_rnn)
    models.rnn.provide(seq2seq=legacy_seq2seq.module("tensorflow.models.rnn.seq2seq", copy_encoder_cell=False))
    return models


def _nn_overrides(contrib_rnn, state_is_tuple):
    nn = v1.nn
    return {
        **tf0_rnn.nn_overrides(contrib_rnn, state_is_tuple),
        "seq2seq": legacy_seq2seq.module("tensorflow.nn.seq2seq", copy_encoder_cell=False),
        "softmax_cross_entropy_with_logits": _cross_entropy(nn.softmax_cross_entropy_with_logits, "labels",
                                                            ["dim", "name"]),
        "sparse_softmax_cross_entropy_with_logits": _cross_entropy(nn.sparse_softmax_cross_entropy_with_logits,
                                                                   "labels", ["name"]),
        "sigmoid_cross_entropy_with_logits": _cross_entropy(nn.sigmoid_cross_entropy_with_logits, "targets",
                                                            ["name"]),
        "weighted_cross_entropy_with_logits": _cross_entropy(nn.weighted_cross_entropy_with_logits, "targets",
                                                             ["pos_weight", "name"]),
    }


def python_ops_modules(contrib_rnn):
    """0.x's ``tensorflow.python.ops`` modules that scripts imported directly."""
    constant_op = module("tensorflow.python.ops.constant_op", constant=v1.constant)
    seq2seq = legacy_seq2seq.module("tensorflow.python.ops.seq2seq", copy_encoder_cell=False)  # 0.7-0.12
    return {"tensorflow.python.ops.constant_op": constant_op, "tensorflow.python.ops.seq2seq": seq2seq,
            **tf0_rnn.python_ops_modules(contrib_rnn)}
