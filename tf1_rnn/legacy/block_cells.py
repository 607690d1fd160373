"""tf.contrib.rnn's block cells, on the fused kernels TensorFlow still ships.

TensorFlow 2.21 keeps the kernels contrib's cells called (``tf.raw_ops.LSTMBlockCell``,
``BlockLSTM``, ``GRUBlockCell`` and their ``*Grad`` ops) but registers a gradient only for
``BlockLSTM``: the per-step gradients lived in contrib, so they are registered here from the
kernels' own ``*Grad`` ops. Each cell keeps TF 1.15's constructor, defaults and variable names,
so a TF 1.x checkpoint restores into it:

    LSTMBlockCell        <scope>/lstm_cell/{kernel, bias[, w_i_diag, w_f_diag, w_o_diag]}
    LSTMBlockFusedCell   <scope>/lstm_fused_cell/{kernel, bias, ...}  (the whole sequence, one op)
    GRUBlockCell         <scope>/gru_cell/{w_ru, b_ru, w_c, b_c}
    GRUBlockCellV2       <scope>/gru_cell/{gates, candidate}/{kernel, bias}  (GRUCell's names)

The LSTM kernel's columns are the gates [i, ci, f, o], BasicLSTMCell's [i, j, f, o], so
LSTMBlockCell computes LSTMCell's function (BasicLSTMCell's without peepholes) and GRUBlockCellV2
GRUCell's (gates [r, u], gate bias initialised to 1). One difference, TF 1.x's too: with
``cell_clip`` the kernels' gradient passes straight through the clip.
"""
from tf1_rnn.compat import internal, layer_rnn_cell, legacy_layers, legacy_rnn_cells, tf as v1

LSTMStateTuple = legacy_rnn_cells().LSTMStateTuple
LayerRNNCell = layer_rnn_cell()


def _lstm_block_cell_grad(op, *grads):
    """Gradient of one LSTMBlockCell step: the kernel gives d[i, ci, f, o]; the matmuls are ours."""
    x, cs_prev, h_prev, w, wci, wcf, wco, b = op.inputs
    i, cs, f, o, ci, co, _ = op.outputs
    cs_prev_grad, dicfo, wci_grad, wcf_grad, wco_grad = v1.raw_ops.LSTMBlockCellGrad(
        x=x, cs_prev=cs_prev, h_prev=h_prev, w=w, wci=wci, wcf=wcf, wco=wco, b=b, i=i, cs=cs, f=f, o=o,
        ci=ci, co=co, cs_grad=grads[1], h_grad=grads[6], use_peephole=op.get_attr("use_peephole"))
    xh_grad = v1.matmul(dicfo, w, transpose_b=True)  # [batch, input + units]
    input_size = x.shape[1]
    w_grad = v1.matmul(v1.concat([x, h_prev], 1), dicfo, transpose_a=True)
    return (xh_grad[:, :input_size], cs_prev_grad, xh_grad[:, input_size:], w_grad, wci_grad, wcf_grad,
            wco_grad, v1.reduce_sum(dicfo, 0))


def _gru_block_cell_grad(op, *grads):
    """Gradient of one GRUBlockCell step: the kernel gives d[r, u] and d(candidate); the matmuls are ours."""
    x, h_prev, w_ru, w_c, b_ru, b_c = op.inputs
    r, u, c, _ = op.outputs
    x_grad, h_prev_grad, c_bar_grad, ru_bar_grad = v1.raw_ops.GRUBlockCellGrad(
        x=x, h_prev=h_prev, w_ru=w_ru, w_c=w_c, b_ru=b_ru, b_c=b_c, r=r, u=u, c=c, d_h=grads[3])
    w_ru_grad = v1.matmul(v1.concat([x, h_prev], 1), ru_bar_grad, transpose_a=True)
    w_c_grad = v1.matmul(v1.concat([x, h_prev * r], 1), c_bar_grad, transpose_a=True)
    return x_grad, h_prev_grad, w_ru_grad, w_c_grad, v1.reduce_sum(ru_bar_grad, 0), v1.reduce_sum(c_bar_grad, 0)


GRADIENTS = {"LSTMBlockCell": _lstm_block_cell_grad, "GRUBlockCell": _gru_block_cell_grad}


