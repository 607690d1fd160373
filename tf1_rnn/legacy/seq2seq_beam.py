"""tf.contrib.seq2seq's beam search (TF 1.15): BeamSearchDecoder, its state and output tuples,
tile_batch and gather_tree.

The decoder keeps ``beam_width`` hypotheses per batch entry: its state holds them as
``[batch, beam, ...]`` and the cell sees ``[batch * beam, ...]`` (so the initial state, and any
attention memory, must be tiled with tile_batch). Each step scores every (beam, token) by its total
log-probability divided by GNMT's length penalty ``((5 + length) / 6) ** length_penalty_weight``,
plus, with ``coverage_penalty_weight``, the weight times ``sum(log(min(accumulated attention, 1)))``
for beams already finished (Wu et al., 2016), and keeps the best ``beam_width``. Lengths follow
TF 1.x exactly: a candidate's length does not count the end token it ends with, a kept beam's does.
At the start only beam 0 is live (log-probability 0, the others -inf). ``finalize`` follows the
parent pointers back with gather_tree, so ``predicted_ids`` [batch, time, beam] holds whole
hypotheses, best first, and (``reorder_tensor_arrays``) puts TensorArrays in the cell state, such as
an attention history, in the same order, stacked: step t's entry of beam k is taken from the slot that
holds k's ancestor after step t's selection, as in TF 1.x (for a value the cell wrote during step t,
that is the slot after, not before, that step's reordering; TF 1.x did the same).

Differences from TF 1.x: TF 1.x's GatherTree was a custom kernel of contrib that TensorFlow 2.21 no
longer has (not even under tf.raw_ops), so gather_tree here is a tf.while_loop that walks the parent
pointers back; its results are the kernel's. The coverage penalty reads the ``alignments`` field of
any namedtuple in the cell state (TF 1.x looked for AttentionWrapperState by class).
"""
import collections

import numpy as np

from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy.seq2seq_decoder import Decoder, check_cell, check_initial_state, check_output_layer
from tf1_rnn.legacy.seq2seq_helpers import embedding_fn

nest = v1.nest


class BeamSearchDecoderState(collections.namedtuple(
        "BeamSearchDecoderState", ("cell_state", "log_probs", "finished", "lengths", "accumulated_attention_probs"))):
    pass


class BeamSearchDecoderOutput(collections.namedtuple("BeamSearchDecoderOutput",
                                                     ("scores", "predicted_ids", "parent_ids"))):
    pass


class FinalBeamSearchDecoderOutput(collections.namedtuple("FinalBeamDecoderOutput",
                                                          ("predicted_ids", "beam_search_decoder_output"))):
    pass


def _tile_one(t, multiplier):
    t = v1.convert_to_tensor(t, name="t")
    if t.shape.rank is None or t.shape.rank < 1:
        raise ValueError(f"tile_batch: each tensor needs a known rank of at least 1, got shape {t.shape}")
    tiled = v1.tile(v1.expand_dims(t, 1), [1, multiplier] + [1] * (t.shape.rank - 1))  # [batch, multiplier, ...]
    tiled = v1.reshape(tiled, v1.concat([[v1.shape(t)[0] * multiplier], v1.shape(t)[1:]], 0))  # [batch * mult, ...]
    batch = t.shape[0] * multiplier if t.shape[0] is not None else None
    tiled.set_shape(v1.TensorShape([batch]).concatenate(t.shape[1:]))
    return tiled


