"""tf.contrib.seq2seq's attention (TF 1.15): AttentionWrapper and the names it works with.

AttentionWrapper is a TF1 ``RNNCell`` (tf-keras's legacy cell base), so ``tf.nn.dynamic_rnn``
and the seq2seq decoders drive it like any cell. Each step:

    cell_input  = cell_input_fn(input, previous attention)       concat on the last axis by default
    output, s   = cell(cell_input, previous cell state)
    alignments  = mechanism(output, previous mechanism state)    [batch, max_time] per mechanism
    context     = alignments . memory                            [batch, memory depth]
    attention   = attention_layer([output, context]) or context  concatenated over the mechanisms

and the step's output is ``attention`` (``output_attention=True``, Luong's style) or the cell's
``output`` (Bahdanau's). The state is an :class:`AttentionWrapperState`. Variables, as TF 1.15
names them: ``<rnn scope>/attention_wrapper/{<cell>/..., <mechanism scope>/...,
attention_layer/kernel}`` (``attention_layer_1/kernel``, ... for further mechanisms).

The mechanisms live in seq2seq_mechanisms.py, the monotonic ones in seq2seq_monotonic.py; this
module exports all ten of tf.contrib.seq2seq's attention names (``__all__``) and the private
helpers older code imported from TF's module (``PRIVATE_NAMES``). Differences:
``clone`` checks shapes when the graph is built only (TF 1.15 also added a run-time assert for
partly unknown shapes), and a batch-size mismatch known when the graph is built fails then, in
one line, rather than when the graph runs.
"""
import collections

from tf1_rnn.compat import legacy_layers, legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.seq2seq_mechanisms import (AttentionMechanism, BahdanauAttention, LuongAttention,
                                               _BaseAttentionMechanism, _bahdanau_score, _luong_score,
                                               _maybe_mask_score, _prepare_memory, hardmax)
from tf1_rnn.legacy.seq2seq_monotonic import (BahdanauMonotonicAttention, LuongMonotonicAttention,
                                              _BaseMonotonicAttentionMechanism, _monotonic_probability_fn,
                                              monotonic_attention, safe_cumprod)

__all__ = ["AttentionMechanism", "AttentionWrapper", "AttentionWrapperState", "LuongAttention",
           "BahdanauAttention", "hardmax", "safe_cumprod", "monotonic_attention", "BahdanauMonotonicAttention",
           "LuongMonotonicAttention"]
# what code built on TF 1.15's module (Tacotron's attention, say) imported from
# tensorflow.contrib.seq2seq.python.ops.attention_wrapper besides __all__
PRIVATE_NAMES = ["_BaseAttentionMechanism", "_BaseMonotonicAttentionMechanism", "_compute_attention",
                 "_bahdanau_score", "_luong_score", "_prepare_memory", "_maybe_mask_score", "_monotonic_probability_fn"]

RNNCell = legacy_rnn_cells().RNNCell
tf_layers = legacy_layers()  # tf.layers, from tf-keras


class AttentionWrapperState(collections.namedtuple("AttentionWrapperState", (
        "cell_state", "attention", "time", "alignments", "alignment_history", "attention_state"))):
    """AttentionWrapper's state: the wrapped cell's state, the last attention [batch, attention size],
    the step (int32 scalar), the last alignments, their history (TensorArrays, time-major, or ()) and
    the mechanisms' own states; the last three one per mechanism (a tuple when given a list)."""

    def clone(self, **fields):
        """This state with ``fields`` replaced; a replacing tensor keeps the replaced one's static shape.

        The usual use: ``cell.zero_state(batch, tf.float32).clone(cell_state=encoder_state)``.
        """
        replaced = self._replace(**fields)
        try:
            v1.nest.assert_same_structure(self, replaced)
        except (ValueError, TypeError) as err:
            raise ValueError(f"AttentionWrapperState.clone: a new field's structure differs from the old: "
                             f"{str(err).splitlines()[0]}") from None
        return v1.nest.map_structure(_with_same_shape, self, replaced)


def _with_same_shape(old, new):
    if not (isinstance(old, v1.Tensor) and isinstance(new, v1.Tensor)):
        return new
    if not old.shape.is_compatible_with(new.shape):
        raise ValueError(f"AttentionWrapperState.clone: a new tensor of shape {new.shape} replaces one of "
                         f"shape {old.shape}")
    checked = v1.identity(new)
    checked.set_shape(old.shape.merge_with(new.shape))
    return checked


