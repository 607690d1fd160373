"""tf.contrib.rnn's research cells that TensorFlow dropped, rebuilt on tf-keras's legacy cells.

CoupledInputForgetGateLSTMCell, NASCell, UGRNNCell, IntersectionRNNCell and GLSTMCell compute
TF 1.15's equations and make TF 1.15's variables, under the cell's scope inside the enclosing
RNN's (``rnn/ugrnn_cell/kernel``), so a TF 1.x checkpoint restores:

    CoupledInputForgetGateLSTMCell  W_0 [input + proj, 3 * units] ([j, f, o]), B, W_F_diag, W_O_diag,
                                    W_P_0, {transform,forget,output,state}/{gamma,beta}
    NASCell                         recurrent_kernel, kernel (8 branches each), bias, projection_weights
    UGRNNCell                       kernel [input + units, 2 * units] ([gate, candidate]), bias
    IntersectionRNNCell             in_projection/{kernel,bias}, kernel ([gh, h, gy, y]), bias
    GLSTMCell                       group<k>/kernel, bias_{i,j,f,o}, projection/kernel

As in TF 1.15, CoupledInputForgetGateLSTMCell ignores its ``initializer`` (UGRNN, Intersection
and GLSTM use theirs) and sharded weights ``W_<k>`` are concatenated at each call. The helpers
here (``linear``, ``sharded_variable``, ...) make TF 1.x's variables for the other contrib cells too.
"""
import contextlib
import inspect

from tf1_rnn.compat import layer_rnn_cell, legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.contrib_layers import slim_module

RNNCell = legacy_rnn_cells().RNNCell
LayerRNNCell = layer_rnn_cell()
LSTMStateTuple = legacy_rnn_cells().LSTMStateTuple


def plain_call(call):
    """``call`` kept out of autograph, which Keras would run it through, burying the cell's own
    one-line errors under "in user code:" lines (the cells have no tensor-dependent Python control
    flow to convert). Its signature stays visible: Keras passes ``training`` only to calls taking it."""
    wrapped = v1.autograph.experimental.do_not_convert(call)
    wrapped.__signature__ = inspect.signature(call)
    return wrapped


def static_size(tensor, cell):
    """The size of the last axis of a 2-D ``tensor``, which ``cell`` needs known when it is built."""
    shape = tensor.shape
    if shape.rank != 2 or v1.dimension_value(shape[1]) is None:
        raise ValueError(f"{cell} needs 2-D inputs [batch, size] with the size known; got shape {shape}")
    return v1.dimension_value(shape[1])


def linear(args, output_size, bias=True):
    """TF 1.x's ``_Linear`` in the current scope: ``concat(args) @ kernel (+ bias)``, bias from zeros."""
    args = list(args) if isinstance(args, (list, tuple)) else [args]
    inputs = args[0] if len(args) == 1 else v1.concat(args, 1)  # [batch, sum of sizes]
    kernel = v1.get_variable("kernel", [inputs.shape[-1], output_size], inputs.dtype)
    product = v1.matmul(inputs, kernel)
    if not bias:
        return product
    bias = v1.get_variable("bias", [output_size], inputs.dtype, initializer=v1.constant_initializer(0.0))
    return v1.nn.bias_add(product, bias)


def sharded_variable(name, shape, dtype, num_shards):
    """TF 1.x's row-sharded weight: ``<name>_0`` ... ``<name>_<n-1>``, the first rows one longer."""
    rows = shape[0]
    if num_shards > rows:
        raise ValueError(f"too many shards for {name}: {num_shards} shards of {rows} rows")
    base, longer = divmod(rows, num_shards)
    shards = [v1.get_variable(f"{name}_{k}", [base + (k < longer)] + list(shape[1:]), dtype)
              for k in range(num_shards)]
    return shards[0] if num_shards == 1 else v1.concat(shards, 0, name=name + "/concat")


