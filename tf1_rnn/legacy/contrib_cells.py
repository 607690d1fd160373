"""tf.contrib.rnn's Python cells that TensorFlow dropped: LayerNormBasicLSTMCell and the
projection and embedding wrappers, rebuilt on tf-keras's legacy ``RNNCell``.

Being RNNCells, each makes its variables under its class name in snake case, inside the
enclosing RNN's scope, as in TF 1.15 (``rnn/layer_norm_basic_lstm_cell/kernel``,
``rnn/output_projection_wrapper/{kernel,bias}`` with the wrapped cell below it).
"""
import math

from tf1_rnn.compat import TF1DefaultInitializer, legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.contrib_layers import slim_module

RNNCell = legacy_rnn_cells().RNNCell


class LayerNormBasicLSTMCell(RNNCell):
    """An LSTM with layer normalisation and recurrent dropout (contrib.rnn, TF 1.15).

    Layer norm (Ba et al., 2016) is applied to each gate's pre-activation and to the new cell
    state, with parameters ``{input,transform,forget,output,state}/{gamma,beta}``; the gates
    come from one ``kernel`` [input + units, 4 * units] in BasicLSTMCell's order [i, j, f, o],
    with a ``bias`` only when ``layer_norm=False``. Dropout (Semeniuta et al., 2016) acts on the
    candidate j, never on the state.
    """

    def __init__(self, num_units, forget_bias=1.0, input_size=None, activation=v1.tanh, layer_norm=True,
                 norm_gain=1.0, norm_shift=0.0, dropout_keep_prob=1.0, dropout_prob_seed=None, reuse=None):
        super().__init__(_reuse=reuse)
        del input_size  # deprecated and unused in TF 1.x already
        self._num_units, self._forget_bias, self._activation = num_units, forget_bias, activation
        self._layer_norm, self._norm_gain, self._norm_shift = layer_norm, norm_gain, norm_shift
        self._keep_prob, self._seed = dropout_keep_prob, dropout_prob_seed

    @property
    def state_size(self):
        return legacy_rnn_cells().LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def _norm(self, inputs, scope):
        """Layer norm over the last axis, its gain and shift created with TF 1.x's initial values."""
        shape, dtype = inputs.shape[-1:], inputs.dtype
        with v1.variable_scope(scope):
            v1.get_variable("gamma", shape, dtype, initializer=v1.constant_initializer(self._norm_gain))
            v1.get_variable("beta", shape, dtype, initializer=v1.constant_initializer(self._norm_shift))
        return slim_module("tf_slim").layer_norm(inputs, reuse=True, scope=scope)

    def call(self, inputs, state):
        c, h = state
        args = v1.concat([inputs, h], 1)  # [batch, input + units]
        kernel = v1.get_variable("kernel", [args.shape[-1], 4 * self._num_units], args.dtype)
        gates = v1.matmul(args, kernel)  # [batch, 4 * units]
        if not self._layer_norm:
            gates = v1.nn.bias_add(gates, v1.get_variable("bias", [4 * self._num_units], args.dtype))
        i, j, f, o = v1.split(gates, 4, axis=1)
        if self._layer_norm:
            i, j, f, o = (self._norm(gate, name) for gate, name in
                          zip((i, j, f, o), ("input", "transform", "forget", "output")))
        candidate = self._activation(j)
        if not isinstance(self._keep_prob, float) or self._keep_prob < 1:
            candidate = v1.nn.dropout(candidate, keep_prob=self._keep_prob, seed=self._seed)
        new_c = c * v1.sigmoid(f + self._forget_bias) + v1.sigmoid(i) * candidate
        if self._layer_norm:
            new_c = self._norm(new_c, "state")
        new_h = self._activation(new_c) * v1.sigmoid(o)
        return new_h, legacy_rnn_cells().LSTMStateTuple(new_c, new_h)


class _Wrapper(RNNCell):
    """A cell around ``cell``, whose state it passes through unchanged."""

    def __init__(self, cell, reuse=None):
        super().__init__(_reuse=reuse)
        if not all(hasattr(cell, name) for name in ("output_size", "state_size", "zero_state")) or not callable(cell):
            raise TypeError(f"{type(self).__name__} wraps an RNNCell; got {cell!r}")
        self._cell = cell

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    def zero_state(self, batch_size, dtype):
        with v1.name_scope(type(self).__name__ + "ZeroState"):
            return self._cell.zero_state(batch_size, dtype)


def _linear(inputs, output_size):
    """TF 1.x's ``_Linear`` in the current scope: ``kernel`` (the scope's initializer), ``bias`` (zeros)."""
    kernel = v1.get_variable("kernel", [inputs.shape[-1], output_size], inputs.dtype)
    bias = v1.get_variable("bias", [output_size], inputs.dtype, initializer=v1.constant_initializer(0.0))
    return v1.nn.bias_add(v1.matmul(inputs, kernel), bias)


class OutputProjectionWrapper(_Wrapper):
    """contrib.rnn.OutputProjectionWrapper: the cell's output times ``kernel`` plus ``bias``."""

    def __init__(self, cell, output_size, activation=None, reuse=None):
        super().__init__(cell, reuse)
        if output_size < 1:
            raise ValueError(f"OutputProjectionWrapper's output_size must be > 0: {output_size}")
        self._output_size, self._activation = output_size, activation

    @property
    def output_size(self):
        return self._output_size

    def call(self, inputs, state):
        output, new_state = self._cell(inputs, state)
        projected = _linear(output, self._output_size)
        return (self._activation(projected) if self._activation else projected), new_state


class InputProjectionWrapper(_Wrapper):
    """contrib.rnn.InputProjectionWrapper: the inputs projected to ``num_proj`` before the cell."""

    def __init__(self, cell, num_proj, activation=None, input_size=None, reuse=None):
        super().__init__(cell, reuse)
        del input_size  # deprecated and unused in TF 1.x already
        self._num_proj, self._activation = num_proj, activation

    def call(self, inputs, state):
        projected = _linear(inputs, self._num_proj)
        return self._cell(self._activation(projected) if self._activation else projected, state)


class EmbeddingWrapper(_Wrapper):
    """contrib.rnn.EmbeddingWrapper: integer inputs [batch, 1] looked up in ``embedding`` first.

    The embedding's initializer is ``initializer``, else the scope's one a script set, else
    uniform on [-sqrt(3), sqrt(3)] (variance 1), as in TF 1.x; the runner's stand-in for TF1's
    unset default does not count as set.
    """

    def __init__(self, cell, embedding_classes, embedding_size, initializer=None, reuse=None):
        super().__init__(cell, reuse)
        if embedding_classes <= 0 or embedding_size <= 0:
            raise ValueError("EmbeddingWrapper's embedding_classes and embedding_size must be > 0: "
                             f"{embedding_classes}, {embedding_size}")
        self._classes, self._size, self._initializer = embedding_classes, embedding_size, initializer

    def call(self, inputs, state):
        initializer = self._initializer or v1.get_variable_scope().initializer
        if initializer is None or isinstance(initializer, TF1DefaultInitializer):
            initializer = v1.random_uniform_initializer(-math.sqrt(3), math.sqrt(3))
        dtype = v1.nest.flatten(state)[0].dtype
        with v1.device("/cpu:0"):
            embedding = v1.get_variable("embedding", [self._classes, self._size], dtype, initializer=initializer)
            embedded = v1.nn.embedding_lookup(embedding, v1.reshape(inputs, [-1]))  # [batch, size]
        return self._cell(embedded, state)
