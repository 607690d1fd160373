"""``tf.contrib.legacy_seq2seq`` (TF 1.x) and its TF 0.x homes, ``tf.nn.seq2seq`` and
``tensorflow.models.rnn.seq2seq``: all 13 names, in graph mode.

:func:`module` gives either namespace, :func:`functions` its contents. The functions live in
legacy_seq2seq_models.py (decoders, models, buckets), legacy_attention.py (attention_decoder) and
contrib_seq2seq.py (the two losses); this module binds what differs between TF versions:

- The encoder's cell. TF 1.1+ ran the encoder on ``copy.deepcopy(cell)`` and the decoder on
  ``cell`` (``copy_encoder_cell=True``). TF 0.x ran both on the one cell object it was given
  (``copy_encoder_cell=False``), whose weights, in 0.x, followed the variable scope of each call:
  separate weights for encoder and decoder, shared ones where a scope is re-entered (buckets).
  Today's cells keep the weights of their first call, so the 0.x functions hand encoder and
  decoder one :class:`ScopedWeightsCell`, which runs a copy of the cell per variable scope.
  Either way the variables have TF 1.15's names.
- A copy of a cell that has weights already. TF 1.2+ failed with "can't pickle _thread.lock
  objects" on ``model_with_buckets``' second bucket (the decoder had built ``cell`` in the
  first); here the copy is taken from a twin of the cell made before its first use, so each
  bucket's encoder finds the first bucket's weights by scope, as intended. A cell built
  elsewhere first cannot be copied: one ValueError line says so.
- TF 0.x's signatures (and 1.0's, for the first two): ``embedding_attention_seq2seq`` without
  ``encoder_cell`` (``num_heads`` is the 7th argument); ``one2many_rnn_seq2seq(encoder_inputs,
  decoder_inputs_dict, cell, num_encoder_symbols, num_decoder_symbols_dict, embedding_size, ...)``
  with one cell; a ``softmax_loss_function`` called as ``f(logits, labels)`` (1.x:
  ``f(labels=..., logits=...)``); early 0.x's ``num_decoder_symbols`` argument of the losses and
  ``model_with_buckets`` (an int before ``average_across_timesteps`` or ``seq2seq``), accepted
  and unused; variables from 0.x's default initializer where the script set none (tf0_rnn.py).

Not reproduced: 0.x's variable names (``Linear/Matrix``, ``GRUCell/...``), 0.x's placement of the
decoder embeddings on ``/cpu:0``, and early 0.x's signatures of the embedding models (without
``embedding_size``, or ``embedding_tied_rnn_seq2seq`` without ``num_decoder_symbols``).
"""
import copy
import functools
import numbers
import weakref

from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy import contrib_seq2seq, legacy_seq2seq_models as models, tf0_rnn
from tf1_rnn.legacy.legacy_attention import attention_decoder
from tf1_rnn.legacy.namespace import module as namespace_module, name_positionals

NAMES = ["rnn_decoder", "basic_rnn_seq2seq", "tied_rnn_seq2seq", "embedding_rnn_decoder", "embedding_rnn_seq2seq",
         "embedding_tied_rnn_seq2seq", "attention_decoder", "embedding_attention_decoder",
         "embedding_attention_seq2seq", "one2many_rnn_seq2seq", "model_with_buckets", "sequence_loss",
         "sequence_loss_by_example"]

_TWINS = weakref.WeakKeyDictionary()  # cell -> an untouched copy, taken before the cell made weights


def _has_weights(cell):
    return bool(getattr(cell, "built", False) or getattr(cell, "weights", None))


def unbuilt_copy(cell):
    """``copy.deepcopy(cell)`` as TF 1.1+ meant it: a cell like ``cell`` with no weights of its own yet."""
    if not _has_weights(cell):
        if cell not in _TWINS:
            _TWINS[cell] = _deepcopy(cell)
        return _deepcopy(cell)
    if cell not in _TWINS:
        raise ValueError(f"legacy_seq2seq: the encoder needs a copy of the cell, and {type(cell).__name__} already has "
                         "weights from an earlier use, so it cannot be copied; give this model a new cell")
    return _deepcopy(_TWINS[cell])