def layer_norm(inputs, scope, gain, shift):
    """Layer norm over the last axis with ``<scope>/{gamma,beta}`` created at TF 1.x's initial values."""
    with v1.variable_scope(scope):
        v1.get_variable("gamma", inputs.shape[-1:], initializer=v1.constant_initializer(gain))
        v1.get_variable("beta", inputs.shape[-1:], initializer=v1.constant_initializer(shift))
    return slim_module("tf_slim").layer_norm(inputs, reuse=True, scope=scope)


def initializer_scope(initializer):
    """The current scope with ``initializer`` as its default (TF 1.x's per-cell ``initializer``)."""
    if initializer is None:
        return contextlib.nullcontext()
    return v1.variable_scope(v1.get_variable_scope(), initializer=initializer)


def lstm_state_size(num_units, num_proj):
    return LSTMStateTuple(num_units, num_proj or num_units)


class CoupledInputForgetGateLSTMCell(RNNCell):
    """An LSTM whose input gate is one minus its forget gate (Greff et al., 2015), with optional
    peepholes, projection and layer norm; gates [j, f, o] from one weight ``W``."""

    def __init__(self, num_units, use_peepholes=False, initializer=None, num_proj=None, proj_clip=None,
                 num_unit_shards=1, num_proj_shards=1, forget_bias=1.0, state_is_tuple=True,
                 activation=v1.tanh, reuse=None, layer_norm=False, norm_gain=1.0, norm_shift=0.0):
        super().__init__(_reuse=reuse)
        del initializer  # TF 1.x accepted and ignored it
        self._num_units, self._use_peepholes, self._num_proj, self._proj_clip = (
            num_units, use_peepholes, num_proj, proj_clip)
        self._unit_shards, self._proj_shards = num_unit_shards, num_proj_shards
        self._forget_bias, self._state_is_tuple, self._activation = forget_bias, state_is_tuple, activation
        self._layer_norm, self._norm_gain, self._norm_shift = layer_norm, norm_gain, norm_shift

    @property
    def state_size(self):
        size = lstm_state_size(self._num_units, self._num_proj)
        return size if self._state_is_tuple else sum(size)

    @property
    def output_size(self):
        return self._num_proj or self._num_units

    def _norm(self, inputs, scope):
        return layer_norm(inputs, scope, self._norm_gain, self._norm_shift) if self._layer_norm else inputs

    @plain_call
    def call(self, inputs, state):
        units, out = self._num_units, self.output_size
        c_prev, m_prev = state if self._state_is_tuple else v1.split(state, [units, out], axis=1)
        dtype, input_size = inputs.dtype, static_size(inputs, "CoupledInputForgetGateLSTMCell")
        weights = sharded_variable("W", [input_size + out, 3 * units], dtype, self._unit_shards)
        bias = v1.get_variable("B", [3 * units], dtype, initializer=v1.zeros_initializer())
        gates = v1.matmul(v1.concat([inputs, m_prev], 1), weights)  # [batch, 3 * units]
        if not self._layer_norm:  # with layer norm, B exists but is unused (as in TF 1.x)
            gates = v1.nn.bias_add(gates, bias)
        j, f, o = (self._norm(gate, name) for gate, name in zip(v1.split(gates, 3, axis=1),
                                                                 ("transform", "forget", "output")))
        if self._use_peepholes:
            w_f_diag = v1.get_variable("W_F_diag", [units], dtype)
            w_o_diag = v1.get_variable("W_O_diag", [units], dtype)
            f = f + w_f_diag * c_prev
        forget = v1.sigmoid(f + self._forget_bias)
        c = self._norm(forget * c_prev + (1 - forget) * self._activation(j), "state")
        if self._use_peepholes:
            o = o + w_o_diag * c
        m = v1.sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = v1.matmul(m, sharded_variable("W_P", [units, self._num_proj], dtype, self._proj_shards))
            if self._proj_clip is not None:
                m = v1.clip_by_value(m, -self._proj_clip, self._proj_clip)
        return m, (LSTMStateTuple(c, m) if self._state_is_tuple else v1.concat([c, m], 1))


