"""tf.contrib.rnn.PhasedLSTMCell (Neil et al., 2016): an LSTM whose updates are gated by a
learned oscillation of the time stamp it reads beside each input.

Inputs are pairs ``(time [batch, 1], features [batch, size])``; the state is ``LSTMStateTuple(c, h)``.
Variables, as in TF 1.15: ``phased_lstm_cell/{mask_gates,new_input,output_gate}/{kernel,bias}``,
``period`` (drawn log-uniformly in [period_init_min, period_init_max]), ``phase`` (uniform in
[0, period)) and ``ratio_on`` (trainable unless ``trainable_ratio_on=False``). As in TF 1.15, the
``leak`` applies whether training or not, and the cycle ratio is float32 whatever the time's dtype.
"""
from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.contrib_rnn_cells import LSTMStateTuple, linear, plain_call

RNNCell = legacy_rnn_cells().RNNCell


def log_uniform_initializer(minval, maxval):
    """exp(U(log minval, log maxval)): TF 1.x's initializer for the periods."""
    def initializer(shape, dtype=v1.float32, partition_info=None):
        return v1.exp(v1.random_uniform(shape, v1.log(float(minval)), v1.log(float(maxval)), dtype))
    return initializer


def mod_with_gradient(x, y):
    """``x mod y`` whose gradient with respect to x is 1 (the modulo's jumps are ignored)."""
    return v1.stop_gradient(v1.mod(x, y) - x) + x


class PhasedLSTMCell(RNNCell):
    """A peephole-optional LSTM whose new state is let through only while its time gate is open."""

    def __init__(self, num_units, use_peepholes=False, leak=0.001, ratio_on=0.1, trainable_ratio_on=True,
                 period_init_min=1.0, period_init_max=1000.0, reuse=None):
        # autocast off: the time may be float64 while the features are float32
        super().__init__(_reuse=reuse, autocast=False)
        self._num_units, self._use_peepholes, self._leak = num_units, use_peepholes, leak
        self._ratio_on, self._trainable_ratio_on = ratio_on, trainable_ratio_on
        self._period_init_min, self._period_init_max = period_init_min, period_init_max

    @property
    def state_size(self):
        return LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def _time_gate(self, time):
        """k [batch, units]: rises 0 -> 1 then falls back over ``ratio_on`` of each period, else ``leak``."""
        units = self._num_units
        period = v1.get_variable("period", [units], initializer=log_uniform_initializer(
            self._period_init_min, self._period_init_max))
        phase = v1.get_variable("phase", [units], initializer=v1.random_uniform_initializer(
            0.0, period.initial_value))
        ratio_on = v1.get_variable("ratio_on", [units], initializer=v1.constant_initializer(self._ratio_on),
                                   trainable=self._trainable_ratio_on)
        period_t = v1.cast(period, time.dtype)
        cycle_ratio = v1.cast(mod_with_gradient(time - v1.cast(phase, time.dtype), period_t) / period_t,
                              v1.float32)  # [batch, units]
        rising = 2 * cycle_ratio / ratio_on
        gate = v1.where(cycle_ratio < ratio_on, 2 - rising, self._leak * cycle_ratio)
        return v1.where(cycle_ratio < 0.5 * ratio_on, rising, gate)

    @plain_call
    def call(self, inputs, state):
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise ValueError("PhasedLSTMCell's inputs must be a pair (time [batch, 1], features [batch, size])")
        c_prev, h_prev = state
        time, x = inputs
        with v1.variable_scope("mask_gates"):
            mask_inputs = [x, h_prev, c_prev] if self._use_peepholes else [x, h_prev]
            input_gate, forget_gate = v1.split(v1.sigmoid(linear(mask_inputs, 2 * self._num_units)), 2, axis=1)
        with v1.variable_scope("new_input"):
            new_input = v1.tanh(linear([x, h_prev], self._num_units))
        new_c = c_prev * forget_gate + input_gate * new_input
        with v1.variable_scope("output_gate"):
            gate_inputs = [x, h_prev, new_c] if self._use_peepholes else [x, h_prev]
            output_gate = v1.sigmoid(linear(gate_inputs, self._num_units))
        new_h = v1.tanh(new_c) * output_gate
        k = self._time_gate(time)
        new_c = k * new_c + (1 - k) * c_prev
        new_h = k * new_h + (1 - k) * h_prev
        return new_h, LSTMStateTuple(new_c, new_h)
