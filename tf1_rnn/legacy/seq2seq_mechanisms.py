"""tf.contrib.seq2seq's attention mechanisms (TF 1.15): Bahdanau's and Luong's, and hardmax.

A mechanism is built once over the encoder's ``memory`` [batch, max_time, depth]: it masks the
steps past ``memory_sequence_length`` to zero and projects the memory into ``keys`` with a
bias-free ``tf.layers.Dense`` named ``memory_layer``. Called with a decoder ``query`` and its
previous state, it scores every memory step, masks the padded steps' scores to
``score_mask_value`` (-inf: zero probability) and returns ``(alignments, next_state)``, both
[batch, max_time]. Variables, as TF 1.15 names them:

    memory_layer/kernel                         (at construction, in the caller's scope)
    <cell scope>/bahdanau_attention/query_layer/kernel, attention_v[, attention_g, attention_b]
    <cell scope>/luong_attention[/attention_g]

The private names TF 1.15's module had and Tacotron-style code imports (``_BaseAttentionMechanism``,
``_bahdanau_score``, ``_luong_score``, ``_prepare_memory``, ``_maybe_mask_score``) keep their
signatures. Differences: ``memory`` is one tensor (TF accepted a nest, which its layers could not
project), and bad arguments fail at construction with one line naming the mechanism.
"""
import math

import numpy as np

from tf1_rnn.compat import legacy_layers, tf as v1

tf_layers = legacy_layers()  # tf.layers, from tf-keras


class AttentionMechanism:
    """What AttentionWrapper accepts: ``__call__(query, state) -> (alignments, next_state)``."""

    @property
    def alignments_size(self):
        raise NotImplementedError

    @property
    def state_size(self):
        raise NotImplementedError


def _prepare_memory(memory, memory_sequence_length=None, memory_mask=None, check_inner_dims_defined=True,
                    owner="AttentionMechanism"):
    """``memory`` as a tensor, its steps past each sequence's length (or where the mask is False) zeroed."""
    memory = v1.convert_to_tensor(memory, name="memory")
    if memory.shape.rank is not None and memory.shape.rank < 3:
        raise ValueError(f"{owner}: memory must be [batch_size, max_time, depth], got shape {memory.shape}")
    if check_inner_dims_defined and not memory.shape[2:].is_fully_defined():
        raise ValueError(f"{owner}: memory's depth must be known when the graph is built, got shape {memory.shape}")
    if memory_sequence_length is not None and memory_mask is not None:
        raise ValueError(f"{owner}: give memory_sequence_length or memory_mask, not both")
    if memory_sequence_length is not None:
        mask = v1.sequence_mask(memory_sequence_length, maxlen=v1.shape(memory)[1], dtype=memory.dtype)
    elif memory_mask is not None:
        mask = v1.cast(memory_mask, memory.dtype)
    else:
        return memory
    extra_ones = v1.ones([v1.rank(memory) - 2], dtype=v1.int32)
    mask = v1.reshape(mask, v1.concat([v1.shape(mask), extra_ones], 0))  # [batch, max_time, 1, ...]
    return memory * mask


def _maybe_mask_score(score, memory_sequence_length=None, memory_mask=None, score_mask_value=None):
    """``score`` [batch, max_time] with the padded steps set to ``score_mask_value``."""
    if memory_sequence_length is None and memory_mask is None:
        return score
    if memory_sequence_length is not None:
        # an empty sequence would give all -inf scores, and softmax NaNs
        positive = v1.assert_positive(memory_sequence_length,
                                      message="All values in memory_sequence_length must be greater than zero.")
        with v1.control_dependencies([positive]):
            memory_mask = v1.sequence_mask(memory_sequence_length, maxlen=v1.shape(score)[1])
    return v1.where(memory_mask, score, score_mask_value * v1.ones_like(score))


def _check_layer(layer, what, owner):
    if layer is not None and not isinstance(layer, tf_layers.Layer):
        raise TypeError(f"{owner}: {what} must be a tf.layers.Layer, got {type(layer).__name__}")