class NASCell(LayerRNNCell):
    """The recurrent cell found by Neural Architecture Search (Zoph & Le, 2017): eight branches of
    input and recurrent projections combined in a fixed tree, with an optional projection."""

    def __init__(self, num_units, num_proj=None, use_bias=False, reuse=None, **kwargs):
        super().__init__(_reuse=reuse, **kwargs)
        self._num_units, self._num_proj, self._use_bias = num_units, num_proj, use_bias

    @property
    def state_size(self):
        return lstm_state_size(self._num_units, self._num_proj)

    @property
    def output_size(self):
        return self._num_proj or self._num_units

    def build(self, inputs_shape):
        input_size = v1.dimension_value(v1.TensorShape(inputs_shape)[-1])
        if input_size is None or v1.TensorShape(inputs_shape).rank != 2:
            raise ValueError(f"NASCell needs 2-D inputs [batch, size] with the size known; got {inputs_shape}")
        branches = 8 * self._num_units
        self.recurrent_kernel = self.add_weight("recurrent_kernel", [self.output_size, branches])
        self.kernel = self.add_weight("kernel", [input_size, branches])
        if self._use_bias:
            self.bias = self.add_weight("bias", [branches], initializer=v1.zeros_initializer())
        if self._num_proj is not None:
            self.projection_weights = self.add_weight("projection_weights", [self._num_units, self._num_proj])
        self.built = True

    @plain_call
    def call(self, inputs, state):
        c_prev, m_prev = state
        recurrent = v1.matmul(m_prev, self.recurrent_kernel)
        if self._use_bias:
            recurrent = v1.nn.bias_add(recurrent, self.bias)
        x = v1.split(v1.matmul(inputs, self.kernel), 8, axis=1)
        r = v1.split(recurrent, 8, axis=1)
        sigmoid, tanh, relu = v1.sigmoid, v1.tanh, v1.nn.relu
        first = (sigmoid(x[0] + r[0]), relu(x[1] + r[1]), sigmoid(x[2] + r[2]), relu(x[3] * r[3]),
                 tanh(x[4] + r[4]), sigmoid(x[5] + r[5]), tanh(x[6] + r[6]), sigmoid(x[7] + r[7]))
        second = (tanh(first[0] * first[1]), tanh(first[2] + first[3]),
                  tanh(first[4] * first[5]), sigmoid(first[6] + first[7]))
        new_c = tanh(second[0] + c_prev) * second[1]  # the cell state enters at the first node
        new_m = tanh(new_c * tanh(second[2] + second[3]))
        if self._num_proj is not None:
            new_m = v1.matmul(new_m, self.projection_weights)
        return new_m, LSTMStateTuple(new_c, new_m)


class UGRNNCell(RNNCell):
    """Update-gate RNN (Collins et al., 2017): one gate mixes the old state with a candidate."""

    def __init__(self, num_units, initializer=None, forget_bias=1.0, activation=v1.tanh, reuse=None):
        super().__init__(_reuse=reuse)
        self._num_units, self._initializer = num_units, initializer
        self._forget_bias, self._activation = forget_bias, activation

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    @plain_call
    def call(self, inputs, state):
        static_size(inputs, "UGRNNCell")
        with initializer_scope(self._initializer):
            gate, candidate = v1.split(linear([inputs, state], 2 * self._num_units), 2, axis=1)
        gate = v1.sigmoid(gate + self._forget_bias)
        new_state = gate * state + (1.0 - gate) * self._activation(candidate)
        return new_state, new_state


