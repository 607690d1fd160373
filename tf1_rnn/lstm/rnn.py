"""The tutorials' RNN calls (static_rnn, static_bidirectional_rnn, dynamic_rnn with seeded
dropout) on the fused LSTM of :mod:`tf1_rnn.lstm.fused`, with the cell version's variable names.

Inputs are time-major ([T, batch, depth]): one tensor per sequence instead of static_rnn's
list of T tensors; outputs are static_rnn's list, so that reading one step costs no more.
``static_rnn`` names its variables ``rnn/basic_lstm_cell/*``, ``static_bidirectional_rnn``
``bidirectional_rnn/{fw,bw}/basic_lstm_cell/*``, and so do these.

Pruning. In the cell version TensorFlow runs only the ops a fetched tensor needs: the
published BiLSTM reads ``outputs[-1]``, where the backward LSTM has read only the last row,
so its other 27 steps never run (nor their gradients). A fused sequence is one function, so
here the caller says which time steps it reads (``bidirectional_lstm(..., read=[27])``) and
only the steps those outputs depend on are computed.
"""
import contextlib
from typing import NamedTuple, Optional

from tf1_rnn.compat import legacy_rnn_cells, tf
from tf1_rnn.lstm import cells
from tf1_rnn.lstm.arithmetic import lstm_variables
from tf1_rnn.lstm.sequence import lstm_sequence


def lstm(inputs, n_hidden, impl, initial_state=None, sequence_length=None, state_is_tuple=True, scope=None,
         shards=None):
    """``static_rnn(BasicLSTMCell(n_hidden, forget_bias=1.0), ...)`` on time-major ``inputs``.

    ``initial_state``: ``(c, h)`` (state_is_tuple) or TF 0.x's concatenated [batch, 2H], or None
    for zeros. Returns ``(outputs, final state)``: outputs a list of T tensors [batch, H], the
    state in the form given.
    ``impl``: the implementation (``impl.choose``); ``shards``: parts of the batch run as
    independent recurrences (default: ``impl.shards``).
    """
    with tf.variable_scope(scope or "rnn"):
        return _run(inputs, n_hidden, impl, initial_state, sequence_length, state_is_tuple,
                    shards or impl.shards(n_hidden))


class BiOutputs(NamedTuple):
    """What a bidirectional LSTM computed. Time t of static_bidirectional_rnn's outputs is ``at(t)``."""
    fw: list                     # fw_steps x [batch, H]: forward outputs at times 0 .. fw_steps - 1
    bw: list                     # bw_steps x [batch, H]: backward outputs at times T - bw_steps .. T - 1
    state_fw: Optional[object]   # final states; None for a direction pruned before its last step
    state_bw: Optional[object]
    n_steps: int                 # T
    bw_first: Optional[tf.Tensor] = None  # with sequence_length: the backward LSTM's first output
    lengths: Optional[tf.Tensor] = None

    def at(self, t):
        """[batch, 2H]: forward then backward output at time ``t``, as ``outputs[t]``."""
        t = t % self.n_steps
        first_bw = self.n_steps - len(self.bw)
        if t >= len(self.fw) or t < first_bw:
            raise ValueError(f"time step {t} was pruned; pass it in read=")
        if t == self.n_steps - 1 and self.lengths is not None:
            # The last time step without reversing every output: an example of full length has
            # the backward LSTM's first output there, a shorter one zeros (its outputs past its length).
            full = tf.equal(tf.cast(self.lengths, tf.int32), self.n_steps)[:, None]
            return tf.concat([self.fw[t], tf.where_v2(full, self.bw_first, 0.0)], 1)
        return tf.concat([self.fw[t], self.bw[t - first_bw]], 1)


