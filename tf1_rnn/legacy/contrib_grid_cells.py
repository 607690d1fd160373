"""tf.contrib.rnn's time-frequency LSTMs for spectrogram features (Sainath & Li, 2016;
Kalchbrenner et al., 2016): TimeFreqLSTMCell, GridLSTMCell, BidirectionalGridLSTMCell.

Each input frame [batch, size] is cut into overlapping frequency chunks of ``feature_size``
columns every ``frequency_skip``; an LSTM runs across the chunks (frequency) as well as across
frames (time). TF 1.15's variables, under the cell's scope (``<k>`` a weight shard, ``<b>`` a block):

    TimeFreqLSTMCell           W_<k> [feature + 2 * units, 4 * units], B, W_{F,I,O}_diag
    GridLSTMCell               W_f_<b>_<k>, B_f_<b> (frequency LSTM), W_t_<b>_<k>, B_t_<b> (time LSTM,
                               unless share_time_frequency_weights), W_{F,I,O}_diag_{freq,time}{f,t}_<b>
    BidirectionalGridLSTMCell  the grid's variables under ``fwd/`` and ``bwd/``

Facts kept from TF 1.15: TimeFreqLSTMCell declares ``state_size = 2 * units`` and ``output_size =
units`` although it returns ``2 * units`` state and ``units`` output per chunk, so with more than
one chunk it runs only from an explicit initial state of the true size, outside dynamic_rnn.
Its ``initializer`` argument, like the grid cells', is accepted and unused.
"""
import collections

from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.contrib_rnn_cells import plain_call, sharded_variable, static_size

RNNCell = legacy_rnn_cells().RNNCell


def chunks(inputs, start, count, feature_size, skip):
    """``count`` column slices [batch, feature_size] of ``inputs``, from ``start`` every ``skip``."""
    return [inputs[:, start + k * skip:start + k * skip + feature_size] for k in range(count)]


def concatenated_state(state, k, units):
    """(c, m) of chunk ``k`` in a concatenated state [batch, 2 * units * chunks]."""
    return state[:, 2 * k * units:(2 * k + 1) * units], state[:, (2 * k + 1) * units:(2 * k + 2) * units]


def lstm_update(i, j, f, c_prev, forget_bias, clip, couple):
    """New cell state from gate pre-activations whose peephole terms are already added."""
    input_gate = v1.sigmoid(i)
    forget_gate = 1.0 - input_gate if couple else v1.sigmoid(f + forget_bias)
    c = forget_gate * c_prev + input_gate * v1.tanh(j)
    return c if clip is None else v1.clip_by_value(c, -clip, clip)


class TimeFreqLSTMCell(RNNCell):
    """An LSTM over frequency chunks, each reading its chunk, its own previous output in time and
    the output of the chunk below it; the state holds [c, m] of every chunk side by side."""

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None, num_unit_shards=1,
                 forget_bias=1.0, feature_size=None, frequency_skip=1, reuse=None):
        super().__init__(_reuse=reuse)
        del initializer  # accepted and unused in TF 1.x
        self._num_units, self._use_peepholes, self._cell_clip = num_units, use_peepholes, cell_clip
        self._shards, self._forget_bias = num_unit_shards, forget_bias
        self._feature_size, self._frequency_skip = feature_size, frequency_skip

    state_size = property(lambda self: 2 * self._num_units)
    output_size = property(lambda self: self._num_units)

    @plain_call
    def call(self, inputs, state):
        units, dtype = self._num_units, inputs.dtype
        size = static_size(inputs, "TimeFreqLSTMCell")
        count = (size - self._feature_size) // self._frequency_skip + 1
        freq_inputs = chunks(inputs, 0, count, self._feature_size, self._frequency_skip)
        weights = sharded_variable("W", [self._feature_size + 2 * units, 4 * units], dtype, self._shards)
        bias = v1.get_variable("B", [4 * units], dtype, initializer=v1.zeros_initializer())
        if self._use_peepholes:
            w_f, w_i, w_o = (v1.get_variable(f"W_{gate}_diag", [units], dtype) for gate in "FIO")
        m_below = v1.zeros(v1.stack([v1.shape(inputs)[0], units]), dtype)  # no chunk below the first
        states, outputs = [], []
        for k, chunk in enumerate(freq_inputs):
            c_prev, m_prev = concatenated_state(state, k, units)
            i, j, f, o = v1.split(v1.nn.bias_add(v1.matmul(v1.concat([chunk, m_prev, m_below], 1), weights), bias),
                                  4, axis=1)
            if self._use_peepholes:
                i, f = i + w_i * c_prev, f + w_f * c_prev
            c = lstm_update(i, j, f, c_prev, self._forget_bias, self._cell_clip, couple=False)
            m = v1.sigmoid(o + w_o * c if self._use_peepholes else o) * v1.tanh(c)
            states += [c, m]
            outputs.append(m)
            m_below = m
        return v1.concat(outputs, 1), v1.concat(states, 1)