def _memory_dense(num_units, dtype):
    """The bias-free projection of the memory into keys."""
    return tf_layers.Dense(num_units, name="memory_layer", use_bias=False, dtype=dtype or v1.float32)


def _dense_pair(num_units, dtype):
    """The bias-free query and memory projections of Bahdanau-style mechanisms."""
    query_layer = tf_layers.Dense(num_units, name="query_layer", use_bias=False, dtype=dtype or v1.float32)
    return query_layer, _memory_dense(num_units, dtype)


class _BaseAttentionMechanism(AttentionMechanism):
    """The memory, its keys, the masking and the probability function shared by every mechanism."""

    def __init__(self, query_layer, memory, probability_fn, memory_sequence_length=None, memory_layer=None,
                 check_inner_dims_defined=True, score_mask_value=None, custom_key_value_fn=None, name=None):
        owner = type(self).__name__
        _check_layer(query_layer, "query_layer", owner)
        _check_layer(memory_layer, "memory_layer", owner)
        if not callable(probability_fn):
            raise TypeError(f"{owner}: probability_fn must be callable, got {type(probability_fn).__name__}")
        self._query_layer, self._memory_layer = query_layer, memory_layer
        with v1.name_scope(name, "BaseAttentionMechanismInit", [memory]):
            self._values = _prepare_memory(memory, memory_sequence_length,
                                           check_inner_dims_defined=check_inner_dims_defined, owner=owner)
            self.dtype = v1.as_dtype(memory_layer.dtype) if memory_layer is not None else self._values.dtype
            if score_mask_value is None:
                score_mask_value = self.dtype.as_numpy_dtype(-np.inf)
            self._probability_fn = lambda score, state: probability_fn(
                _maybe_mask_score(score, memory_sequence_length, score_mask_value=score_mask_value), state)
            self._keys = memory_layer(self._values) if memory_layer is not None else self._values
            if custom_key_value_fn is not None:
                self._keys, self._values = custom_key_value_fn(self._keys, self._values)
            self._batch_size = self._keys.shape[0] or v1.shape(self._keys)[0]
            self._alignments_size = self._keys.shape[1] or v1.shape(self._keys)[1]

    memory_layer = property(lambda self: self._memory_layer)
    query_layer = property(lambda self: self._query_layer)
    values = property(lambda self: self._values)  # the masked memory, [batch, max_time, depth]
    keys = property(lambda self: self._keys)  # the projected memory, [batch, max_time, num_units]
    batch_size = property(lambda self: self._batch_size)
    alignments_size = property(lambda self: self._alignments_size)
    state_size = property(lambda self: self._alignments_size)

    def initial_alignments(self, batch_size, dtype):
        """Zeros [batch_size, max_time]: nothing attended yet."""
        return v1.zeros([batch_size, self._alignments_size], dtype=dtype)

    def initial_state(self, batch_size, dtype):
        return self.initial_alignments(batch_size, dtype)


def _softmax_by_default(probability_fn):
    """The mechanism's ``(score, state) -> probabilities`` from the user's ``score -> probabilities``."""
    probability_fn = v1.nn.softmax if probability_fn is None else probability_fn
    if not callable(probability_fn):
        return probability_fn  # the base class names the error
    return lambda score, _: probability_fn(score)


def _luong_score(query, keys, scale):
    """Dot products of ``query`` [batch, units] with each of ``keys`` [batch, max_time, units], times ``scale``."""
    depth, key_units = query.shape[-1], keys.shape[-1]
    if depth is not None and key_units is not None and depth != key_units:
        raise ValueError(f"LuongAttention: the query has {depth} units but the keys have {key_units}; "
                         f"set num_units to the query's depth ({depth})")
    score = v1.squeeze(v1.matmul(v1.expand_dims(query, 1), keys, transpose_b=True), [1])  # [batch, max_time]
    return score if scale is None else scale * score


def _luong_scale(scale, dtype):
    """The learned scalar ``attention_g`` (initially 1) when ``scale``, else None."""
    if not scale:
        return None
    return v1.get_variable("attention_g", shape=(), dtype=dtype, initializer=v1.ones_initializer())