def register_gradients(patches):
    """Register the block cells' gradients, where TensorFlow has none, while the runner's namespace is
    installed. TensorFlow's registry has no public removal; its dict is taken back where it has one."""
    ops = internal("tensorflow.python.framework.ops", "the block cells' gradients stay registered after the run")
    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    for op_type, gradient in GRADIENTS.items():
        try:
            v1.RegisterGradient(op_type)(gradient)
        except KeyError:  # "Registering two gradient with name ...": TensorFlow's own stays
            continue
        if isinstance(registry, dict):
            patches.on_undo(lambda op_type=op_type: registry.pop(op_type, None))


def _input_size(shape, axis, cell):
    size = v1.dimension_value(v1.TensorShape(shape)[axis])
    if size is None:
        raise ValueError(f"{cell} needs the input's last dimension known when it is built; got shape {shape}")
    return size


class _LSTMBlockWeights:
    """The variables LSTMBlockCell and LSTMBlockFusedCell share, and the peephole inputs for the op."""

    def _build_lstm(self, input_size):
        units = self._num_units
        self._kernel = self.add_weight("kernel", [input_size + units, 4 * units])
        self._bias = self.add_weight("bias", [4 * units], initializer=v1.constant_initializer(0.0))
        if self._use_peephole:
            self._peepholes = [self.add_weight(name, [units]) for name in ("w_i_diag", "w_f_diag", "w_o_diag")]
        self.built = True

    def _op_arguments(self, dtype):
        """The keyword arguments LSTMBlockCell and BlockLSTM have in common, beyond x and the state."""
        if self._use_peephole:
            wci, wcf, wco = self._peepholes
        else:
            wci = wcf = wco = v1.zeros([self._num_units], dtype=dtype)
        return dict(w=self._kernel, wci=wci, wcf=wcf, wco=wco, b=self._bias, forget_bias=self._forget_bias,
                    cell_clip=self._cell_clip, use_peephole=self._use_peephole)


class LSTMBlockCell(_LSTMBlockWeights, LayerRNNCell):
    """tf.contrib.rnn.LSTMBlockCell: one LSTM step in one fused op (``tf.raw_ops.LSTMBlockCell``).

    State: ``LSTMStateTuple(c, h)``. ``cell_clip=None`` means no clipping (the op's -1; its own
    default would clip at 3). Peepholes, when used: ``w_{i,f,o}_diag``, as in TF 1.x.
    """

    def __init__(self, num_units, forget_bias=1.0, cell_clip=None, use_peephole=False, dtype=None, reuse=None,
                 name="lstm_cell"):
        super().__init__(_reuse=reuse, dtype=dtype, name=name)
        self._num_units, self._forget_bias, self._use_peephole = num_units, forget_bias, use_peephole
        self._cell_clip = -1.0 if cell_clip is None else cell_clip
        self.input_spec = legacy_layers().InputSpec(ndim=2)

    @property
    def state_size(self):
        return LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        self._build_lstm(_input_size(inputs_shape, 1, "LSTMBlockCell"))

    def call(self, inputs, state):
        cs_prev, h_prev = state
        _, cs, _, _, _, _, h = v1.raw_ops.LSTMBlockCell(x=inputs, cs_prev=cs_prev, h_prev=h_prev,
                                                        **self._op_arguments(inputs.dtype))
        return h, LSTMStateTuple(cs, h)