def tile_batch(t, multiplier, name=None):
    """Each batch entry of every tensor in ``t`` repeated ``multiplier`` times in a row:
    [t[0], t[0], ..., t[1], t[1], ...], shape [batch * multiplier, ...]."""
    with v1.name_scope(name, "tile_batch", nest.flatten(t)):
        return nest.map_structure(lambda x: _tile_one(x, multiplier), t)


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token, name=None):
    """Whole beams from per-step ids and parent beams, both [max_time, batch, beam].

    Beam k of entry b is read back from step ``max_sequence_lengths[b] - 1`` along its parents;
    later steps, and every step after the first ``end_token``, hold ``end_token``.
    """
    with v1.name_scope(name, "GatherTree", [step_ids, parent_ids, max_sequence_lengths, end_token]):
        step_ids = v1.convert_to_tensor(step_ids, v1.int32, name="step_ids")
        parent_ids = v1.convert_to_tensor(parent_ids, v1.int32, name="parent_ids")
        lengths = v1.convert_to_tensor(max_sequence_lengths, v1.int32, name="max_sequence_lengths")
        end_token = v1.convert_to_tensor(end_token, v1.int32, name="end_token")
        if step_ids.shape.rank != 3 or not step_ids.shape.is_compatible_with(parent_ids.shape):
            raise ValueError(f"gather_tree: step_ids and parent_ids must both be [max_time, batch, beam], "
                             f"got shapes {step_ids.shape} and {parent_ids.shape}")
        if lengths.shape.rank != 1 or end_token.shape.rank != 0:
            raise ValueError(f"gather_tree: max_sequence_lengths must be a vector and end_token a scalar, "
                             f"got shapes {lengths.shape} and {end_token.shape}")
        max_time, batch, beam = v1.unstack(v1.shape(step_ids))
        inside = v1.expand_dims(v1.minimum(lengths, max_time), 1)  # [batch, 1]
        beams = v1.fill(v1.shape(step_ids), end_token)

        def walk_back(level, pointer, beams):
            """One step back: the ids of the beams ``pointer`` [batch, beam] points at, and their parents."""
            live = level < inside
            row = v1.where_v2(live, v1.gather(step_ids[level], pointer, batch_dims=1), end_token)
            parent = v1.where_v2(live, v1.gather(parent_ids[level], pointer, batch_dims=1), pointer)
            return level - 1, parent, v1.tensor_scatter_nd_update(beams, [[level]], row[None])

        identity = v1.tile(v1.range(beam)[None], [batch, 1])  # [batch, beam]: each beam points at itself
        _, _, beams = v1.while_loop(lambda level, *_: level >= 0, walk_back, (max_time - 1, identity, beams))
        ended_before = v1.cumsum(v1.cast(v1.equal(beams, end_token), v1.int32), axis=0, exclusive=True) > 0
        return v1.where_v2(ended_before, end_token, beams)


def _length_penalty(lengths, weight):
    """GNMT's ((5 + length) / 6) ** weight, or 1 when the weight is a static 0."""
    weight = v1.convert_to_tensor(weight, v1.float32, name="penalty_factor")
    if v1.get_static_value(weight) == 0:
        return 1.0
    return (5.0 + v1.cast(lengths, v1.float32)) ** weight / 6.0 ** weight


def _attention_states(cell_state):
    if hasattr(cell_state, "alignments") and hasattr(cell_state, "_fields"):
        return [cell_state]
    if isinstance(cell_state, tuple):
        return [s for s in cell_state if hasattr(s, "alignments") and hasattr(s, "_fields")]
    return []


def _mean(tensors):
    return tensors[0] if len(tensors) == 1 else v1.reduce_mean(v1.stack(tensors, -1), -1)


def attention_probs(cell_state):
    """The alignments [batch, beam, memory_time] of the attention states in ``cell_state``, averaged."""
    states = _attention_states(cell_state)
    if not states:
        raise ValueError("BeamSearchDecoder: coverage_penalty_weight must be 0.0 when the cell state has no "
                         "attention alignments (wrap the cell in AttentionWrapper)")
    return _mean([_mean(list(s.alignments)) if isinstance(s.alignments, tuple) else s.alignments for s in states])


def _gather_beams(t, parent_ids):
    """Beam k of each entry becomes beam parent_ids[b, k]; TensorArrays and scalars pass through."""
    if isinstance(t, v1.TensorArray) or t.shape.rank < 2:
        return t
    return v1.gather(t, parent_ids, batch_dims=1)