class LuongAttention(_BaseAttentionMechanism):
    """Multiplicative attention (Luong et al., 2015): score = query . W memory, optionally scaled by g."""

    def __init__(self, num_units, memory, memory_sequence_length=None, scale=False, probability_fn=None,
                 score_mask_value=None, dtype=None, custom_key_value_fn=None, name="LuongAttention"):
        super().__init__(query_layer=None, memory_layer=_memory_dense(num_units, dtype), memory=memory,
                         probability_fn=_softmax_by_default(probability_fn),
                         memory_sequence_length=memory_sequence_length, score_mask_value=score_mask_value,
                         custom_key_value_fn=custom_key_value_fn, name=name)
        self._num_units, self._scale, self._name = num_units, scale, name

    def __call__(self, query, state):
        with v1.variable_scope(None, "luong_attention", [query]):
            score = _luong_score(query, self._keys, _luong_scale(self._scale, query.dtype))
        alignments = self._probability_fn(score, state)
        return alignments, alignments


def _bahdanau_score(processed_query, keys, attention_v, attention_g=None, attention_b=None):
    """sum_units v . tanh(keys + query) per memory step; with g and b, v is weight-normalised to norm g."""
    processed_query = v1.expand_dims(processed_query, 1)  # [batch, 1, units], broadcast over max_time
    if attention_g is not None and attention_b is not None:
        normed_v = attention_g * attention_v * v1.rsqrt(v1.reduce_sum(v1.square(attention_v)))
        return v1.reduce_sum(normed_v * v1.tanh(keys + processed_query + attention_b), [2])
    return v1.reduce_sum(attention_v * v1.tanh(keys + processed_query), [2])


def _bahdanau_variables(num_units, normalize, dtype):
    """``attention_v`` [units] and, when ``normalize``, ``attention_g`` (sqrt(1/units)) and ``attention_b`` (0)."""
    attention_v = v1.get_variable("attention_v", [num_units], dtype=dtype)
    if not normalize:
        return attention_v, None, None
    attention_g = v1.get_variable("attention_g", shape=(), dtype=dtype,
                                  initializer=v1.constant_initializer(math.sqrt(1.0 / num_units)))
    attention_b = v1.get_variable("attention_b", [num_units], dtype=dtype, initializer=v1.zeros_initializer())
    return attention_v, attention_g, attention_b


class BahdanauAttention(_BaseAttentionMechanism):
    """Additive attention (Bahdanau et al., 2015): score = v . tanh(W1 memory + W2 query)."""

    def __init__(self, num_units, memory, memory_sequence_length=None, normalize=False, probability_fn=None,
                 score_mask_value=None, dtype=None, custom_key_value_fn=None, name="BahdanauAttention"):
        query_layer, memory_layer = _dense_pair(num_units, dtype)
        super().__init__(query_layer=query_layer, memory_layer=memory_layer, memory=memory,
                         probability_fn=_softmax_by_default(probability_fn),
                         memory_sequence_length=memory_sequence_length, score_mask_value=score_mask_value,
                         custom_key_value_fn=custom_key_value_fn, name=name)
        self._num_units, self._normalize, self._name = num_units, normalize, name

    def __call__(self, query, state):
        with v1.variable_scope(None, "bahdanau_attention", [query]):
            processed_query = self.query_layer(query) if self.query_layer else query
            score = _bahdanau_score(processed_query, self._keys,
                                    *_bahdanau_variables(self._num_units, self._normalize, query.dtype))
        alignments = self._probability_fn(score, state)
        return alignments, alignments


def hardmax(logits, name=None):
    """One-hot vectors [..., depth] at each row's largest logit (the first, on ties)."""
    with v1.name_scope(name, "Hardmax", [logits]):
        logits = v1.convert_to_tensor(logits, name="logits")
        depth = logits.shape[-1] if logits.shape.rank is not None and logits.shape[-1] is not None \
            else v1.shape(logits)[-1]
        return v1.one_hot(v1.argmax(logits, -1), depth, dtype=logits.dtype)