def _compute_attention(attention_mechanism, cell_output, attention_state, attention_layer):
    """One mechanism's (attention, alignments, next state) for this step's ``cell_output``."""
    alignments, next_attention_state = attention_mechanism(cell_output, state=attention_state)
    # [batch, 1, max_time] . [batch, max_time, depth] -> [batch, depth]
    context = v1.squeeze(v1.matmul(v1.expand_dims(alignments, 1), attention_mechanism.values), [1])
    if attention_layer is None:
        return context, alignments, next_attention_state
    return attention_layer(v1.concat([cell_output, context], 1)), alignments, next_attention_state


def _as_tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _check_cell(cell):
    if not all(hasattr(cell, name) for name in ("output_size", "state_size")) or not callable(cell):
        raise TypeError(f"AttentionWrapper: cell must be an RNNCell, got {type(cell).__name__}")


def _check_mechanisms(mechanisms):
    for mechanism in mechanisms:
        if not isinstance(mechanism, AttentionMechanism):
            raise TypeError(f"AttentionWrapper: attention_mechanism must be an AttentionMechanism or a list of "
                            f"them, got {type(mechanism).__name__}")


def _attention_layers(cell, mechanisms, attention_layer_size, attention_layer):
    """(the attention layers or None, the attention's total depth), as the arguments ask."""
    if attention_layer_size is not None and attention_layer is not None:
        raise ValueError("AttentionWrapper: give attention_layer_size or attention_layer, not both")
    if attention_layer_size is not None:
        sizes = _as_tuple(attention_layer_size)
        if len(sizes) != len(mechanisms):
            raise ValueError(f"AttentionWrapper: attention_layer_size must give one size per attention mechanism, "
                             f"got {len(sizes)} for {len(mechanisms)}")
        dense = tuple(tf_layers.Dense(size, name="attention_layer", use_bias=False,
                                      dtype=getattr(mechanism, "dtype", None))
                      for size, mechanism in zip(sizes, mechanisms))
        return dense, sum(sizes)
    if attention_layer is not None:
        given = _as_tuple(attention_layer)
        if len(given) != len(mechanisms):
            raise ValueError(f"AttentionWrapper: attention_layer must give one layer per attention mechanism, "
                             f"got {len(given)} for {len(mechanisms)}")
        depths = (layer.compute_output_shape([None, cell.output_size + mechanism.values.shape[-1]])[-1]
                  for layer, mechanism in zip(given, mechanisms))
        return given, sum(depths)
    return None, sum(mechanism.values.shape[-1] for mechanism in mechanisms)