class LSTMBlockFusedCell(_LSTMBlockWeights, legacy_layers().Layer):
    """tf.contrib.rnn.LSTMBlockFusedCell: the whole sequence in one op (``tf.raw_ops.BlockLSTM``).

    Not an RNNCell: call it on time-major inputs, ``cell(inputs [time, batch, input],
    initial_state=None, dtype=None, sequence_length=None)``, for ``(outputs [time, batch, units],
    LSTMStateTuple(c, h))``. Outputs past a sequence's length are zero; its final state is the
    one at its last step (the initial state for length 0).
    """

    def __init__(self, num_units, forget_bias=1.0, cell_clip=None, use_peephole=False, reuse=None, dtype=None,
                 name="lstm_fused_cell"):
        super().__init__(_reuse=reuse, name=name, dtype=dtype)
        self._num_units, self._forget_bias, self._use_peephole = num_units, forget_bias, use_peephole
        self._cell_clip = -1.0 if cell_clip is None else cell_clip
        self.input_spec = legacy_layers().InputSpec(ndim=3)

    @property
    def num_units(self):
        return self._num_units

    def build(self, input_shape):
        self._build_lstm(_input_size(input_shape, 2, "LSTMBlockFusedCell"))

    def call(self, inputs, initial_state=None, dtype=None, sequence_length=None):
        time_len, batch_size = v1.shape(inputs)[0], v1.shape(inputs)[1]
        if initial_state is None:
            if dtype is None:
                raise ValueError("LSTMBlockFusedCell needs initial_state or dtype")
            zeros = v1.zeros(v1.stack([batch_size, self._num_units]), dtype=dtype)
            initial_state = (zeros, zeros)
        elif len(initial_state) != 2:
            raise ValueError("LSTMBlockFusedCell's initial_state must be a pair (c, h) or None")
        cs_prev, h_prev = initial_state
        dtype = dtype or cs_prev.dtype
        if sequence_length is None:
            seq_len_max = v1.cast(time_len, v1.int64)
        else:
            sequence_length = v1.convert_to_tensor(sequence_length)
            seq_len_max = v1.cast(v1.reduce_max(sequence_length), v1.int64)
        _, cs, _, _, _, _, h = v1.raw_ops.BlockLSTM(seq_len_max=seq_len_max, x=inputs, cs_prev=cs_prev,
                                                    h_prev=h_prev, **self._op_arguments(dtype))
        if sequence_length is None:
            return h, LSTMStateTuple(cs[-1], h[-1])
        mask = v1.transpose(v1.sequence_mask(sequence_length, time_len, dtype=dtype))  # [time, batch]
        h = h * mask[:, :, None]
        # Step t's state sits at t + 1 once the initial state is prepended, so length 0 gives it.
        last = v1.stack([v1.cast(sequence_length, v1.int32), v1.range(batch_size)], axis=1)  # [batch, 2]
        final_cs = v1.gather_nd(v1.concat([cs_prev[None], cs], 0), last)
        final_h = v1.gather_nd(v1.concat([h_prev[None], h], 0), last)
        return h, LSTMStateTuple(final_cs, final_h)


class GRUBlockCell(LayerRNNCell):
    """tf.contrib.rnn.GRUBlockCell: one GRU step in one fused op (``tf.raw_ops.GRUBlockCell``).

    Variables as TF 1.15 named them: ``w_ru`` [input + units, 2 * units] for the gates [r, u],
    ``b_ru`` (initialised to 1), ``w_c`` and ``b_c`` (0) for the candidate.
    """

    VARIABLE_NAMES = ("w_ru", "b_ru", "w_c", "b_c")

    def __init__(self, num_units=None, cell_size=None, reuse=None, name="gru_cell"):
        super().__init__(_reuse=reuse, name=name)
        if (cell_size is None) == (num_units is None):
            raise ValueError("GRUBlockCell takes exactly one of num_units or cell_size (its old name)")
        self._cell_size = cell_size if num_units is None else num_units
        self.input_spec = legacy_layers().InputSpec(ndim=2)

    @property
    def state_size(self):
        return self._cell_size

    @property
    def output_size(self):
        return self._cell_size

    def build(self, input_shape):
        rows, units = _input_size(input_shape, 1, type(self).__name__) + self._cell_size, self._cell_size
        w_ru, b_ru, w_c, b_c = self.VARIABLE_NAMES
        self._gate_kernel = self.add_weight(w_ru, [rows, 2 * units])
        self._gate_bias = self.add_weight(b_ru, [2 * units], initializer=v1.constant_initializer(1.0))
        self._candidate_kernel = self.add_weight(w_c, [rows, units])
        self._candidate_bias = self.add_weight(b_c, [units], initializer=v1.constant_initializer(0.0))
        self.built = True

    def call(self, inputs, h_prev):
        _, _, _, h = v1.raw_ops.GRUBlockCell(x=inputs, h_prev=h_prev, w_ru=self._gate_kernel,
                                             w_c=self._candidate_kernel, b_ru=self._gate_bias,
                                             b_c=self._candidate_bias)
        return h, h


class GRUBlockCellV2(GRUBlockCell):
    """tf.contrib.rnn.GRUBlockCellV2: GRUBlockCell under GRUCell's variable names, so either
    restores the other's checkpoint: ``gru_cell/gates/{kernel,bias}``, ``gru_cell/candidate/...``."""

    VARIABLE_NAMES = ("gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias")
