"""tf.contrib.cudnn_rnn (TF 1.3 to 1.15): CudnnLSTM, CudnnGRU, CudnnRNNTanh and CudnnRNNRelu,
run as their CudnnCompatible cells, on the canonical weights.

A layer is called on time-major inputs, ``layer(inputs [time, batch, input], initial_state=None,
sequence_lengths=None, time_major=True, training=True)``, and returns ``(outputs [time, batch,
dirs * units], state)``: ``(h, c)`` for the LSTM, ``(h,)`` otherwise, each ``[layers * dirs,
batch, units]`` (layer-major, forward then backward). ``dropout`` acts between layers when training.

Where it differs from TF 1.x: TF 1.x kept one opaque cuDNN buffer (``cudnn_lstm/opaque_kernel``)
and saved it, through a saveable, under the names of the compatible cells that TF documented
for restoring on a CPU. Here those names are the layer's own variables, so a checkpoint from a
TF 1.x GPU run restores into it (its opaque buffer is simply not read), and one from the
compatible cells restores both ways:

    unidirectional  cudnn_lstm/rnn/multi_rnn_cell/cell_<k>/cudnn_compatible_lstm_cell/{kernel,bias}
    bidirectional   cudnn_lstm/stack_bidirectional_rnn/cell_<k>/bidirectional_rnn/{fw,bw}/<cell>/...

``cudnn_lstm/`` is the scope ``build`` runs in, as for TF 1.x's saveable: the layer's own when its
first call builds it, the caller's (no ``cudnn_lstm/``) when a program calls ``build`` first.

The weights start as TF 1.x's did: ``kernel_initializer`` (glorot_uniform) drawn per cuDNN gate
matrix, ``bias_initializer`` (zeros) per cuDNN bias, then converted (two biases summed). Every
layer runs the compatible cells, on a GPU too. A cuDNN path would pack the same variables with
cudnn_rnn_params.canonical_to_params and call ``tf.raw_ops.CudnnRNNV3`` once per layer (its
gradient is registered; the packing's is plain concat/reshape). Not provided: ``input_mode``
'skip_input' (cuDNN adds the input unprojected; the cells always project it), the saveables and
the opaque-buffer conversions (GPU ops).
"""
from tf1_rnn.compat import legacy_layers, legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.contrib_rnn_cells import plain_call
from tf1_rnn.legacy.cudnn_rnn_params import (BIDIRECTIONAL, UNIDIRECTIONAL, CudnnCompatibleGRUCell,
                                             CudnnCompatibleLSTMCell, CudnnParamsFormatConverterGRU,
                                             CudnnParamsFormatConverterLSTM, CudnnParamsFormatConverterRelu,
                                             CudnnParamsFormatConverterTanh, LSTMStateTuple)
from tf1_rnn.legacy.namespace import module

CUDNN_RNN_UNIDIRECTION, CUDNN_RNN_BIDIRECTION = UNIDIRECTIONAL, BIDIRECTIONAL
CUDNN_LSTM, CUDNN_GRU, CUDNN_RNN_RELU, CUDNN_RNN_TANH = "lstm", "gru", "rnn_relu", "rnn_tanh"
CUDNN_INPUT_LINEAR_MODE, CUDNN_INPUT_SKIP_MODE, CUDNN_INPUT_AUTO_MODE = "linear_input", "skip_input", "auto_select"


