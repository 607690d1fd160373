"""tf.contrib.seq2seq's decoder API (TF 1.15): Decoder, BasicDecoder, BasicDecoderOutput, dynamic_decode.

``dynamic_decode`` runs any Decoder in ONE ``tf.while_loop`` whose body is built once, whatever the
number of steps; each step's outputs go to TensorArrays and come back ``[batch, time, ...]`` (or
``[time, batch, ...]`` with ``output_time_major``). Its ops and variables live under the variable scope
``decoder`` (or ``scope``), so a BasicDecoder over a BasicLSTMCell with a ``tf.layers.Dense`` output
layer makes ``decoder/basic_lstm_cell/{kernel,bias}`` and ``decoder/dense/{kernel,bias}``, as TF 1.x did.

Under the runner's ``--rnn-impl auto`` a BasicDecoder over a TrainingHelper runs its cell on the
compiled kernels instead of the loop, computing the same (``accelerate_decode.py``).

Differences from TF 1.x: the output TensorArrays get the full static element shape (TF 1.x left it
unknown when the cell's output size was an int), no caching device is set on the scope (a multi-device
optimisation with no effect on values), and a decoder whose ``initial_state`` does not fit the cell's
``state_size`` fails when it is built, with one ValueError naming both structures.
"""
import abc
import collections

from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy import accelerate_decode
from tf1_rnn.legacy.seq2seq_helpers import Helper, TrainingHelper, transpose_batch_time

nest = v1.nest


class _Shown(str):
    """A leaf of a structure as printed in error messages (no quotes)."""

    def __repr__(self):
        return str(self)


def _describe(structure):
    """``structure`` with each tensor shown as its dtype and shape, e.g. LSTMStateTuple(c=float32[2, 4], ...)."""
    def leaf(x):
        if isinstance(x, v1.TensorArray):
            return _Shown(f"TensorArray({x.dtype.name})")
        if isinstance(x, (v1.Tensor, v1.Variable)):
            return _Shown(f"{x.dtype.name}{x.shape.as_list() if x.shape.rank is not None else '[?]'}")
        return _Shown(repr(x))
    return repr(nest.map_structure(leaf, structure))


def check_cell(owner, cell):
    if not (callable(cell) and hasattr(cell, "state_size") and hasattr(cell, "output_size")):
        raise TypeError(f"{owner}: cell must be an RNNCell, got {type(cell).__name__}")


def check_output_layer(owner, output_layer):
    if output_layer is not None and not (callable(output_layer) and hasattr(output_layer, "compute_output_shape")):
        raise TypeError(f"{owner}: output_layer must be a layer such as tf.layers.Dense, "
                        f"got {type(output_layer).__name__}")


def _fits(tensor, size):
    """Whether one state tensor [batch, ...] can hold a state of ``size`` (TensorArrays and scalars pass)."""
    if isinstance(tensor, v1.TensorArray) or tensor.shape.rank in (None, 0):
        return True
    if isinstance(size, v1.Tensor):  # a size known only when the graph runs (attention over [batch, None] memory)
        size = [None] if size.shape.rank == 0 else None
    return tensor.shape[1:].is_compatible_with(v1.TensorShape(size))


def check_initial_state(owner, initial_state, state_size):
    """One ValueError naming both structures when ``initial_state`` cannot be the cell's state."""
    try:
        nest.assert_same_structure(initial_state, state_size, check_types=False)
        fits = all(_fits(t, s) for t, s in zip(nest.flatten(initial_state), nest.flatten(state_size)))
    except (ValueError, TypeError):
        fits = False
    if not fits:
        raise ValueError(f"{owner}: initial_state {_describe(initial_state)} does not match the cell's "
                         f"state_size {_describe(state_size)}")


def rnn_output_size(cell, output_layer):
    """The size of one step's output: the cell's, or what ``output_layer`` makes of it."""
    if output_layer is None:
        return cell.output_size
    with_batch = nest.map_structure(lambda s: v1.TensorShape([None]).concatenate(s), cell.output_size)
    return nest.map_structure(lambda s: s[1:], output_layer.compute_output_shape(with_batch))


