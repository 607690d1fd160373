"""tf.contrib.cudnn_rnn's canonical weights: the cells that compute cuDNN's functions on them,
and the conversions between TensorFlow's layout and cuDNN's.

A cuDNN RNN keeps, per layer and direction, one matrix per gate for the input (``w``, shape
[units, input width]) and one for the recurrent input (``r``, [units, units]), each with its own
bias. TensorFlow's canonical form, what TF 1.x checkpoints store, is a cell's variables:

    LSTM   cudnn_compatible_lstm_cell/kernel [in + units, 4 * units], gates [i, c, f, o] (cuDNN: i, f, c, o),
           bias = b_w + b_r
    GRU    cudnn_compatible_gru_cell/gates/{kernel,bias} ([reset, update]),
           candidate/input_projection/{kernel,bias} (w_h, b_wh), candidate/hidden_projection/{kernel,bias}
    RNN    basic_rnn_cell/{kernel,bias} (tanh or relu)

Going back to cuDNN's form splits each summed bias into two halves, as TF 1.x did. The cells
differ from the standard ones: the LSTM has no forget bias, the GRU applies its reset gate after
the recurrent product (``r * (h R + b_rh)``), as cuDNN does.
"""
from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.contrib_rnn_cells import LayerRNNCell, plain_call

LSTMStateTuple = legacy_rnn_cells().LSTMStateTuple
UNIDIRECTIONAL, BIDIRECTIONAL = "unidirectional", "bidirectional"


class CudnnCompatibleLSTMCell(LayerRNNCell):
    """cuDNN's LSTM step (TF 1.x: LSTMBlockCell with forget_bias=0): ``kernel``, ``bias`` (zeros)."""

    def __init__(self, num_units, reuse=None):
        super().__init__(_reuse=reuse, name="cudnn_compatible_lstm_cell")
        self._num_units = num_units

    state_size = property(lambda self: LSTMStateTuple(self._num_units, self._num_units))
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        input_size = v1.dimension_value(v1.TensorShape(inputs_shape)[-1])
        if input_size is None:
            raise ValueError(f"CudnnCompatibleLSTMCell needs the input size known; got shape {inputs_shape}")
        self._kernel = self.add_weight("kernel", [input_size + self._num_units, 4 * self._num_units])
        self._bias = self.add_weight("bias", [4 * self._num_units], initializer=v1.constant_initializer(0.0))
        self.built = True

    @plain_call
    def call(self, inputs, state):
        c, h = state
        gates = v1.nn.bias_add(v1.matmul(v1.concat([inputs, h], 1), self._kernel), self._bias)  # [batch, 4 * units]
        i, j, f, o = v1.split(gates, 4, axis=1)
        new_c = v1.sigmoid(f) * c + v1.sigmoid(i) * v1.tanh(j)
        new_h = v1.sigmoid(o) * v1.tanh(new_c)
        return new_h, LSTMStateTuple(new_c, new_h)


class CudnnCompatibleGRUCell(legacy_rnn_cells().GRUCell):
    """cuDNN's GRU step: ``h' = tanh(x W_h + b_wh + r * (h R_h + b_rh))``, ``h = (1 - u) h' + u h``."""

    def __init__(self, num_units, reuse=None, kernel_initializer=None):
        super().__init__(num_units, activation=None, reuse=reuse, kernel_initializer=kernel_initializer)

    def build(self, inputs_shape):
        input_size = v1.dimension_value(v1.TensorShape(inputs_shape)[-1])
        if input_size is None:
            raise ValueError(f"CudnnCompatibleGRUCell needs the input size known; got shape {inputs_shape}")
        units, kernel_init = self._num_units, self._kernel_initializer
        bias = self._bias_initializer
        self._gate_kernel = self.add_weight("gates/kernel", [input_size + units, 2 * units], initializer=kernel_init)
        self._gate_bias = self.add_weight("gates/bias", [2 * units], initializer=bias or v1.constant_initializer(1.0))
        self._input_kernel = self.add_weight("candidate/input_projection/kernel", [input_size, units],
                                             initializer=kernel_init)
        self._hidden_kernel = self.add_weight("candidate/hidden_projection/kernel", [units, units],
                                              initializer=kernel_init)
        self._input_bias = self.add_weight("candidate/input_projection/bias", [units],
                                           initializer=bias or v1.zeros_initializer())
        self._hidden_bias = self.add_weight("candidate/hidden_projection/bias", [units],
                                            initializer=bias or v1.zeros_initializer())
        self.built = True

    @plain_call
    def call(self, inputs, state):
        gates = v1.nn.bias_add(v1.matmul(v1.concat([inputs, state], 1), self._gate_kernel), self._gate_bias)
        reset, update = v1.split(v1.sigmoid(gates), 2, axis=1)
        recurrent = v1.nn.bias_add(v1.matmul(state, self._hidden_kernel), self._hidden_bias)
        candidate = self._activation(
            v1.nn.bias_add(v1.matmul(inputs, self._input_kernel), self._input_bias) + reset * recurrent)
        new_h = (1 - update) * candidate + update * state
        return new_h, new_h


