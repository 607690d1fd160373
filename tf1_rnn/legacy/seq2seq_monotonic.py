"""tf.contrib.seq2seq's monotonic attention (TF 1.15; Raffel et al., 2017, arXiv:1704.00784).

At each output step the decoder scans the memory left to right from where it attended last,
stopping at step i with probability p_i = sigmoid(score_i): the expected attention is

    attention_i = p_i * q_i,   q_i = (1 - p_{i-1}) * q_{i-1} + previous_attention_i,   q_0 = previous_attention_0

:func:`monotonic_attention` computes it by that recurrence ('recursive', a tf.scan), by its closed
form with cumulative sums and products ('parallel'), or, for 0/1 probabilities, exactly ('hard').
The mechanisms add a learned scalar ``attention_score_bias`` to Bahdanau's or Luong's score and
start from all attention on the first memory step. Variables, as TF 1.15 names them:

    <cell scope>/bahdanau_monotonic_attention/query_layer/kernel, attention_v[, attention_g,
        attention_b], attention_score_bias
    <cell scope>/luong_monotonic_attention[/attention_g], attention_score_bias

Difference: an unknown ``mode`` fails when the mechanism is built, not at its first call.
"""
import functools

import numpy as np

from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy.seq2seq_mechanisms import (_BaseAttentionMechanism, _bahdanau_score, _bahdanau_variables,
                                               _dense_pair, _luong_scale, _luong_score,
                                               _memory_dense)

MODES = ("recursive", "parallel", "hard")


def _check_mode(mode, owner):
    if mode not in MODES:
        raise ValueError(f"{owner}: mode must be 'recursive', 'parallel' or 'hard', got {mode!r}")


def safe_cumprod(x, *args, **kwargs):
    """tf.cumprod computed as exp(cumsum(log x)), with x clipped to [tiny, 1]: no underflow, finite gradients.

    Takes tf.cumsum's ``axis``, ``exclusive`` and ``reverse``, as tf.cumprod would.
    """
    with v1.name_scope(None, "SafeCumprod", [x]):
        x = v1.convert_to_tensor(x, name="x")
        tiny = np.finfo(x.dtype.as_numpy_dtype).tiny
        return v1.exp(v1.cumsum(v1.log(v1.clip_by_value(x, tiny, 1)), *args, **kwargs))


def _recursive_attention(p_choose_i, previous_attention):
    """The recurrence, one memory step at a time (exact for any probabilities)."""
    batch_size = p_choose_i.shape[0] or v1.shape(p_choose_i)[0]
    # 1 - p_{i-1} for each step i, with 1 for the first: [batch, max_time]
    shifted_1mp = v1.concat([v1.ones([batch_size, 1], p_choose_i.dtype), 1 - p_choose_i[:, :-1]], 1)

    def step(q, carry_and_previous):
        carry, previous = carry_and_previous
        return v1.reshape(carry * q + previous, [batch_size])  # keeps q's shape across the loop

    q = v1.scan(step, [v1.transpose(shifted_1mp), v1.transpose(previous_attention)],  # [max_time, batch] each
                initializer=v1.zeros([batch_size], p_choose_i.dtype))
    return p_choose_i * v1.transpose(q)


def _parallel_attention(p_choose_i, previous_attention):
    """The recurrence's closed form; the division is clipped, so it is approximate near p = 1."""
    cumprod_1mp = safe_cumprod(1 - p_choose_i, axis=1, exclusive=True)
    return p_choose_i * cumprod_1mp * v1.cumsum(previous_attention / v1.clip_by_value(cumprod_1mp, 1e-10, 1.0),
                                                axis=1)


def _hard_attention(p_choose_i, previous_attention):
    """For 0/1 probabilities: the first step chosen at or after last time's attended step."""
    p_choose_i = p_choose_i * v1.cumsum(previous_attention, axis=1)  # nothing before last time's step
    return p_choose_i * v1.cumprod(1 - p_choose_i, axis=1, exclusive=True)  # nothing after the first chosen


