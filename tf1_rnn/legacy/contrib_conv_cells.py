"""tf.contrib.rnn's convolutional LSTMs (Shi et al., 2015): ConvLSTMCell and its 1-D, 2-D and
3-D forms, whose gates are convolutions ("SAME" padding, stride 1) over the input and the
previous output instead of matrix products.

Inputs are ``[batch] + input_shape`` (spatial dimensions, then channels); the state is
``LSTMStateTuple(c, h)``, each ``[batch] + spatial + [output_channels]``. Variables, as in TF 1.15:
``<scope>/{kernel, biases}`` with ``kernel`` of shape ``kernel_shape + [in + out channels,
4 * out channels]`` (gates [i, j, f, o]) and ``biases`` from zeros; the scope is the cell's
``name`` (``conv_lstm_cell``, ``conv_2d_lstm_cell``, ...).

One difference: with ``skip_connection=True`` TF 1.x also put the input channels into the
state's h, which its own state_size did not declare, so any RNN over more than one step failed;
here h keeps the LSTM's output and only the returned output carries the input channels.
"""
from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.contrib_rnn_cells import plain_call

RNNCell = legacy_rnn_cells().RNNCell
LSTMStateTuple = legacy_rnn_cells().LSTMStateTuple


class ConvLSTMCell(RNNCell):
    """A convolutional LSTM over ``conv_ndims`` (1, 2 or 3) spatial dimensions."""

    def __init__(self, conv_ndims, input_shape, output_channels, kernel_shape, use_bias=True,
                 skip_connection=False, forget_bias=1.0, initializers=None, name="conv_lstm_cell"):
        super().__init__(name=name)
        del initializers  # unused in TF 1.x too
        self._check(conv_ndims, input_shape, kernel_shape)
        self._conv_ndims, self._input_shape = conv_ndims, list(input_shape)
        self._output_channels, self._kernel_shape = output_channels, list(kernel_shape)
        self._use_bias, self._skip_connection, self._forget_bias = use_bias, skip_connection, forget_bias

    @staticmethod
    def _check(conv_ndims, input_shape, kernel_shape):
        if conv_ndims not in (1, 2, 3):
            raise ValueError(f"ConvLSTMCell's conv_ndims must be 1, 2 or 3, got {conv_ndims}")
        if len(input_shape) != conv_ndims + 1:
            raise ValueError(f"ConvLSTMCell: input_shape {list(input_shape)} must have conv_ndims + 1 = "
                             f"{conv_ndims + 1} entries (the spatial dimensions, then channels, without the batch)")
        if len(kernel_shape) != conv_ndims:
            raise ValueError(f"ConvLSTMCell: kernel_shape {list(kernel_shape)} must have conv_ndims = "
                             f"{conv_ndims} entries")

    @property
    def state_size(self):
        size = v1.TensorShape(self._input_shape[:-1] + [self._output_channels])
        return LSTMStateTuple(size, size)

    @property
    def output_size(self):
        extra = self._input_shape[-1] if self._skip_connection else 0
        return v1.TensorShape(self._input_shape[:-1] + [self._output_channels + extra])

    def _gates(self, inputs, hidden):
        """The four gates' pre-activations, [batch, spatial..., 4 * output_channels]."""
        stacked = v1.concat([inputs, hidden], axis=-1)  # [batch, spatial..., in + out channels]
        kernel = v1.get_variable("kernel", self._kernel_shape + [stacked.shape[-1], 4 * self._output_channels],
                                 inputs.dtype)
        gates = v1.nn.convolution(stacked, kernel, padding="SAME")
        if not self._use_bias:
            return gates
        biases = v1.get_variable("biases", [4 * self._output_channels], inputs.dtype,
                                 initializer=v1.constant_initializer(0.0))
        return gates + biases

    @plain_call
    def call(self, inputs, state, scope=None):
        expected = [None] + self._input_shape
        if not inputs.shape.is_compatible_with(expected):
            raise ValueError(f"{type(self).__name__} expects inputs of shape [batch] + input_shape = {expected}, "
                             f"got {inputs.shape}")
        cell, hidden = state
        i, j, f, o = v1.split(self._gates(inputs, hidden), 4, axis=-1)
        new_cell = v1.sigmoid(f + self._forget_bias) * cell + v1.sigmoid(i) * v1.tanh(j)
        new_hidden = v1.tanh(new_cell) * v1.sigmoid(o)
        output = v1.concat([new_hidden, inputs], axis=-1) if self._skip_connection else new_hidden
        return output, LSTMStateTuple(new_cell, new_hidden)


class Conv1DLSTMCell(ConvLSTMCell):
    """ConvLSTMCell over one spatial dimension: inputs [batch, width, channels]."""

    def __init__(self, name="conv_1d_lstm_cell", **kwargs):
        super().__init__(conv_ndims=1, name=name, **kwargs)


class Conv2DLSTMCell(ConvLSTMCell):
    """ConvLSTMCell over two spatial dimensions: inputs [batch, height, width, channels]."""

    def __init__(self, name="conv_2d_lstm_cell", **kwargs):
        super().__init__(conv_ndims=2, name=name, **kwargs)


class Conv3DLSTMCell(ConvLSTMCell):
    """ConvLSTMCell over three spatial dimensions: inputs [batch, depth, height, width, channels]."""

    def __init__(self, name="conv_3d_lstm_cell", **kwargs):
        super().__init__(conv_ndims=3, name=name, **kwargs)