def canonical_to_params(weights, biases):
    """cuDNN canonical weights and biases packed into one flat buffer: every weight matrix
    (row-major, as cuDNN's [units, width]) then every bias. For one layer this is the layout
    TensorFlow's ``CudnnRNN*`` ops read (Keras feeds them so); deeper stacks need
    ``tf.raw_ops.CudnnRNNCanonicalToParams`` on a GPU."""
    return v1.concat([v1.reshape(w, [-1]) for w in weights] + [v1.reshape(b, [-1]) for b in biases], 0)


class CudnnParamsFormatConverter:
    """Converts a cuDNN RNN's canonical weights between TF 1.x's layout and cuDNN's, for all
    layers and directions: TF's list is every layer's weights (forward, then backward) followed by
    every layer's biases; cuDNN's, two lists, each gate's input then recurrent tensors per layer."""

    _num_params_per_layer = None  # tensors per layer and direction, cuDNN side (weights or biases)

    def __init__(self, num_layers, num_units, input_size, num_proj=None, input_mode="linear_input",
                 direction=UNIDIRECTIONAL):
        if num_proj:
            raise ValueError(f"{type(self).__name__}: num_proj (LSTM projections) is not supported here")
        if direction not in (UNIDIRECTIONAL, BIDIRECTIONAL):
            raise ValueError(f"{type(self).__name__}: direction must be '{UNIDIRECTIONAL}' or '{BIDIRECTIONAL}', "
                             f"got {direction!r}")
        self._num_layers, self._num_units, self._input_size = num_layers, num_units, input_size
        self._input_mode, self._direction = input_mode, direction
        self._num_dirs = 1 if direction == UNIDIRECTIONAL else 2

    def input_width(self, layer):
        """Width of the input the given layer reads: the data for layer 0, else the layer below's output."""
        return self._input_size if layer == 0 else self._num_units * self._num_dirs

    def tf_canonical_to_cudnn_canonical(self, tf_canonicals):
        """TF 1.x's [weights..., biases...] -> (cuDNN weights, cuDNN biases)."""
        tf_canonicals = [v1.convert_to_tensor(t) for t in tf_canonicals]
        per_cell = len(tf_canonicals) // 2 // (self._num_layers * self._num_dirs)
        weights, biases = tf_canonicals[:len(tf_canonicals) // 2], tf_canonicals[len(tf_canonicals) // 2:]
        cu_weights, cu_biases = [], []
        for index in range(self._num_layers * self._num_dirs):
            part = slice(index * per_cell, (index + 1) * per_cell)
            cu_w, cu_b = self.tf_to_cudnn(index // self._num_dirs, weights[part], biases[part])
            cu_weights += cu_w
            cu_biases += cu_b
        return cu_weights, cu_biases

    def cudnn_canonical_to_tf_canonical(self, cu_weights, cu_biases):
        """(cuDNN weights, cuDNN biases) -> (TF 1.x's weights, TF 1.x's biases)."""
        per_cell = self._num_params_per_layer
        cu_weights = [v1.convert_to_tensor(w) for w in cu_weights]
        cu_biases = [v1.convert_to_tensor(b) for b in cu_biases]
        tf_weights, tf_biases = [], []
        for index in range(self._num_layers * self._num_dirs):
            part = slice(index * per_cell, (index + 1) * per_cell)
            weights, biases = self.cudnn_to_tf(list(cu_weights[part]), list(cu_biases[part]))
            tf_weights += weights
            tf_biases += biases
        return tf_weights, tf_biases

    def _split_weight(self, layer, kernel):
        """[input width + units, gates * units] -> per gate (w [units, width], r [units, units])."""
        per_gate = v1.split(v1.transpose(kernel), kernel.shape[-1] // self._num_units, axis=0)
        return [v1.split(gate, [self.input_width(layer), self._num_units], axis=1) for gate in per_gate]


class CudnnParamsFormatConverterLSTM(CudnnParamsFormatConverter):
    """LSTM: one kernel and one bias per cell; cuDNN's gates [i, f, c, o], TF's [i, c, f, o]."""

    _num_params_per_layer = 8
    _TF_ORDER = (0, 2, 1, 3)  # TF's gate k is cuDNN's gate _TF_ORDER[k] (the swap is its own inverse)

    def tf_to_cudnn(self, layer, weights, biases):
        (kernel,), (bias,) = weights, biases
        by_tf_gate = self._split_weight(layer, kernel)
        by_cu_gate = [by_tf_gate[k] for k in self._TF_ORDER]
        halves = [b * 0.5 for b in v1.split(bias, 4)]
        half_by_cu_gate = [halves[k] for k in self._TF_ORDER]
        return [w for w, _ in by_cu_gate] + [r for _, r in by_cu_gate], half_by_cu_gate * 2

    def cudnn_to_tf(self, weights, biases):
        w, r, b_w, b_r = weights[:4], weights[4:], biases[:4], biases[4:]
        kernel = v1.transpose(v1.concat([v1.concat([w[k], r[k]], 1) for k in self._TF_ORDER], 0))
        return [kernel], [v1.concat([b_w[k] + b_r[k] for k in self._TF_ORDER], 0)]


class CudnnParamsFormatConverterGRU(CudnnParamsFormatConverter):
    """GRU: gates kernel and bias ([reset, update]), then the candidate's input and hidden projections."""

    _num_params_per_layer = 6

    def tf_to_cudnn(self, layer, weights, biases):
        gate_kernel, input_kernel, hidden_kernel = weights
        gate_bias, input_bias, hidden_bias = biases
        (w_reset, r_reset), (w_update, r_update) = self._split_weight(layer, gate_kernel)
        reset_bias, update_bias = v1.split(gate_bias * 0.5, 2)
        cu_weights = [w_reset, w_update, v1.transpose(input_kernel), r_reset, r_update, v1.transpose(hidden_kernel)]
        return cu_weights, [reset_bias, update_bias, input_bias, reset_bias, update_bias, hidden_bias]

    def cudnn_to_tf(self, weights, biases):
        w_reset, w_update, w_h, r_reset, r_update, r_h = weights
        # [units, width + units] per gate
        stacked = [v1.concat([w_reset, r_reset], 1), v1.concat([w_update, r_update], 1)]
        gate_kernel = v1.transpose(v1.concat(stacked, 0))
        gate_bias = v1.concat([biases[0] + biases[3], biases[1] + biases[4]], 0)
        return [gate_kernel, v1.transpose(w_h), v1.transpose(r_h)], [gate_bias, biases[2], biases[5]]


class CudnnParamsFormatConverterTanh(CudnnParamsFormatConverter):
    """Plain RNN (tanh): one kernel and one bias per cell."""

    _num_params_per_layer = 2

    def tf_to_cudnn(self, layer, weights, biases):
        (kernel,), (bias,) = weights, biases
        ((w, r),) = self._split_weight(layer, kernel)
        return [w, r], [bias * 0.5, bias * 0.5]

    def cudnn_to_tf(self, weights, biases):
        w, r = weights
        return [v1.transpose(v1.concat([w, r], 1))], [biases[0] + biases[1]]


class CudnnParamsFormatConverterRelu(CudnnParamsFormatConverterTanh):
    """Plain RNN (relu): the same layout as tanh's."""