class Decoder(metaclass=abc.ABCMeta):
    """The interface dynamic_decode drives: ``initialize`` once, then ``step`` inside the loop.

    ``finalize(outputs, final_state, sequence_lengths)`` is optional (the default raises
    NotImplementedError and dynamic_decode skips it). A decoder that reorders batch entries between
    steps (beam search) sets ``tracks_own_finished`` so dynamic_decode does not OR finished flags.
    """

    @property
    def batch_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    @property
    def output_dtype(self):
        raise NotImplementedError

    @abc.abstractmethod
    def initialize(self, name=None):
        """Returns ``(finished, initial_inputs, initial_state)``."""

    @abc.abstractmethod
    def step(self, time, inputs, state, name=None):
        """Returns ``(outputs, next_state, next_inputs, finished)``."""

    def finalize(self, outputs, final_state, sequence_lengths):
        raise NotImplementedError

    @property
    def tracks_own_finished(self):
        return False


class BasicDecoderOutput(collections.namedtuple("BasicDecoderOutput", ("rnn_output", "sample_id"))):
    pass


class BasicDecoder(Decoder):
    """One cell step, then the optional output layer, then the helper's sample and next input."""

    def __init__(self, cell, helper, initial_state, output_layer=None):
        check_cell("BasicDecoder", cell)
        if not isinstance(helper, Helper):
            raise TypeError(f"BasicDecoder: helper must be a tf.contrib.seq2seq Helper, got {type(helper).__name__}")
        check_output_layer("BasicDecoder", output_layer)
        check_initial_state("BasicDecoder", initial_state, cell.state_size)
        self._cell, self._helper = cell, helper
        self._initial_state, self._output_layer = initial_state, output_layer

    @property
    def batch_size(self):
        return self._helper.batch_size

    @property
    def output_size(self):
        return BasicDecoderOutput(rnn_output=rnn_output_size(self._cell, self._output_layer),
                                  sample_id=self._helper.sample_ids_shape)

    @property
    def output_dtype(self):
        dtype = nest.flatten(self._initial_state)[0].dtype  # the cell computes in its state's dtype
        return BasicDecoderOutput(nest.map_structure(lambda _: dtype, rnn_output_size(self._cell, self._output_layer)),
                                  self._helper.sample_ids_dtype)

    def initialize(self, name=None):
        return self._helper.initialize() + (self._initial_state,)

    def step(self, time, inputs, state, name=None):
        with v1.name_scope(name, "BasicDecoderStep", [time]):
            cell_outputs, cell_state = self._cell(inputs, state)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            sample_ids = self._helper.sample(time=time, outputs=cell_outputs, state=cell_state)
            finished, next_inputs, next_state = self._helper.next_inputs(
                time=time, outputs=cell_outputs, state=cell_state, sample_ids=sample_ids)
        return BasicDecoderOutput(cell_outputs, sample_ids), next_state, next_inputs, finished


def _element_shape(batch_size, size):
    """[batch] + size, with the batch dimension static when it is known."""
    return v1.TensorShape([v1.get_static_value(batch_size)]).concatenate(v1.TensorShape(size))


def _zeros(batch_size, size, dtype):
    zeros = v1.zeros(v1.stack([batch_size, *v1.TensorShape(size).as_list()]), dtype)  # [batch] + size
    zeros.set_shape(_element_shape(batch_size, size))
    return zeros


def _keep_shape(new, old):
    """The loop requires each tensor to keep its shape from step to step; tell TensorFlow it does."""
    if isinstance(new, v1.Tensor) and isinstance(old, v1.Tensor):
        new.set_shape(old.shape)
    return new


def _same_structure(what, before, after):
    try:
        nest.assert_same_structure(before, after)
    except (ValueError, TypeError):
        raise ValueError(f"dynamic_decode: the decoder's step returned {what} {_describe(after)}, "
                         f"which does not match the structure it started with, {_describe(before)}") from None


def _maximum_iterations(maximum_iterations):
    if maximum_iterations is None:
        return None
    maximum_iterations = v1.convert_to_tensor(maximum_iterations, v1.int32, name="maximum_iterations")
    if maximum_iterations.shape.rank != 0:
        raise ValueError(f"dynamic_decode: maximum_iterations must be a scalar, got shape {maximum_iterations.shape}")
    return maximum_iterations