class BeamSearchDecoder(Decoder):
    """Beam search over ``cell``'s outputs (through ``output_layer``), feeding back ``embedding(ids)``."""

    def __init__(self, cell, embedding, start_tokens, end_token, initial_state, beam_width, output_layer=None,
                 length_penalty_weight=0.0, coverage_penalty_weight=0.0, reorder_tensor_arrays=True):
        check_cell("BeamSearchDecoder", cell)
        check_output_layer("BeamSearchDecoder", output_layer)
        check_initial_state("BeamSearchDecoder", initial_state, cell.state_size)
        self._cell, self._output_layer, self._beam_width = cell, output_layer, beam_width
        self._length_penalty_weight, self._coverage_penalty_weight = length_penalty_weight, coverage_penalty_weight
        self._reorder_tensor_arrays = reorder_tensor_arrays
        self._embedding_fn = embedding_fn(embedding)
        start_tokens = v1.convert_to_tensor(start_tokens, v1.int32, name="start_tokens")
        self._end_token = v1.convert_to_tensor(end_token, v1.int32, name="end_token")
        if start_tokens.shape.rank != 1 or self._end_token.shape.rank != 0:
            raise ValueError(f"BeamSearchDecoder: start_tokens must be a vector and end_token a scalar, "
                             f"got shapes {start_tokens.shape} and {self._end_token.shape}")
        self._batch_size = v1.size(start_tokens)
        self._static_batch = v1.get_static_value(self._batch_size)
        self._initial_cell_state = nest.map_structure(self._split_beams, initial_state)
        self._start_inputs = self._embedding_fn(v1.tile(start_tokens[:, None], [1, beam_width]))  # [batch, beam, ...]
        # only beam 0 is live at the start: the others are finished, with log-probability -inf
        self._finished = v1.one_hot(v1.zeros([self._batch_size], v1.int32), beam_width, on_value=False,
                                    off_value=True, dtype=v1.bool)

    @property
    def batch_size(self):
        return self._batch_size

    @property
    def tracks_own_finished(self):
        return True  # beams are reordered each step, so dynamic_decode cannot OR their flags

    @property
    def output_size(self):
        beams = v1.TensorShape([self._beam_width])
        return BeamSearchDecoderOutput(scores=beams, predicted_ids=beams, parent_ids=beams)

    @property
    def output_dtype(self):
        return BeamSearchDecoderOutput(scores=self._dtype(), predicted_ids=v1.int32, parent_ids=v1.int32)

    def _dtype(self):
        return nest.flatten(self._initial_cell_state)[0].dtype

    def _split_beams(self, t):
        """[batch * beam, ...] -> [batch, beam, ...]; TensorArrays and scalars pass through."""
        if isinstance(t, v1.TensorArray):
            return t
        if t.shape.rank is None:
            raise ValueError(f"BeamSearchDecoder: every cell state tensor needs a known rank, got {t}")
        if t.shape.rank == 0:
            return t
        expected = None if self._static_batch is None else self._static_batch * self._beam_width
        if expected is not None and t.shape[0] is not None and t.shape[0] != expected:
            raise ValueError(f"BeamSearchDecoder: a cell state tensor has shape {t.shape}, but its first dimension "
                             f"must be batch_size * beam_width = {expected}: tile the encoder state with "
                             f"tile_batch and call zero_state with batch_size * beam_width")
        split = v1.reshape(t, v1.concat([[self._batch_size, self._beam_width], v1.shape(t)[1:]], 0))
        split.set_shape(v1.TensorShape([self._static_batch, self._beam_width]).concatenate(t.shape[1:]))
        return split

    def _merge_beams(self, t):
        """[batch, beam, ...] -> [batch * beam, ...]; TensorArrays and tensors of rank < 2 pass through."""
        if isinstance(t, v1.TensorArray) or t.shape.rank < 2:
            return t
        merged = v1.reshape(t, v1.concat([[self._batch_size * self._beam_width], v1.shape(t)[2:]], 0))
        batch = None if self._static_batch is None else self._static_batch * self._beam_width
        merged.set_shape(v1.TensorShape([batch]).concatenate(t.shape[2:]))
        return merged

    def initialize(self, name=None):
        log_probs = v1.one_hot(v1.zeros([self._batch_size], v1.int32), self._beam_width,
                               on_value=v1.constant(0.0, self._dtype()),
                               off_value=v1.constant(-np.inf, self._dtype()), dtype=self._dtype())
        accumulated = () if self._coverage_penalty_weight == 0 else attention_probs(self._initial_cell_state)
        state = BeamSearchDecoderState(cell_state=self._initial_cell_state, log_probs=log_probs,
                                       finished=self._finished, accumulated_attention_probs=accumulated,
                                       lengths=v1.zeros([self._batch_size, self._beam_width], v1.int64))
        return self._finished, self._start_inputs, state

    def step(self, time, inputs, state, name=None):
        with v1.name_scope(name, "BeamSearchDecoderStep", [time]):
            cell_outputs, next_cell_state = self._cell(nest.map_structure(self._merge_beams, inputs),
                                                       nest.map_structure(self._merge_beams, state.cell_state))
            cell_outputs = nest.map_structure(self._split_beams, cell_outputs)
            next_cell_state = nest.map_structure(self._split_beams, next_cell_state)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            output, next_state = self._search_step(cell_outputs, next_cell_state, state)
            next_inputs = v1.cond(v1.reduce_all(next_state.finished), lambda: self._start_inputs,
                                  lambda: self._embedding_fn(output.predicted_ids))
        return output, next_state, next_inputs, next_state.finished

    def _scores(self, total_log_probs, candidate_lengths, accumulated, finished):
        """Each candidate's score [batch, beam, vocab]: log-probability over length penalty, plus coverage."""
        scores = total_log_probs / v1.cast(_length_penalty(candidate_lengths, self._length_penalty_weight),
                                           total_log_probs.dtype)
        if accumulated is None:
            return scores
        covered = v1.where_v2(v1.equal(accumulated, 0.0), 1.0, accumulated)  # memory past its length: no penalty
        coverage = v1.reduce_sum(v1.log(v1.minimum(covered, 1.0)), 2) * v1.cast(finished, scores.dtype)
        return scores + v1.expand_dims(coverage * self._coverage_penalty_weight, 2)

    def _search_step(self, logits, next_cell_state, state):
        """Keep the best ``beam_width`` of the beam_width * vocab continuations (logits [batch, beam, vocab])."""
        vocab = logits.shape[-1] if logits.shape[-1] is not None else v1.shape(logits)[-1]
        step_log_probs = v1.nn.log_softmax(logits)
        # a finished beam can only continue with end_token, at no cost
        eos_only = v1.one_hot(self._end_token, vocab, on_value=0.0, off_value=step_log_probs.dtype.min,
                              dtype=step_log_probs.dtype)
        step_log_probs = v1.where_v2(state.finished[:, :, None], eos_only, step_log_probs)
        total = state.log_probs[:, :, None] + step_log_probs  # [batch, beam, vocab]
        not_finished = v1.logical_not(state.finished)
        grows = v1.logical_and(not_finished[:, :, None], v1.not_equal(v1.range(vocab), self._end_token))
        accumulated = None
        if self._coverage_penalty_weight != 0:
            now = attention_probs(next_cell_state) * v1.cast(not_finished, self._dtype())[:, :, None]
            accumulated = state.accumulated_attention_probs + now
        scores = self._scores(total, state.lengths[:, :, None] + v1.cast(grows, v1.int64), accumulated,
                              state.finished)
        best_scores, best = v1.nn.top_k(v1.reshape(scores, [self._batch_size, -1]), k=self._beam_width)
        word_ids, parent_ids = best % vocab, best // vocab  # [batch, beam] each, int32
        parent_finished = v1.gather(state.finished, parent_ids, batch_dims=1)
        next_state = BeamSearchDecoderState(
            cell_state=nest.map_structure(lambda t: _gather_beams(t, parent_ids), next_cell_state),
            log_probs=v1.gather(v1.reshape(total, [self._batch_size, -1]), best, batch_dims=1),
            finished=v1.logical_or(parent_finished, v1.equal(word_ids, self._end_token)),
            lengths=v1.gather(state.lengths, parent_ids, batch_dims=1) + v1.cast(
                v1.logical_not(parent_finished), v1.int64),
            accumulated_attention_probs=() if accumulated is None else _gather_beams(accumulated, parent_ids))
        return BeamSearchDecoderOutput(best_scores, word_ids, parent_ids), next_state

    def finalize(self, outputs, final_state, sequence_lengths):
        """Whole hypotheses from the per-step ids (``sequence_lengths`` is ignored, as in TF 1.x:
        the beams' lengths are in ``final_state.lengths``)."""
        max_lengths = v1.cast(v1.reduce_max(final_state.lengths, axis=1), v1.int32)
        predicted_ids = gather_tree(outputs.predicted_ids, outputs.parent_ids, max_lengths, self._end_token)
        if self._reorder_tensor_arrays:
            final_state = final_state._replace(cell_state=nest.map_structure(
                lambda t: self._sort_array(t, outputs.parent_ids, final_state.lengths), final_state.cell_state))
        return FinalBeamSearchDecoderOutput(predicted_ids, outputs), final_state

    def _sort_array(self, t, parent_ids, lengths):
        """A TensorArray of per-step [batch * beam, ...] values, stacked and put in the final beams' order."""
        if not isinstance(t, v1.TensorArray):
            return t
        shape = t.element_shape
        expected = None if self._static_batch is None else self._static_batch * self._beam_width
        if shape.rank is None or shape.rank < 1 or (expected and shape[0] not in (None, expected)):
            v1.logging.warning("BeamSearchDecoder: TensorArray %s with elements of shape %s cannot be put in beam "
                               "order; it is returned as is (set reorder_tensor_arrays=False)", t.handle.name, shape)
            return t
        stacked = t.stack()  # [time, batch * beam, ...]
        max_time, beam = v1.shape(parent_ids)[0], self._beam_width
        beam_ids = v1.tile(v1.range(beam)[None, None], [max_time, self._batch_size, 1])  # [time, batch, beam]
        sorted_ids = gather_tree(beam_ids, parent_ids, v1.cast(v1.reduce_max(lengths, axis=1), v1.int32), beam + 1)
        in_bounds = v1.transpose(v1.sequence_mask(lengths, max_time), [2, 0, 1])  # [time, batch, beam]
        sorted_ids = v1.where_v2(in_bounds, sorted_ids, beam_ids)
        values = v1.reshape(stacked, v1.stack([max_time, self._batch_size, beam, -1]))  # [time, batch, beam, rest]
        return v1.reshape(v1.gather(values, sorted_ids, batch_dims=2), v1.shape(stacked))