class _CudnnRNN(legacy_layers().Layer):
    """A stack of ``num_layers`` RNN layers of ``num_units``, one or both directions."""

    _rnn_mode = None
    _converter_class = None
    _cell_name = None  # the compatible cell's scope
    _variable_names = ()  # its variables, in the order its converter lists weights then biases

    def __init__(self, num_layers, num_units, input_mode=CUDNN_INPUT_LINEAR_MODE, direction=CUDNN_RNN_UNIDIRECTION,
                 dropout=0.0, seed=None, dtype=v1.float32, kernel_initializer=None, bias_initializer=None, name=None):
        what = type(self).__name__
        if not isinstance(input_mode, str):
            raise TypeError(f"{what}(num_layers, num_units, input_size, ...) is TF 1.0-1.2's op API with an opaque "
                            f"params buffer; the runner provides TF 1.3+'s layer: {what}(num_layers, num_units, "
                            "direction=...)(inputs, initial_state)")
        if input_mode not in (CUDNN_INPUT_LINEAR_MODE, CUDNN_INPUT_SKIP_MODE, CUDNN_INPUT_AUTO_MODE):
            raise ValueError(f"{what}: input_mode must be 'linear_input', 'skip_input' or 'auto_select', "
                             f"got {input_mode!r}")
        if direction not in (CUDNN_RNN_UNIDIRECTION, CUDNN_RNN_BIDIRECTION):
            raise ValueError(f"{what}: direction must be 'unidirectional' or 'bidirectional', got {direction!r}")
        dtype = v1.as_dtype(dtype)
        if dtype not in (v1.float16, v1.float32, v1.float64):
            raise ValueError(f"{what}: dtype must be float16, float32 or float64, got {dtype.name}")
        super().__init__(dtype=dtype, name=name)
        self._plain_dtype = dtype
        self._num_layers, self._num_units, self._input_mode, self._direction = (
            num_layers, num_units, input_mode, direction)
        self._dropout, self._seed = dropout, seed
        self._kernel_initializer = kernel_initializer or v1.glorot_uniform_initializer(seed=seed, dtype=dtype)
        self._bias_initializer = bias_initializer or v1.constant_initializer(0.0, dtype=dtype)
        self._input_size = None

    num_layers = property(lambda self: self._num_layers)
    num_units = property(lambda self: self._num_units)
    input_mode = property(lambda self: self._input_mode)
    rnn_mode = property(lambda self: self._rnn_mode)
    direction = property(lambda self: self._direction)
    num_dirs = property(lambda self: 1 if self._direction == CUDNN_RNN_UNIDIRECTION else 2)
    saveable = property(lambda self: None)  # the variables are canonical already: nothing to convert

    @property
    def input_size(self):
        if not self._input_size:
            raise ValueError(f"{type(self).__name__}.input_size is unknown until the layer is built")
        return self._input_size

    @property
    def canonical_weight_shapes(self):
        """cuDNN's weight shapes, layer by layer and direction by direction: [units, width] per gate."""
        return [shape for layer in range(self._num_layers) for _ in range(self.num_dirs)
                for shape in self._cudnn_weight_shapes(layer)]

    def _cudnn_weight_shapes(self, layer):
        """One cell's cuDNN matrices: each gate's on the input, then each gate's on the recurrent input."""
        gates, units = self._converter_class._num_params_per_layer // 2, self._num_units
        return [[units, self._converter().input_width(layer)]] * gates + [[units, units]] * gates

    @property
    def canonical_bias_shapes(self):
        return [[self._num_units]] * (self._num_layers * self.num_dirs * self._converter_class._num_params_per_layer)

    def state_shape(self, batch_size):
        """The shapes of the state's tensors: [layers * dirs, batch, units] each."""
        shape = [self._num_layers * self.num_dirs, batch_size, self._num_units]
        return (shape, shape) if self._rnn_mode == CUDNN_LSTM else (shape,)

    def _converter(self):
        return self._converter_class(self._num_layers, self._num_units, self.input_size, direction=self._direction)

    def _cell_scope(self, layer, direction):
        """Where the layer's cell for (layer, direction) keeps its variables, as TF 1.x's saveable named them."""
        if self._direction == CUDNN_RNN_UNIDIRECTION:
            return f"rnn/multi_rnn_cell/cell_{layer}"
        return f"stack_bidirectional_rnn/cell_{layer}/bidirectional_rnn/{direction}"

    def build(self, input_shape):
        shape, what = v1.TensorShape(input_shape), type(self).__name__
        if shape.rank != 3 or v1.dimension_value(shape[-1]) is None:
            raise ValueError(f"{what} needs 3-D inputs [time, batch, input] with the input size known; got {shape}")
        self._input_size = v1.dimension_value(shape[-1])
        if self._input_mode == CUDNN_INPUT_SKIP_MODE or (
                self._input_mode == CUDNN_INPUT_AUTO_MODE and self._input_size == self._num_units):
            raise ValueError(f"{what}: input_mode {self._input_mode!r} (the input added unprojected) has no "
                             "CudnnCompatible cell equivalent here; use input_mode='linear_input'")
        self._set_scope(None)
        # TF 1.x's saveable named the weights in the scope build() runs in: the layer's own
        # (cudnn_lstm/rnn/...) when the first call builds it, the caller's when build() is called first.
        self._weights_scope = v1.get_variable_scope()
        for layer in range(self._num_layers):
            for direction in ("fw", "bw")[:self.num_dirs]:
                self._add_cell_variables(layer, direction)
        self.built = True

    def _add_cell_variables(self, layer, direction):
        """The compatible cell's variables for (layer, direction), started as TF 1.x started cuDNN's."""
        drawn = []  # this cell's values in TF's layout, drawn once for all its variables

        def initializer_for(index):
            def initializer(shape, dtype=None, partition_info=None):
                if not drawn:
                    weights, biases = self._converter().cudnn_to_tf(*self._draw_cudnn_tensors(layer))
                    drawn.extend(weights + biases)
                return drawn[index]
            return initializer

        prefix = f"{self._cell_scope(layer, direction)}/{self._cell_name}"
        for index, (name, shape) in enumerate(zip(self._variable_names, self._cell_shapes(layer))):
            variable = v1.get_variable(f"{prefix}/{name}", shape, self._plain_dtype, initializer_for(index))
            if all(variable is not known for known in self._trainable_weights):
                self._trainable_weights.append(variable)

    def _draw_cudnn_tensors(self, layer):
        """One cell's cuDNN weights (each gate's input matrix, then each recurrent one) and biases."""
        shapes, dtype = self._cudnn_weight_shapes(layer), self._plain_dtype
        weights = [self._kernel_initializer(shape, dtype=dtype) for shape in shapes]
        biases = [self._bias_initializer([self._num_units], dtype=dtype) for _ in shapes]
        return weights, biases

    @plain_call
    def call(self, inputs, initial_state=None, sequence_lengths=None, time_major=True, training=True):
        what = type(self).__name__
        if initial_state is not None and not isinstance(initial_state, tuple):
            raise TypeError(f"{what}'s initial_state must be a tuple: (h, c) for CudnnLSTM, (h,) otherwise")
        inputs = v1.convert_to_tensor(inputs, dtype=self._plain_dtype)
        if not time_major:  # run time-major; [batch, time, ...] back at the end
            inputs = v1.transpose(inputs, [1, 0, 2])
            if initial_state is not None:
                initial_state = tuple(v1.transpose(s, [1, 0, 2]) for s in initial_state)
        states = self._split_states(initial_state, v1.shape(inputs)[1])
        finals, layer_inputs = [], inputs
        with v1.variable_scope(self._weights_scope, reuse=True, auxiliary_name_scope=False):  # build()'s variables
            for layer in range(self._num_layers):
                if layer > 0:
                    layer_inputs = self._dropout_between_layers(layer_inputs, training)
                layer_inputs, layer_finals = self._run_layer(layer, layer_inputs, states, sequence_lengths)
                finals += layer_finals
        return self._outputs_and_state(layer_inputs, finals, time_major)

    def _split_states(self, initial_state, batch_size):
        """Per (layer, direction), the initial state of its cell."""
        count = self._num_layers * self.num_dirs
        if initial_state is None:
            zeros = v1.zeros(v1.stack([count, batch_size, self._num_units]), self._plain_dtype)
            initial_state = (zeros, zeros) if self._rnn_mode == CUDNN_LSTM else (zeros,)
        expected = 2 if self._rnn_mode == CUDNN_LSTM else 1
        if len(initial_state) != expected:
            raise ValueError(f"{type(self).__name__}'s initial_state has {expected} tensor(s), "
                             f"got {len(initial_state)}")
        # per tensor of the state, its [batch, units] slices in (layer, direction) order
        parts = [v1.unstack(v1.convert_to_tensor(s, self._plain_dtype), num=count) for s in initial_state]
        if self._rnn_mode == CUDNN_LSTM:
            h, c = parts
            return [LSTMStateTuple(c[k], h[k]) for k in range(count)]
        return parts[0]

    def _dropout_between_layers(self, inputs, training):
        if not self._dropout or training is False:
            return inputs
        rate = self._dropout if training is True else v1.where(training, self._dropout, 0.0)
        return v1.nn.dropout(inputs, rate=rate, seed=self._seed)

    def _run_layer(self, layer, inputs, states, sequence_lengths):
        """One layer over the whole sequence: (outputs [time, batch, dirs * units], final states)."""
        first = layer * self.num_dirs
        if self._direction == CUDNN_RNN_UNIDIRECTION:
            outputs, final = v1.nn.dynamic_rnn(self._make_cell(), inputs, sequence_length=sequence_lengths,
                                               initial_state=states[first], time_major=True,
                                               scope=self._cell_scope(layer, "fw"))
            return outputs, [final]
        (fw, bw), finals = v1.nn.bidirectional_dynamic_rnn(
            self._make_cell(), self._make_cell(), inputs, sequence_length=sequence_lengths,
            initial_state_fw=states[first], initial_state_bw=states[first + 1], time_major=True,
            scope=self._cell_scope(layer, "fw").rpartition("/")[0])
        return v1.concat([fw, bw], 2), list(finals)

    def _outputs_and_state(self, outputs, finals, time_major):
        if self._rnn_mode == CUDNN_LSTM:
            state = (v1.stack([s.h for s in finals]), v1.stack([s.c for s in finals]))
        else:
            state = (v1.stack(finals),)
        if not time_major:
            outputs = v1.transpose(outputs, [1, 0, 2])
            state = tuple(v1.transpose(s, [1, 0, 2]) for s in state)
        return outputs, state