class GridLSTMCell(RNNCell):
    """A 2-D grid LSTM: per chunk, a frequency LSTM (state passed up the chunks) and a time LSTM
    (state passed to the next frame), both reading the chunk and both previous outputs."""

    def __init__(self, num_units, use_peepholes=False, share_time_frequency_weights=False, cell_clip=None,
                 initializer=None, num_unit_shards=1, forget_bias=1.0, feature_size=None, frequency_skip=None,
                 num_frequency_blocks=None, start_freqindex_list=None, end_freqindex_list=None,
                 couple_input_forget_gates=False, state_is_tuple=True, reuse=None):
        super().__init__(_reuse=reuse)
        del initializer  # accepted and unused in TF 1.x
        if num_frequency_blocks is None:
            raise ValueError("GridLSTMCell needs num_frequency_blocks (a list: chunks per frequency block)")
        self._num_units, self._use_peepholes, self._shared = num_units, use_peepholes, share_time_frequency_weights
        self._cell_clip, self._shards, self._forget_bias = cell_clip, num_unit_shards, forget_bias
        self._feature_size, self._frequency_skip = feature_size, frequency_skip
        self._blocks, self._starts, self._ends = list(num_frequency_blocks), start_freqindex_list, end_freqindex_list
        self._couple, self._state_is_tuple = couple_input_forget_gates, state_is_tuple
        self._total_blocks = sum(int(n) for n in self._blocks)
        self._state_tuple_type = self._tuple_type("GridLSTMStateTuple", ["state"]) if state_is_tuple else None

    def _tuple_type(self, name, prefixes):
        fields = [f"{prefix}_f{k:02d}_b{b:02d}_{part}" for prefix in prefixes
                  for b, count in enumerate(self._blocks) for k in range(count) for part in "cm"]
        return collections.namedtuple(name, fields)

    @property
    def state_tuple_type(self):
        return self._state_tuple_type

    @property
    def state_size(self):
        if self._state_tuple_type is None:
            return 2 * self._num_units * self._total_blocks
        return self._state_tuple_type(*[self._num_units] * len(self._state_tuple_type._fields))

    @property
    def output_size(self):
        return 2 * self._num_units * self._total_blocks

    @plain_call
    def call(self, inputs, state):
        outputs, states = [], []
        for block, block_inputs in enumerate(self._frequency_chunks(inputs)):
            block_outputs, block_states = self._compute(block_inputs, block, state, "state", self._state_is_tuple)
            outputs += block_outputs
            states += block_states
        new_state = self._state_tuple_type(*states) if self._state_is_tuple else v1.concat(states, 1)
        return v1.concat(outputs, 1), new_state

    def _frequency_chunks(self, inputs, slice_offset=0):
        """Per block, its list of chunks; ``slice_offset`` shifts them (zero-padding the input)."""
        size = static_size(inputs, type(self).__name__)
        if slice_offset > 0:
            inputs = v1.pad(inputs, [[0, 0], [0, slice_offset]])
        elif slice_offset < 0:
            inputs, slice_offset = v1.pad(inputs, [[0, 0], [-slice_offset, 0]]), 0
        if self._starts:
            if len(self._starts) != len(self._ends) or len(self._starts) != len(self._blocks):
                raise ValueError(f"{type(self).__name__}: start_freqindex_list, end_freqindex_list and "
                                 "num_frequency_blocks must have the same length")
            spans = list(zip(self._starts, self._ends))
        elif len(self._blocks) != 1:
            raise ValueError(f"{type(self).__name__}: without start_freqindex_list, num_frequency_blocks must "
                             f"have one entry, got {self._blocks}")
        else:
            spans = [(0, size)]
        result = []
        for (start, end), expected in zip(spans, self._blocks):
            count = (end - start - self._feature_size) // self._frequency_skip + 1
            if count != expected:
                raise ValueError(f"{type(self).__name__}: num_frequency_blocks says {expected} chunks, but "
                                 f"feature_size and frequency_skip cut columns [{start}, {end}) into {count}")
            result.append(chunks(inputs, start + slice_offset, count, self._feature_size, self._frequency_skip))
        return result

    def _peepholes(self, block, dtype):
        """{direction: {gate: (weight on c_freq, weight on c_time)}}; the time LSTM's are the frequency
        LSTM's when weights are shared."""
        if not self._use_peepholes:
            return None
        gates = "IO" if self._couple else "FIO"
        sides = ["freq"] if self._shared else ["freq", "time"]
        weights = {side: {} for side in sides}
        for side in sides:  # TF 1.x's creation order: freq's F, I, O, then time's
            for gate in gates:
                weights[side][gate] = tuple(v1.get_variable(f"W_{gate}_diag_{side}{end}_{block}", [self._num_units],
                                                            dtype) for end in "ft")
        weights.setdefault("time", weights["freq"])
        return weights

    def _compute(self, freq_inputs, block, state, prefix, state_is_tuple):
        """Run one block's chunks upwards in frequency; (outputs [m_time, m_freq] per chunk, states
        [c_time, m_time] per chunk)."""
        units, dtype = self._num_units, freq_inputs[0].dtype
        rows, columns = freq_inputs[0].shape[-1] + 2 * units, (3 if self._couple else 4) * units
        kernels = {"freq": (sharded_variable(f"W_f_{block}", [rows, columns], dtype, self._shards),
                            v1.get_variable(f"B_f_{block}", [columns], dtype, initializer=v1.zeros_initializer()))}
        if not self._shared:
            kernels["time"] = (sharded_variable(f"W_t_{block}", [rows, columns], dtype, self._shards),
                               v1.get_variable(f"B_t_{block}", [columns], dtype, initializer=v1.zeros_initializer()))
        peep = self._peepholes(block, dtype)
        batch = v1.shape(freq_inputs[0])[0]
        m_freq = c_freq = v1.zeros(v1.stack([batch, units]), dtype)
        outputs, states = [], []
        for k, chunk in enumerate(freq_inputs):
            if state_is_tuple:
                name = f"{prefix}_f{k:02d}_b{block:02d}"
                c_time, m_time = getattr(state, name + "_c"), getattr(state, name + "_m")
            else:
                c_time, m_time = concatenated_state(state, k, units)
            cell_inputs = v1.concat([chunk, m_time, m_freq], 1)  # [batch, feature + 2 * units]
            gates = {side: self._split(v1.nn.bias_add(v1.matmul(cell_inputs, weights), bias))
                     for side, (weights, bias) in kernels.items()}
            gates.setdefault("time", gates["freq"])
            new_c = {side: lstm_update(*self._with_peepholes(gates[side], peep, side, c_freq, c_time),
                                       c_freq if side == "freq" else c_time, self._forget_bias,
                                       self._cell_clip, self._couple) for side in ("freq", "time")}
            new_m = {side: v1.sigmoid(self._output_gate(gates[side], peep, side, new_c)) * v1.tanh(new_c[side])
                     for side in ("freq", "time")}
            m_freq, c_freq = new_m["freq"], new_c["freq"]
            states += [new_c["time"], new_m["time"]]
            outputs += [new_m["time"], new_m["freq"]]
        return outputs, states

    def _split(self, gates):
        """(i, j, f, o) from [batch, 3 or 4 * units]; f is None with coupled gates."""
        if self._couple:
            i, j, o = v1.split(gates, 3, axis=1)
            return i, j, None, o
        return tuple(v1.split(gates, 4, axis=1))

    def _with_peepholes(self, gates, peep, side, c_freq, c_time):
        i, j, f, _ = gates
        if peep is None:
            return i, j, f
        w_i, w_f = peep[side]["I"], peep[side].get("F")
        i = i + w_i[0] * c_freq + w_i[1] * c_time
        if w_f is not None:
            f = f + w_f[0] * c_freq + w_f[1] * c_time
        return i, j, f

    def _output_gate(self, gates, peep, side, new_c):
        o = gates[3]
        if peep is None:
            return o
        w_o = peep[side]["O"]
        return o + w_o[0] * new_c["freq"] + w_o[1] * new_c["time"]