def _deepcopy(cell):
    try:
        return copy.deepcopy(cell)
    except NotImplementedError:  # TensorFlow's variables refuse deepcopy in graph mode
        raise ValueError(f"legacy_seq2seq: the encoder needs a copy of the cell, and {type(cell).__name__} holds a "
                         "cell with weights from an earlier use; build the model's cells anew") from None


def copy_for_encoder(cell):
    """TF 1.1+: ``(copy of cell, cell)``."""
    return unbuilt_copy(cell), cell


class ScopedWeightsCell:
    """TF 0.x's cell semantics on a cell that keeps its weights: one object, weights per variable scope.

    Each call runs the copy of the cell that belongs to the variable scope it is made in (the
    first call there makes it); a scope re-entered with ``reuse=True`` finds its copy again. The
    copies come from an untouched prototype, so the cell given is never built.
    """

    def __init__(self, cell):
        self.prototype = unbuilt_copy(cell)  # no reference back to ``cell``: the registry below holds it weakly
        self._copies = {}  # (outermost graph, variable scope name) -> that scope's copy

    @property
    def state_size(self):
        return self.prototype.state_size

    @property
    def output_size(self):
        return self.prototype.output_size

    def zero_state(self, batch_size, dtype):
        return self.prototype.zero_state(batch_size, dtype)

    @property
    def scopes(self):
        """The variable scopes the cell has run in, one copy of it each."""
        return [name for _, name in self._copies]

    def __call__(self, inputs, state, scope=None):
        key = (_outermost_graph(), v1.get_variable_scope().name)
        if key not in self._copies:
            self._copies[key] = _deepcopy(self.prototype)
        return self._copies[key](inputs, state, scope=scope)


def _outermost_graph():
    """The graph a ``tf.cond`` branch's graph belongs to, so both branches find the same copies."""
    graph = v1.get_default_graph()
    while getattr(graph, "outer_graph", None) is not None:
        graph = graph.outer_graph
    return graph


_SCOPED = weakref.WeakKeyDictionary()  # cell -> its ScopedWeightsCell, so buckets and repeated calls share copies


def share_by_scope(cell):
    """TF 0.x: ``(view, view)``, the one cell for encoder and decoder, weights by scope."""
    view = _SCOPED.get(cell)
    if view is None:
        view = _SCOPED[cell] = ScopedWeightsCell(cell)
    return view, view


def _bound(function, **keywords):
    """``function`` with ``keywords`` fixed, under its own name."""
    bound = functools.partial(function, **keywords)
    bound.__name__ = bound.__qualname__ = function.__name__
    bound.__doc__, bound.__module__ = function.__doc__, __name__
    return bound


def _tf1_functions():
    split = {"split_cell": copy_for_encoder}
    return {
        "rnn_decoder": models.rnn_decoder, "tied_rnn_seq2seq": models.tied_rnn_seq2seq,
        "embedding_rnn_decoder": models.embedding_rnn_decoder,
        "embedding_tied_rnn_seq2seq": models.embedding_tied_rnn_seq2seq, "attention_decoder": attention_decoder,
        "embedding_attention_decoder": models.embedding_attention_decoder,
        "one2many_rnn_seq2seq": models.one2many_rnn_seq2seq, "model_with_buckets": models.model_with_buckets,
        "basic_rnn_seq2seq": _bound(models.basic_rnn_seq2seq, **split),
        "embedding_rnn_seq2seq": _bound(models.embedding_rnn_seq2seq, **split),
        "embedding_attention_seq2seq": _bound(models.embedding_attention_seq2seq, **split),
        "sequence_loss": contrib_seq2seq.legacy_sequence_loss,
        "sequence_loss_by_example": contrib_seq2seq.sequence_loss_by_example,
    }


def _logits_first(softmax_loss_function):
    """A 0.x loss function ``f(logits, labels)`` as 1.x calls it, ``f(labels=..., logits=...)``."""
    if softmax_loss_function is None:
        return None
    return lambda labels, logits: softmax_loss_function(logits, labels)


def embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols, num_decoder_symbols,
                                embedding_size, num_heads=1, output_projection=None, feed_previous=False, dtype=None,
                                scope=None, initial_state_attention=False):
    """TF 0.x's embedding_attention_seq2seq: 1.x's without ``encoder_cell``; one cell, weights by scope."""
    return models.embedding_attention_seq2seq(
        encoder_inputs, decoder_inputs, cell, num_encoder_symbols, num_decoder_symbols, embedding_size,
        num_heads=num_heads, output_projection=output_projection, feed_previous=feed_previous, dtype=dtype,
        scope=scope, initial_state_attention=initial_state_attention, split_cell=share_by_scope)


