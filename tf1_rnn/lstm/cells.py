"""RNN cells the tutorials built, made on TF's legacy cells (``tf.nn.rnn_cell``).

``SeededDropoutWrapper`` replaces ``DropoutWrapper(output_keep_prob=...)``: TF's wrapper draws
its masks from a stateful generator, whose position a checkpoint cannot hold, so a resumed run
would drop different units. Here a mask is a pure function of (seed, layer, training step,
time step): an uninterrupted run and a resumed one drop exactly the same units.
"""
from tf1_rnn.compat import legacy_rnn_cells, tf

CELLS = {"lstm": "BasicLSTMCell", "gru": "GRUCell", "rnn": "BasicRNNCell"}


def make_cell(kind, units, **kwargs):
    """A legacy cell by tutorial name: lstm -> BasicLSTMCell(forget_bias=1.0), gru, rnn."""
    rnn_cell = legacy_rnn_cells()
    if kind == "lstm":
        return rnn_cell.BasicLSTMCell(units, forget_bias=1.0, **kwargs)
    return getattr(rnn_cell, CELLS[kind])(units, **kwargs)


class SeededDropoutWrapper(legacy_rnn_cells().RNNCell):
    """Output dropout whose mask depends only on ``seed`` (an int [2] tensor) and the time step.

    The state carries a time counter beside the wrapped cell's state, so each time step of a
    sequence gets its own mask, as TF's DropoutWrapper gave.
    """

    def __init__(self, cell, keep_prob, seed):
        super().__init__()
        self._cell, self._keep_prob, self._seed = cell, keep_prob, seed

    @property
    def state_size(self):
        return (self._cell.state_size, 1)  # (wrapped state, time step as a float [batch, 1])

    @property
    def output_size(self):
        return self._cell.output_size

    def __call__(self, inputs, state, scope=None):
        # Called directly, as TF's wrappers are, so no scope is added: variables keep TF1's names.
        cell_state, time = state
        output, new_cell_state = self._cell(inputs, cell_state, scope=scope)
        output = dropout_at(output, self._keep_prob, self._seed, tf.cast(time[0, 0], tf.int32))
        return output, (new_cell_state, time + 1.0)


def dropout_at(output, keep_prob, seed, time_step):
    """Output dropout at one time step: the mask is a function of (seed, time step) alone.

    The one definition of the mask, shared by the wrapper above and the fused LSTM's dropout.
    """
    step_seed = tf.random.experimental.stateless_fold_in(seed, time_step)
    return tf.nn.experimental.stateless_dropout(output, rate=1.0 - keep_prob, seed=step_seed)


def dropout_seed(base_seed, layer, step):
    """The int64 [2] seed of one layer's masks at one training step."""
    return tf.stack([tf.constant(base_seed * 1009 + layer, tf.int64), tf.cast(step, tf.int64)])