def bidirectional_lstm(inputs, n_hidden, impl, initial_state_fw=None, initial_state_bw=None, sequence_length=None,
                       state_is_tuple=True, read=None, scope=None):
    """``static_bidirectional_rnn`` of two BasicLSTMCell(n_hidden) on time-major ``inputs``.

    ``read``: the time steps whose outputs the caller uses (default: all). The forward LSTM then
    runs to the last of them, the backward one (which starts at T - 1) down to the first. With
    ``sequence_length`` the backward LSTM reads each example from its own last step, so both
    run all steps.
    """
    inputs = tf.convert_to_tensor(inputs)
    n_steps = inputs.shape[0]
    if read is not None and not read:
        raise ValueError("read= names no time step")
    read = range(n_steps) if read is None or sequence_length is not None else [t % n_steps for t in read]
    fw_steps, bw_steps = max(read) + 1, n_steps - min(read)
    shards_fw, shards_bw = impl.shards_side_by_side(n_hidden, fw_steps, bw_steps)
    with tf.variable_scope(scope or "bidirectional_rnn"):
        with tf.variable_scope("fw"):
            fw, state_fw = _run(inputs[:fw_steps] if fw_steps < n_steps else inputs, n_hidden, impl,
                                initial_state_fw, sequence_length, state_is_tuple, shards_fw)
        with tf.variable_scope("bw"):
            if sequence_length is None:
                reversed_inputs = tf.reverse(inputs[n_steps - bw_steps:], [0])  # times T-1 down to T-bw_steps
            else:
                reversed_inputs = tf.reverse_sequence(inputs, sequence_length, seq_axis=0, batch_axis=1)
            bw_run, state_bw = _run(reversed_inputs, n_hidden, impl, initial_state_bw, sequence_length,
                                    state_is_tuple, shards_bw)
            if sequence_length is None:
                bw = bw_run[::-1]
            else:  # built, and run only if read
                bw = tf.unstack(tf.reverse_sequence(tf.stack(bw_run), sequence_length, seq_axis=0, batch_axis=1))
    return BiOutputs(fw, bw, state_fw if fw_steps == n_steps else None, state_bw if bw_steps == n_steps else None,
                     n_steps, bw_run[0], sequence_length)


def dropout_lstm(inputs, n_hidden, impl, keep_prob, seeds):
    """``dynamic_rnn`` of ``SeededDropoutWrapper(BasicLSTMCell)`` layers (MultiRNNCell when several).

    ``seeds``: one dropout seed per layer (``cells.dropout_seed``). Each layer's output at time t
    is dropped with the mask the wrapper draws at that time step, so both versions drop the same
    units. Returns the top layer's dropped outputs, a list of T tensors [batch, H] (read only
    the ones you need: the others are then never computed).
    """
    with tf.variable_scope("rnn"):
        for layer, seed in enumerate(seeds):
            with (tf.variable_scope(f"multi_rnn_cell/cell_{layer}") if len(seeds) > 1 else contextlib.nullcontext()):
                outputs, _ = _run(inputs, n_hidden, impl, None, None, True, impl.shards(n_hidden))
            outputs = [cells.dropout_at(output, keep_prob, seed, tf.constant(t, tf.int32))
                       for t, output in enumerate(outputs)]
            inputs = tf.stack(outputs)
    return outputs


def _run(inputs, n_hidden, impl, initial_state, sequence_length, state_is_tuple, shards=1):
    """One LSTM over ``inputs`` under the current variable scope; returns (outputs, final state)."""
    inputs = tf.convert_to_tensor(inputs)
    kernel, bias = lstm_variables(inputs.shape[2], n_hidden)
    if initial_state is not None and not state_is_tuple:
        initial_state = tf.split(initial_state, 2, axis=1)  # TF 0.x: [c, h] side by side
    outputs, c, h = lstm_sequence(inputs, kernel, bias, impl, initial_state, sequence_length, shards=shards)
    state = legacy_rnn_cells().LSTMStateTuple(c, h) if state_is_tuple else tf.concat([c, h], 1)
    return outputs, state