def one2many_rnn_seq2seq(encoder_inputs, decoder_inputs_dict, cell, num_encoder_symbols, num_decoder_symbols_dict,
                         embedding_size, feed_previous=False, dtype=None, scope=None):
    """TF 0.x's one2many_rnn_seq2seq: one cell for the encoder and every decoder, weights by scope."""
    view, _ = share_by_scope(cell)
    return models.one2many_rnn_seq2seq(encoder_inputs, decoder_inputs_dict, view,
                                       {name: view for name in decoder_inputs_dict}, num_encoder_symbols,
                                       num_decoder_symbols_dict, embedding_size, feed_previous, dtype, scope)


def _tf0_arguments(args, kwargs, names, what):
    """``kwargs`` with ``args`` named by 0.x's ``names``, past early 0.x's ``num_decoder_symbols`` (an int, unused
    since) where a call passes one first."""
    kwargs.pop("num_decoder_symbols", None)
    if args and isinstance(args[0], numbers.Integral) and not isinstance(args[0], bool):
        args = args[1:]
    kwargs = name_positionals(args, kwargs, names, what)
    kwargs["softmax_loss_function"] = _logits_first(kwargs.get("softmax_loss_function"))
    return kwargs


def sequence_loss_by_example(logits, targets, weights, *args, **kwargs):
    """TF 0.x's: ``(..., average_across_timesteps=True, softmax_loss_function=None, name=None)``, where
    ``softmax_loss_function(logits, labels)``; early 0.x's ``num_decoder_symbols`` after ``weights`` is accepted."""
    kwargs = _tf0_arguments(args, kwargs, ["average_across_timesteps", "softmax_loss_function", "name"],
                            "sequence_loss_by_example")
    return contrib_seq2seq.sequence_loss_by_example(logits, targets, weights, **kwargs)


def sequence_loss(logits, targets, weights, *args, **kwargs):
    """TF 0.x's: ``(..., average_across_timesteps=True, average_across_batch=True, softmax_loss_function=None,
    name=None)``, as sequence_loss_by_example."""
    kwargs = _tf0_arguments(args, kwargs, ["average_across_timesteps", "average_across_batch",
                                           "softmax_loss_function", "name"], "sequence_loss")
    return contrib_seq2seq.legacy_sequence_loss(logits, targets, weights, **kwargs)


def model_with_buckets(encoder_inputs, decoder_inputs, targets, weights, buckets, *args, **kwargs):
    """TF 0.x's: ``(..., buckets, seq2seq, softmax_loss_function=None, per_example_loss=False, name=None)``, as
    sequence_loss_by_example (early 0.x: ``num_decoder_symbols`` before ``seq2seq``)."""
    kwargs = _tf0_arguments(args, kwargs, ["seq2seq", "softmax_loss_function", "per_example_loss", "name"],
                            "model_with_buckets")
    return models.model_with_buckets(encoder_inputs, decoder_inputs, targets, weights, buckets, **kwargs)


def _tf0_functions():
    split = {"split_cell": share_by_scope}
    tf0 = {**_tf1_functions(),
           "basic_rnn_seq2seq": _bound(models.basic_rnn_seq2seq, **split),
           "embedding_rnn_seq2seq": _bound(models.embedding_rnn_seq2seq, **split),
           "embedding_attention_seq2seq": embedding_attention_seq2seq, "one2many_rnn_seq2seq": one2many_rnn_seq2seq,
           "sequence_loss": sequence_loss, "sequence_loss_by_example": sequence_loss_by_example,
           "model_with_buckets": model_with_buckets}
    return {name: tf0_rnn.with_tf0_initializer(function) for name, function in tf0.items()}


def functions(copy_encoder_cell):
    """{name: function} for the 13 names: TF 1.1+'s (``copy_encoder_cell=True``) or TF 0.x's."""
    return _tf1_functions() if copy_encoder_cell else _tf0_functions()


def module(name, copy_encoder_cell):
    """The namespace ``name`` (e.g. ``tensorflow.contrib.legacy_seq2seq``) holding :func:`functions`."""
    return namespace_module(name, **functions(copy_encoder_cell))
