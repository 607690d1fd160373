"""Which cells the runner moves onto the compiled kernels, and how each runs over a whole sequence.

A cell is taken only where the sequence computes exactly the cell's own function with the
cell's own variables:

    BasicLSTMCell    tanh activation (any forget_bias, state_is_tuple either way)
    LSTMCell         without peepholes, num_proj, cell_clip or variable shards: then its step is
                     BasicLSTMCell's (gates i, j, f, o of [x, h] @ kernel + bias, forget_bias added
                     to f), only its variables are named lstm_cell/ and its kernel's initializer is its own
    LSTMBlockCell    without peepholes or cell_clip: gates [i, ci, f, o], the same function
    GRUCell          tanh activation: reset gate before the candidate's matmul, gate bias [r, u]
    GRUBlockCell(V2) the same function on TensorFlow's fused step (w_ru, b_ru, w_c, b_c or GRUCell's names)
    MultiRNNCell     of such cells, layer after layer (tuple or concatenated states)
    DropoutWrapper   of such a cell, with input/output dropout only: the wrapper draws an
                     independent mask at every step, so dropping the whole [T, batch, depth]
                     sequence at once is the same distribution. Not with a seed (its masks are then
                     the same at every step), a state_keep_prob or variational_recurrent.

A subclass that redefines the step (``call`` or ``__call__``) is not taken. ``LEAVES`` is the
table of single cells: a kind name (what the runner's line counts), a test and a runner.
Everything here reads the cells' private attributes; where a later tf-keras renames one, the
cell is not taken and runs on TensorFlow's ops.
"""
import inspect
import numbers
from typing import Callable, NamedTuple

from tf1_rnn.compat import legacy_rnn_cells, tensorflow, tf as v1
from tf1_rnn.legacy import block_cells, tf0_rnn
from tf1_rnn.lstm.gru import gru_sequence
from tf1_rnn.lstm.sequence import lstm_sequence

nest = tensorflow.nest


class Run(NamedTuple):
    """What every layer of one RNN call shares."""
    impl: object                    # the compiled LSTMImpl
    shards: Callable[[int], int]    # parts of the batch for a layer of n units
    record: Callable[[str, object], None]  # (kind, kernel variable): a layer that ran on the kernel
    stacked: bool = False           # outputs one [T, batch, units] tensor (dynamic_rnn's, T may be unknown)


class Leaf(NamedTuple):
    kind: str                       # what the runner's line counts: "LSTM"
    accepts: Callable[[object], bool]
    run: Callable                   # (cell, inputs [T, B, I], state or None, lengths, Run) -> (outputs, state)


def _steps_as(cell, base):
    """True when ``cell``'s step is ``base``'s own (a subclass may change only its constructor)."""
    own = type(cell)
    return (isinstance(cell, base) and getattr(own, "call", None) is getattr(base, "call", None)
            and inspect.unwrap(own.__call__) is inspect.unwrap(base.__call__))


def _is_tanh(function):
    return function is v1.tanh or (getattr(function, "__name__", None) == "tanh"
                                   and getattr(function, "__module__", "").startswith(("tensorflow", "tf_keras")))


def _float32_cell(cell):
    return cell.dtype is None or v1.as_dtype(cell.dtype) == v1.float32


def _forget_bias_is_number(cell):
    return isinstance(getattr(cell, "_forget_bias", None), numbers.Real)


def _basic_lstm(cell):
    return (_steps_as(cell, legacy_rnn_cells().BasicLSTMCell) and _float32_cell(cell)
            and _is_tanh(getattr(cell, "_activation", None)) and _forget_bias_is_number(cell))


def _lstm_cell(cell):
    plain = {"_use_peepholes": False, "_cell_clip": None, "_num_proj": None, "_num_unit_shards": None}
    return (_steps_as(cell, legacy_rnn_cells().LSTMCell) and _float32_cell(cell)
            and all(getattr(cell, name, "missing") == value for name, value in plain.items())
            and _is_tanh(getattr(cell, "_activation", None)) and _forget_bias_is_number(cell))


def _lstm_block_cell(cell):
    return (_steps_as(cell, block_cells.LSTMBlockCell) and _float32_cell(cell)
            and getattr(cell, "_use_peephole", True) is False and getattr(cell, "_cell_clip", None) == -1.0
            and _forget_bias_is_number(cell))


def _run_lstm(cell, inputs, state, lengths, run):
    """One LSTM layer: the cell's kernel and bias (built by then) through ``lstm_sequence``."""
    tuple_state = nest.is_nested(cell.state_size)
    if state is not None:
        c, h = state if tuple_state else v1.split(state, 2, axis=1)  # 0.x: [c, h] side by side
        state = (c, h)
    outputs, c, h = lstm_sequence(inputs, cell._kernel, cell._bias, run.impl, state, lengths,
                                  forget_bias=cell._forget_bias, shards=run.shards(cell._num_units),
                                  stacked=run.stacked)
    run.record("LSTM", cell._kernel)
    return outputs, legacy_rnn_cells().LSTMStateTuple(c, h) if tuple_state else v1.concat([c, h], 1)