class CudnnLSTM(_CudnnRNN):
    """cuDNN's LSTM (no forget bias; two biases per gate, stored summed)."""
    _rnn_mode, _converter_class, _cell_name = CUDNN_LSTM, CudnnParamsFormatConverterLSTM, "cudnn_compatible_lstm_cell"
    _variable_names = ("kernel", "bias")

    def _make_cell(self):
        return CudnnCompatibleLSTMCell(self._num_units)

    def _cell_shapes(self, layer):
        width, units = self._converter().input_width(layer), self._num_units
        return [[width + units, 4 * units], [4 * units]]


class CudnnGRU(_CudnnRNN):
    """cuDNN's GRU (reset gate applied after the recurrent product)."""
    _rnn_mode, _converter_class, _cell_name = CUDNN_GRU, CudnnParamsFormatConverterGRU, "cudnn_compatible_gru_cell"
    _variable_names = ("gates/kernel", "candidate/input_projection/kernel", "candidate/hidden_projection/kernel",
                       "gates/bias", "candidate/input_projection/bias", "candidate/hidden_projection/bias")

    def _make_cell(self):
        return CudnnCompatibleGRUCell(self._num_units)

    def _cell_shapes(self, layer):
        width, units = self._converter().input_width(layer), self._num_units
        return [[width + units, 2 * units], [width, units], [units, units], [2 * units], [units], [units]]