def monotonic_attention(p_choose_i, previous_attention, mode):
    """Expected monotonic attention [batch, max_time] from stopping probabilities [batch, max_time].

    ``previous_attention`` is the last output step's attention ([1, 0, ..., 0] before the first).
    """
    _check_mode(mode, "monotonic_attention")
    p_choose_i = v1.convert_to_tensor(p_choose_i, name="p_choose_i")
    previous_attention = v1.convert_to_tensor(previous_attention, name="previous_attention")
    compute = {"recursive": _recursive_attention, "parallel": _parallel_attention, "hard": _hard_attention}[mode]
    return compute(p_choose_i, previous_attention)


def _monotonic_probability_fn(score, previous_alignments, sigmoid_noise, mode, seed=None):
    """Noisy scores (pushing training towards discrete choices) through a sigmoid, then monotonic_attention."""
    if sigmoid_noise > 0:
        score += sigmoid_noise * v1.random_normal(v1.shape(score), dtype=score.dtype, seed=seed)
    if mode == "hard":
        p_choose_i = v1.cast(score > 0, score.dtype)
    else:
        p_choose_i = v1.sigmoid(score)
    return monotonic_attention(p_choose_i, previous_alignments, mode)


class _BaseMonotonicAttentionMechanism(_BaseAttentionMechanism):
    """A mechanism whose attention starts on the first memory step (a one-hot, not zeros)."""

    def initial_alignments(self, batch_size, dtype):
        return v1.one_hot(v1.zeros([batch_size], dtype=v1.int32), self._alignments_size, dtype=dtype)


def _probability_fn(sigmoid_noise, mode, seed, owner):
    _check_mode(mode, owner)
    return functools.partial(_monotonic_probability_fn, sigmoid_noise=sigmoid_noise, mode=mode, seed=seed)


def _add_score_bias(score, initial_value):
    """score + the learned scalar ``attention_score_bias``."""
    return score + v1.get_variable("attention_score_bias", dtype=score.dtype, initializer=initial_value)


class BahdanauMonotonicAttention(_BaseMonotonicAttentionMechanism):
    """Monotonic attention on BahdanauAttention's score plus a learned scalar bias."""

    def __init__(self, num_units, memory, memory_sequence_length=None, normalize=False, score_mask_value=None,
                 sigmoid_noise=0.0, sigmoid_noise_seed=None, score_bias_init=0.0, mode="parallel", dtype=None,
                 name="BahdanauMonotonicAttention"):
        query_layer, memory_layer = _dense_pair(num_units, dtype)
        super().__init__(query_layer=query_layer, memory_layer=memory_layer, memory=memory,
                         probability_fn=_probability_fn(sigmoid_noise, mode, sigmoid_noise_seed, type(self).__name__),
                         memory_sequence_length=memory_sequence_length, score_mask_value=score_mask_value, name=name)
        self._num_units, self._normalize, self._name = num_units, normalize, name
        self._score_bias_init = score_bias_init

    def __call__(self, query, state):
        with v1.variable_scope(None, "bahdanau_monotonic_attention", [query]):
            processed_query = self.query_layer(query) if self.query_layer else query
            score = _bahdanau_score(processed_query, self._keys,
                                    *_bahdanau_variables(self._num_units, self._normalize, query.dtype))
            score = _add_score_bias(score, self._score_bias_init)
        alignments = self._probability_fn(score, state)
        return alignments, alignments


class LuongMonotonicAttention(_BaseMonotonicAttentionMechanism):
    """Monotonic attention on LuongAttention's score plus a learned scalar bias."""

    def __init__(self, num_units, memory, memory_sequence_length=None, scale=False, score_mask_value=None,
                 sigmoid_noise=0.0, sigmoid_noise_seed=None, score_bias_init=0.0, mode="parallel", dtype=None,
                 name="LuongMonotonicAttention"):
        super().__init__(query_layer=None, memory_layer=_memory_dense(num_units, dtype), memory=memory,
                         probability_fn=_probability_fn(sigmoid_noise, mode, sigmoid_noise_seed, type(self).__name__),
                         memory_sequence_length=memory_sequence_length, score_mask_value=score_mask_value, name=name)
        self._num_units, self._scale, self._name = num_units, scale, name
        self._score_bias_init = score_bias_init

    def __call__(self, query, state):
        with v1.variable_scope(None, "luong_monotonic_attention", [query]):
            score = _luong_score(query, self._keys, _luong_scale(self._scale, query.dtype))
            score = _add_score_bias(score, self._score_bias_init)
        alignments = self._probability_fn(score, state)
        return alignments, alignments