def _gru_cell(cell):
    return _steps_as(cell, legacy_rnn_cells().GRUCell) and _float32_cell(cell) and _is_tanh(cell._activation)


def _gru_block_cell(cell):
    return _steps_as(cell, block_cells.GRUBlockCell) or _steps_as(cell, block_cells.GRUBlockCellV2)


def _run_gru(cell, inputs, state, lengths, run):
    """One GRU layer: the cell's four weights (built by then) through ``gru_sequence`` on the kernel."""
    weights = (cell._gate_kernel, cell._gate_bias, cell._candidate_kernel, cell._candidate_bias)
    outputs, h = gru_sequence(inputs, *weights, initial_state=state, sequence_length=lengths,
                              shards=run.shards(cell.output_size), compiled=True, stacked=run.stacked)
    run.record("GRU", cell._gate_kernel)
    return outputs, h


LEAVES = (
    Leaf("LSTM", _basic_lstm, _run_lstm),
    Leaf("LSTM", _lstm_cell, _run_lstm),
    Leaf("LSTM", _lstm_block_cell, _run_lstm),
    Leaf("GRU", _gru_cell, _run_gru),
    Leaf("GRU", _gru_block_cell, _run_gru),
)


def _leaf(cell):
    return next((leaf for leaf in LEAVES if leaf.accepts(cell)), None)


def _drops(keep_prob):
    """The wrapper drops unless ``keep_prob`` is the number 1 (a tensor always drops)."""
    return not isinstance(keep_prob, float) or keep_prob < 1


def _plain_dropout(cell):
    wrapper = legacy_rnn_cells().DropoutWrapper
    return (isinstance(cell, wrapper) and type(cell)._call_wrapped_cell is wrapper._call_wrapped_cell
            and inspect.unwrap(type(cell).__call__) is inspect.unwrap(wrapper.__call__)
            and getattr(cell, "_seed", 0) is None and getattr(cell, "_variational_recurrent", True) is False
            and not _drops(getattr(cell, "_state_keep_prob", 0.0)))


def _multi(cell):
    return _steps_as(cell, legacy_rnn_cells().MultiRNNCell) and isinstance(getattr(cell, "_cells", None), (list, tuple))


def supported(cell):
    """True when the whole of ``cell`` runs as sequences on the kernel (see the module docstring)."""
    if isinstance(cell, tf0_rnn.ConcatenatedState):
        return supported(cell.cell)
    if _plain_dropout(cell):
        return supported(cell.cell)
    if _multi(cell):
        return all(supported(layer) for layer in cell._cells)
    return _leaf(cell) is not None


def run(cell, inputs, state, lengths, context):
    """``cell`` over time-major ``inputs`` [T, batch, depth] from ``state`` (None: zeros), its
    variables already built. Returns (outputs, a list of T tensors [batch, units], or one
    [T, batch, units] tensor where ``context.stacked``; final state in the cell's own structure)."""
    if isinstance(cell, tf0_rnn.ConcatenatedState):
        if state is not None:
            state = nest.pack_sequence_as(cell.cell.state_size, v1.split(state, cell.sizes, axis=1))
        outputs, final = run(cell.cell, inputs, state, lengths, context)
        return outputs, v1.concat(nest.flatten(final), 1)
    if _plain_dropout(cell):
        if _drops(cell._input_keep_prob):
            inputs = v1.nn.dropout(inputs, rate=1.0 - cell._input_keep_prob)  # a mask per step and example
        outputs, final = run(cell.cell, inputs, state, lengths, context)
        if _drops(cell._output_keep_prob) and context.stacked:
            outputs = v1.nn.dropout(outputs, rate=1.0 - cell._output_keep_prob)
        elif _drops(cell._output_keep_prob):  # step by step, so that an unread step costs nothing
            outputs = [v1.nn.dropout(output, rate=1.0 - cell._output_keep_prob) for output in outputs]
        return outputs, final
    if _multi(cell):
        return _run_layers(cell, inputs, state, lengths, context)
    return _leaf(cell).run(cell, inputs, state, lengths, context)


def _run_layers(cell, inputs, state, lengths, context):
    """MultiRNNCell: each layer over the whole sequence, the next reading its outputs.

    With lengths, a layer's outputs past an example's length are zeros and its state stays; the
    layer above then holds its state there too, as the stacked cell stepped by static_rnn does.
    """
    layers, tuple_state = cell._cells, cell._state_is_tuple
    if state is None:
        states = [None] * len(layers)
    elif tuple_state:
        states = list(state)
    else:
        states = v1.split(state, [int(layer.state_size) for layer in layers], axis=1)
    finals = []
    for layer, layer_state in zip(layers, states):
        outputs, final = run(layer, inputs, layer_state, lengths, context)
        finals.append(final)
        inputs = outputs if context.stacked else v1.stack(outputs)  # [T, batch, units]
    return outputs, tuple(finals) if tuple_state else v1.concat(finals, 1)