class CudnnRNNTanh(_CudnnRNN):
    """A plain tanh RNN (BasicRNNCell's function, with cuDNN's two biases stored summed)."""
    _rnn_mode, _converter_class, _cell_name = CUDNN_RNN_TANH, CudnnParamsFormatConverterTanh, "basic_rnn_cell"
    _activation = staticmethod(v1.tanh)
    _variable_names = ("kernel", "bias")

    def _make_cell(self):
        return legacy_rnn_cells().BasicRNNCell(self._num_units, activation=self._activation)

    def _cell_shapes(self, layer):
        return [[self._converter().input_width(layer) + self._num_units, self._num_units], [self._num_units]]


class CudnnRNNRelu(CudnnRNNTanh):
    """A plain relu RNN."""
    _rnn_mode, _converter_class = CUDNN_RNN_RELU, CudnnParamsFormatConverterRelu
    _activation = staticmethod(v1.nn.relu)


EXPORTS = ["CudnnLSTM", "CudnnGRU", "CudnnRNNTanh", "CudnnRNNRelu", "CudnnCompatibleLSTMCell",
           "CudnnCompatibleGRUCell", "CudnnParamsFormatConverterLSTM", "CudnnParamsFormatConverterGRU",
           "CudnnParamsFormatConverterTanh", "CudnnParamsFormatConverterRelu", "CUDNN_RNN_UNIDIRECTION",
           "CUDNN_RNN_BIDIRECTION", "CUDNN_LSTM", "CUDNN_GRU", "CUDNN_RNN_RELU", "CUDNN_RNN_TANH",
           "CUDNN_INPUT_LINEAR_MODE", "CUDNN_INPUT_SKIP_MODE", "CUDNN_INPUT_AUTO_MODE"]


def modules():
    """{"tensorflow.contrib.cudnn_rnn": its namespace}."""
    return {"tensorflow.contrib.cudnn_rnn": module("tensorflow.contrib.cudnn_rnn",
                                                   **{name: globals()[name] for name in EXPORTS})}