class IntersectionRNNCell(RNNCell):
    """Intersection RNN (+RNN, Collins et al., 2017): gated paths through time (the state) and
    through depth (the output), so its input size must equal ``num_units``; set ``num_in_proj``
    on a stack's first layer to project its inputs to that size (``in_projection``)."""

    def __init__(self, num_units, num_in_proj=None, initializer=None, forget_bias=1.0, y_activation=v1.nn.relu,
                 reuse=None):
        super().__init__(_reuse=reuse)
        self._num_units, self._num_in_proj, self._initializer = num_units, num_in_proj, initializer
        self._forget_bias, self._y_activation = forget_bias, y_activation

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    @plain_call
    def call(self, inputs, state):
        units = self._num_units
        input_size = static_size(inputs, "IntersectionRNNCell")
        with initializer_scope(self._initializer):
            if input_size != units:
                if not self._num_in_proj:
                    raise ValueError(f"IntersectionRNNCell needs input size == num_units ({input_size} != {units}); "
                                     "set num_in_proj=num_units on the first layer to project its inputs")
                with v1.variable_scope("in_projection"):
                    inputs = linear(inputs, units)
            gh, h, gy, y = v1.split(linear([inputs, state], 4 * units), 4, axis=1)
        gh = v1.sigmoid(gh + self._forget_bias)
        gy = v1.sigmoid(gy + self._forget_bias)
        new_state = gh * state + (1.0 - gh) * v1.tanh(h)
        new_y = gy * inputs + (1.0 - gy) * self._y_activation(y)
        return new_y, new_state


class GLSTMCell(RNNCell):
    """Group LSTM (Kuchaiev & Ginsburg, 2017): ``number_of_groups`` LSTMs side by side, each
    reading its slice of the input and of the previous output; biases shared as ``bias_{i,j,f,o}``."""

    def __init__(self, num_units, initializer=None, num_proj=None, number_of_groups=1, forget_bias=1.0,
                 activation=v1.tanh, reuse=None):
        super().__init__(_reuse=reuse)
        for what, size in (("num_units", num_units), ("num_proj", num_proj or 0)):
            if size % number_of_groups:
                raise ValueError(f"GLSTMCell's {what} ({size}) must be divisible by number_of_groups "
                                 f"({number_of_groups})")
        self._num_units, self._initializer, self._num_proj = num_units, initializer, num_proj
        self._groups, self._forget_bias, self._activation = number_of_groups, forget_bias, activation

    @property
    def state_size(self):
        return lstm_state_size(self._num_units, self._num_proj)

    @property
    def output_size(self):
        return self._num_proj or self._num_units

    @plain_call
    def call(self, inputs, state):
        c_prev, m_prev = state
        input_size, groups = static_size(inputs, "GLSTMCell"), self._groups
        if input_size % groups:
            raise ValueError(f"GLSTMCell's input size ({input_size}) must be divisible by number_of_groups ({groups})")
        inputs_by_group = v1.split(inputs, groups, axis=1)
        outputs_by_group = v1.split(m_prev, groups, axis=1)
        dtype, gates = inputs.dtype, []
        with initializer_scope(self._initializer):
            for k in range(groups):
                with v1.variable_scope(f"group{k}"):
                    # [batch, 4 * units / groups], this group's [i, j, f, o]
                    gates.append(v1.split(linear([inputs_by_group[k], outputs_by_group[k]],
                                                 4 * self._num_units // groups, bias=False), 4, axis=1))
            i, j, f, o = (v1.nn.bias_add(v1.concat(parts, 1), v1.get_variable(
                f"bias_{name}", [self._num_units], dtype, initializer=v1.constant_initializer(0.0)))
                for name, parts in zip("ijfo", zip(*gates)))
        c = v1.sigmoid(f + self._forget_bias) * c_prev + v1.sigmoid(i) * v1.tanh(j)
        m = v1.sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            with v1.variable_scope("projection"):
                m = linear(m, self._num_proj, bias=False)
        return m, LSTMStateTuple(c, m)