class AttentionWrapper(RNNCell):
    """Wraps ``cell`` with one or more attention mechanisms (see the module docstring)."""

    def __init__(self, cell, attention_mechanism, attention_layer_size=None, alignment_history=False,
                 cell_input_fn=None, output_attention=True, initial_cell_state=None, name=None,
                 attention_layer=None, attention_fn=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        _check_cell(cell)
        self._is_multi = isinstance(attention_mechanism, (list, tuple))
        mechanisms = _as_tuple(attention_mechanism)
        _check_mechanisms(mechanisms)
        if cell_input_fn is None:
            cell_input_fn = lambda inputs, attention: v1.concat([inputs, attention], -1)  # noqa: E731
        elif not callable(cell_input_fn):
            raise TypeError(f"AttentionWrapper: cell_input_fn must be callable, got {type(cell_input_fn).__name__}")
        self._attention_layers, self._attention_layer_size = _attention_layers(
            cell, mechanisms, attention_layer_size, attention_layer)
        self._attention_fn = attention_fn or _compute_attention
        self._cell, self._attention_mechanisms, self._cell_input_fn = cell, mechanisms, cell_input_fn
        self._output_attention, self._alignment_history = output_attention, alignment_history
        self._initial_cell_state = None
        if initial_cell_state is not None:
            with v1.name_scope(name, "AttentionWrapperInit"):
                self._initial_cell_state = self._checked(initial_cell_state, "initial_cell_state",
                                                         "check_initial_cell_state")

    def _checked(self, structure, what, name, batch_size=None):
        """``structure``'s tensors, run only after its batch size is checked against the memory's."""
        if batch_size is None:
            last = v1.nest.flatten(structure)[-1]
            batch_size = last.shape[0] or v1.shape(last)[0]
        checks = []
        for mechanism in self._attention_mechanisms:
            if isinstance(batch_size, int) and isinstance(mechanism.batch_size, int):
                if batch_size != mechanism.batch_size:
                    raise ValueError(f"AttentionWrapper: batch size {batch_size} ({what}) does not match the "
                                     f"memory's batch size {mechanism.batch_size} (with BeamSearchDecoder, tile "
                                     f"the memory and states with tile_batch and use batch_size * beam_width)")
            else:
                checks.append(v1.assert_equal(batch_size, mechanism.batch_size, message=(
                    f"AttentionWrapper: the batch size of {what} does not match the memory's (encoder output's)")))
        with v1.control_dependencies(checks):
            return v1.nest.map_structure(lambda tensor: v1.identity(tensor, name=name), structure)

    def _item_or_tuple(self, items):
        items = tuple(items)
        return items if self._is_multi else items[0]

    @property
    def output_size(self):
        return self._attention_layer_size if self._output_attention else self._cell.output_size

    @property
    def state_size(self):
        return AttentionWrapperState(
            cell_state=self._cell.state_size, time=v1.TensorShape([]), attention=self._attention_layer_size,
            alignments=self._item_or_tuple(m.alignments_size for m in self._attention_mechanisms),
            attention_state=self._item_or_tuple(m.state_size for m in self._attention_mechanisms),
            alignment_history=self._item_or_tuple(m.alignments_size if self._alignment_history else ()
                                                  for m in self._attention_mechanisms))

    def _initial_cell_state_for(self, batch_size, dtype):
        if self._initial_cell_state is not None:
            return self._initial_cell_state
        if hasattr(self._cell, "get_initial_state"):
            return self._cell.get_initial_state(batch_size=batch_size, dtype=dtype)
        return self._cell.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        """The first state: the cell's (or ``initial_cell_state``), zero attention, the first alignments."""
        with v1.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            cell_state = self._checked(self._initial_cell_state_for(batch_size, dtype), "zero_state",
                                       "checked_cell_state", batch_size=batch_size)
            alignments = [m.initial_alignments(batch_size, dtype) for m in self._attention_mechanisms]
            return AttentionWrapperState(
                cell_state=cell_state, time=v1.zeros([], dtype=v1.int32),
                attention=v1.zeros([batch_size, self._attention_layer_size], dtype=dtype),
                alignments=self._item_or_tuple(alignments),
                attention_state=self._item_or_tuple(m.initial_state(batch_size, dtype)
                                                    for m in self._attention_mechanisms),
                alignment_history=self._item_or_tuple(
                    v1.TensorArray(dtype, size=0, dynamic_size=True, element_shape=alignment.shape)
                    if self._alignment_history else () for alignment in alignments))

    def call(self, inputs, state):
        if not isinstance(state, AttentionWrapperState):
            raise TypeError(f"AttentionWrapper: state must be an AttentionWrapperState (from zero_state), "
                            f"got {type(state).__name__}")
        cell_inputs = self._cell_input_fn(inputs, state.attention)
        cell_output, next_cell_state = self._cell(cell_inputs, state.cell_state)
        cell_output = self._checked(cell_output, "the cell's output", "checked_cell_output")
        previous_states = state.attention_state if self._is_multi else [state.attention_state]
        previous_histories = state.alignment_history if self._is_multi else [state.alignment_history]
        attentions, all_alignments, next_states, histories = [], [], [], []
        for i, mechanism in enumerate(self._attention_mechanisms):
            layer = self._attention_layers[i] if self._attention_layers else None
            attention, alignments, next_attention_state = self._attention_fn(
                mechanism, cell_output, previous_states[i], layer)
            attentions.append(attention)
            all_alignments.append(alignments)
            next_states.append(next_attention_state)
            histories.append(previous_histories[i].write(state.time, alignments) if self._alignment_history else ())
        attention = v1.concat(attentions, 1)  # [batch, attention size summed over the mechanisms]
        next_state = AttentionWrapperState(
            cell_state=next_cell_state, attention=attention, time=state.time + 1,
            alignments=self._item_or_tuple(all_alignments), attention_state=self._item_or_tuple(next_states),
            alignment_history=self._item_or_tuple(histories))
        return (attention if self._output_attention else cell_output), next_state