def dynamic_decode(decoder, output_time_major=False, impute_finished=False, maximum_iterations=None,
                   parallel_iterations=32, swap_memory=False, scope=None):
    """Run ``decoder`` until every entry is finished (or ``maximum_iterations``), in one while loop.

    ``impute_finished``: past an entry's end, its outputs are zeros and its state is copied through,
    so the final state is the state at each entry's own end. Returns ``(final_outputs, final_state,
    final_sequence_lengths)``, the outputs after the decoder's ``finalize`` when it has one.
    """
    if not isinstance(decoder, Decoder):
        raise TypeError(f"dynamic_decode: decoder must be a tf.contrib.seq2seq Decoder, got {type(decoder).__name__}")
    with v1.variable_scope(scope, "decoder") as decoder_scope:
        maximum_iterations = _maximum_iterations(maximum_iterations)
        if type(decoder) is BasicDecoder and type(decoder._helper) is TrainingHelper:  # teacher forcing
            taken = accelerate_decode.teacher_forced(decoder._cell, decoder._helper, decoder._initial_state,
                                                     decoder._output_layer, impute_finished, maximum_iterations,
                                                     decoder_scope)
            if taken is not None:
                rnn_output, sample_id, final_state, final_sequence_lengths = taken
                final_outputs = BasicDecoderOutput(rnn_output, sample_id)
                if not output_time_major:
                    final_outputs = nest.map_structure(transpose_batch_time, final_outputs)
                return final_outputs, final_state, final_sequence_lengths
        initial_finished, initial_inputs, initial_state = decoder.initialize()
        zero_outputs = nest.map_structure(lambda s, d: _zeros(decoder.batch_size, s, d),
                                          decoder.output_size, decoder.output_dtype)
        if maximum_iterations is not None:
            initial_finished = v1.logical_or(initial_finished, 0 >= maximum_iterations)
        initial_outputs_ta = nest.map_structure(
            lambda s, d: v1.TensorArray(d, size=0, dynamic_size=True,
                                        element_shape=_element_shape(decoder.batch_size, s)),
            decoder.output_size, decoder.output_dtype)

        def keep_going(time, outputs_ta, state, inputs, finished, sequence_lengths):
            return v1.logical_not(v1.reduce_all(finished))

        def body(time, outputs_ta, state, inputs, finished, sequence_lengths):
            outputs, next_state, next_inputs, decoder_finished = decoder.step(time, inputs, state)
            _same_structure("a state", state, next_state)
            _same_structure("inputs", inputs, next_inputs)
            next_state = nest.map_structure(_keep_shape, next_state, state)
            next_inputs = nest.map_structure(_keep_shape, next_inputs, inputs)
            if not decoder.tracks_own_finished:
                decoder_finished = v1.logical_or(decoder_finished, finished)
            # an entry's length counts the step on which it finished
            sequence_lengths = v1.where(finished, sequence_lengths, v1.fill(v1.shape(sequence_lengths), time + 1))
            if impute_finished:
                outputs = nest.map_structure(lambda out, zero: v1.where(finished, zero, out), outputs, zero_outputs)
                next_state = nest.map_structure(lambda new, cur: _copy_if_finished(finished, new, cur),
                                                next_state, state)
            outputs_ta = nest.map_structure(lambda ta, out: ta.write(time, out), outputs_ta, outputs)
            return (time + 1, outputs_ta, next_state, next_inputs,
                    _keep_shape(decoder_finished, finished), sequence_lengths)

        loop_vars = (v1.constant(0, v1.int32), initial_outputs_ta, initial_state, initial_inputs, initial_finished,
                     v1.zeros_like(initial_finished, dtype=v1.int32))
        _, final_outputs_ta, final_state, _, _, final_sequence_lengths = v1.while_loop(
            keep_going, body, loop_vars, parallel_iterations=parallel_iterations,
            maximum_iterations=maximum_iterations, swap_memory=swap_memory)
        final_outputs = nest.map_structure(lambda ta: ta.stack(), final_outputs_ta)  # [time, batch, ...]
        try:
            final_outputs, final_state = decoder.finalize(final_outputs, final_state, final_sequence_lengths)
        except NotImplementedError:
            pass
        if not output_time_major:
            final_outputs = nest.map_structure(transpose_batch_time, final_outputs)  # [batch, time, ...]
    return final_outputs, final_state, final_sequence_lengths


def _copy_if_finished(finished, new, current):
    """A finished entry keeps its state; TensorArrays and scalars pass through as TF 1.x did."""
    if isinstance(current, v1.TensorArray) or current.shape.rank == 0:
        return new
    return v1.where(finished, current, new)