class BidirectionalGridLSTMCell(GridLSTMCell):
    """GridLSTMCell run up the chunks (``fwd/``) and down them (``bwd/``, own weights); outputs of
    both concatenated. The time direction stays causal, so it suits streaming recognition."""

    def __init__(self, num_units, use_peepholes=False, share_time_frequency_weights=False, cell_clip=None,
                 initializer=None, num_unit_shards=1, forget_bias=1.0, feature_size=None, frequency_skip=None,
                 num_frequency_blocks=None, start_freqindex_list=None, end_freqindex_list=None,
                 couple_input_forget_gates=False, backward_slice_offset=0, reuse=None):
        super().__init__(num_units, use_peepholes, share_time_frequency_weights, cell_clip, initializer,
                         num_unit_shards, forget_bias, feature_size, frequency_skip, num_frequency_blocks,
                         start_freqindex_list, end_freqindex_list, couple_input_forget_gates, True, reuse)
        self._backward_slice_offset = int(backward_slice_offset)
        self._state_tuple_type = self._tuple_type("BidirectionalGridLSTMStateTuple", ["fwd_state", "bwd_state"])

    @property
    def output_size(self):
        return 4 * self._num_units * self._total_blocks

    @plain_call
    def call(self, inputs, state):
        fwd_inputs = self._frequency_chunks(inputs)
        bwd_inputs = (self._frequency_chunks(inputs, self._backward_slice_offset) if self._backward_slice_offset
                      else fwd_inputs)
        outputs, states = {}, {}
        for direction, blocks in (("fwd", fwd_inputs), ("bwd", bwd_inputs)):
            outputs[direction], states[direction] = [], []
            with v1.variable_scope(direction):
                for block, block_inputs in enumerate(blocks):
                    ordered = block_inputs if direction == "fwd" else block_inputs[::-1]  # bwd: top chunk first
                    block_outputs, block_states = self._compute(ordered, block, state, f"{direction}_state", True)
                    outputs[direction] += block_outputs
                    states[direction] += block_states
        new_state = self._state_tuple_type(*(states["fwd"] + states["bwd"]))
        return v1.concat(outputs["fwd"] + outputs["bwd"], 1), new_state
