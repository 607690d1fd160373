"""tf.contrib.rnn's convolutional and time-frequency LSTMs: one step against NumPy written from
TF 1.15's equations and the session's variable values; dynamic_rnn with gradients; TF 1.15's
variable names; one-line errors. Batch 2, tiny feature maps, each in its own graph."""
import re

import numpy as np
import pytest

from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy import contrib_conv_cells as conv, contrib_grid_cells as grid

RNG = np.random.RandomState(1)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def random_like(size, batch=2):
    return v1.nest.map_structure(lambda s: RNG.randn(batch, *v1.TensorShape(s).as_list()).astype(np.float32), size)


def one_step(cell, inputs, state=None):
    """(output, new state, initial state, {variable: value}) of one call, variables set to random values."""
    state = random_like(cell.state_size) if state is None else state
    output, new_state = cell(v1.constant(inputs), v1.nest.map_structure(v1.constant, state))
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        sess.run([v.assign(0.5 * RNG.randn(*v.shape.as_list())) for v in v1.global_variables()])
        values = dict(zip([v.op.name for v in v1.global_variables()], sess.run(v1.global_variables())))
        return sess.run(output), sess.run(new_state), state, values


def conv_same(x, kernel):
    """Stride-1 'SAME' convolution of x [batch, spatial..., in] with kernel [k..., in, out], TF's padding."""
    spatial = kernel.shape[:-2]
    pads = [(0, 0)] + [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in spatial] + [(0, 0)]
    padded, out = np.pad(x, pads), 0
    for offset in np.ndindex(*spatial):
        window = (slice(None),) + tuple(slice(o, o + n) for o, n in zip(offset, x.shape[1:-1]))
        out = out + padded[window] @ kernel[offset]
    return out


@pytest.mark.parametrize("make_cell, input_shape, scope", [
    (lambda: conv.Conv2DLSTMCell(input_shape=[4, 3, 2], output_channels=3, kernel_shape=[3, 2]), [4, 3, 2],
     "conv_2d_lstm_cell"),
    (lambda: conv.Conv1DLSTMCell(input_shape=[5, 2], output_channels=3, kernel_shape=[3], skip_connection=True,
                                 forget_bias=0.5), [5, 2], "conv_1d_lstm_cell"),
], ids=["2d", "1d-skip"])
def test_conv_lstm_cell_step(make_cell, input_shape, scope):
    with v1.Graph().as_default():
        cell = make_cell()
        x = RNG.randn(2, *input_shape).astype(np.float32)
        output, (c, h), (c0, h0), v = one_step(cell, x)
    forget_bias = cell._forget_bias
    i, j, f, o = np.split(conv_same(np.concatenate([x, h0], -1), v[scope + "/kernel"]) + v[scope + "/biases"], 4, -1)
    expected_c = sigmoid(f + forget_bias) * c0 + sigmoid(i) * np.tanh(j)
    expected_h = np.tanh(expected_c) * sigmoid(o)
    np.testing.assert_allclose(c, expected_c, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h, expected_h, rtol=1e-5, atol=1e-5)
    skip = [x] if cell._skip_connection else []
    np.testing.assert_allclose(output, np.concatenate([expected_h] + skip, -1), rtol=1e-5, atol=1e-5)


def lstm_chunk(z, c_prev, peep, forget_bias=1.0):
    """TimeFreqLSTMCell's per-chunk LSTM with its peepholes (w_f, w_i, w_o)."""
    i, j, f, o = np.split(z, 4, 1)
    w_f, w_i, w_o = peep
    c = sigmoid(f + forget_bias + w_f * c_prev) * c_prev + sigmoid(i + w_i * c_prev) * np.tanh(j)
    return c, sigmoid(o + w_o * c) * np.tanh(c)


def test_time_freq_lstm_cell_runs_over_frequency_chunks():
    x, units = RNG.randn(2, 6).astype(np.float32), 3
    state = RNG.randn(2, 2 * units * 2).astype(np.float32)  # two chunks of 4 columns every 2
    with v1.Graph().as_default():
        output, new_state, _, v = one_step(grid.TimeFreqLSTMCell(units, use_peepholes=True, feature_size=4,
                                                                 frequency_skip=2), x, state)
    p = "time_freq_lstm_cell/"
    peep = (v[p + "W_F_diag"], v[p + "W_I_diag"], v[p + "W_O_diag"])
    m_below, outputs, states = np.zeros((2, units)), [], []
    for k, chunk in enumerate((x[:, 0:4], x[:, 2:6])):
        c_prev, m_prev = np.split(state[:, 2 * k * units:(2 * k + 2) * units], 2, 1)
        c, m = lstm_chunk(np.concatenate([chunk, m_prev, m_below], 1) @ v[p + "W_0"] + v[p + "B"], c_prev, peep)
        outputs.append(m)
        states += [c, m]
        m_below = m
    np.testing.assert_allclose(output, np.concatenate(outputs, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_state, np.concatenate(states, 1), rtol=1e-5, atol=1e-6)


def np_grid_block(chunks, previous, v, p, shared, couple, block=0, units=3):
    """GridLSTMCell's block: outputs [m_time, m_freq] and states [c_time, m_time] per chunk."""
    kernels = {side: (v[f"{p}W_{side[0]}_{block}_0"], v[f"{p}B_{side[0]}_{block}"])
               for side in (["freq"] if shared else ["freq", "time"])}

    def peep(side, gate):
        side = "freq" if shared else side
        return v[f"{p}W_{gate}_diag_{side}f_{block}"], v[f"{p}W_{gate}_diag_{side}t_{block}"]

    m_freq = c_freq = np.zeros((2, units))
    outputs, states = [], []
    for k, chunk in enumerate(chunks):
        c_time, m_time = previous(k)
        z = np.concatenate([chunk, m_time, m_freq], 1)
        gates = {side: np.split(z @ w + b, 3 if couple else 4, 1) for side, (w, b) in kernels.items()}
        gates.setdefault("time", gates["freq"])
        new_c, new_m = {}, {}
        for side, c_prev in (("freq", c_freq), ("time", c_time)):
            w_if, w_it = peep(side, "I")
            input_gate = sigmoid(gates[side][0] + w_if * c_freq + w_it * c_time)
            if couple:
                forget_gate = 1 - input_gate
            else:
                w_ff, w_ft = peep(side, "F")
                forget_gate = sigmoid(gates[side][2] + 1.0 + w_ff * c_freq + w_ft * c_time)
            new_c[side] = forget_gate * c_prev + input_gate * np.tanh(gates[side][1])
        for side in ("freq", "time"):
            w_of, w_ot = peep(side, "O")
            output_gate = sigmoid(gates[side][-1] + w_of * new_c["freq"] + w_ot * new_c["time"])
            new_m[side] = output_gate * np.tanh(new_c[side])
        outputs += [new_m["time"], new_m["freq"]]
        states += [new_c["time"], new_m["time"]]
        m_freq, c_freq = new_m["freq"], new_c["freq"]
    return outputs, states


@pytest.mark.parametrize("shared, couple", [(False, False), (True, True)], ids=["separate", "shared-coupled"])
def test_grid_lstm_cell_step(shared, couple):
    x = RNG.randn(2, 6).astype(np.float32)
    with v1.Graph().as_default():
        output, new_state, state, v = one_step(grid.GridLSTMCell(
            3, use_peepholes=True, share_time_frequency_weights=shared, couple_input_forget_gates=couple,
            feature_size=4, frequency_skip=2, num_frequency_blocks=[2]), x)
    assert type(new_state).__name__ == "GridLSTMStateTuple"
    assert new_state._fields == ("state_f00_b00_c", "state_f00_b00_m", "state_f01_b00_c", "state_f01_b00_m")
    outputs, states = np_grid_block([x[:, 0:4], x[:, 2:6]], lambda k: state[2 * k:2 * k + 2], v,
                                    "grid_lstm_cell/", shared, couple)
    np.testing.assert_allclose(output, np.concatenate(outputs, 1), rtol=1e-5, atol=1e-6)
    for got, expected in zip(new_state, states):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_bidirectional_grid_lstm_cell_runs_down_the_chunks_too():
    x = RNG.randn(2, 6).astype(np.float32)
    with v1.Graph().as_default():
        output, new_state, state, v = one_step(grid.BidirectionalGridLSTMCell(
            3, use_peepholes=True, feature_size=4, frequency_skip=2, num_frequency_blocks=[2]), x)
    chunks = [x[:, 0:4], x[:, 2:6]]
    fwd = np_grid_block(chunks, lambda k: state[2 * k:2 * k + 2], v, "bidirectional_grid_lstm_cell/fwd/",
                        False, False)
    bwd = np_grid_block(chunks[::-1], lambda k: state[4 + 2 * k:6 + 2 * k], v, "bidirectional_grid_lstm_cell/bwd/",
                        False, False)
    np.testing.assert_allclose(output, np.concatenate(fwd[0] + bwd[0], 1), rtol=1e-5, atol=1e-6)
    for got, expected in zip(new_state, fwd[1] + bwd[1]):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert new_state._fields[4] == "bwd_state_f00_b00_c"


PEEPHOLES = [f"W_{g}_diag_{s}{e}_0" for s in ("freq", "time") for g in "FIO" for e in "ft"]
CELLS = {
    "conv2d-skip": (lambda: conv.Conv2DLSTMCell(input_shape=[3, 3, 2], output_channels=2, kernel_shape=[2, 2],
                                                skip_connection=True), [3, 3, 2], "conv_2d_lstm_cell",
                    ["kernel", "biases"]),
    "conv3d": (lambda: conv.Conv3DLSTMCell(input_shape=[2, 2, 2, 1], output_channels=2, kernel_shape=[2, 2, 2],
                                           use_bias=False), [2, 2, 2, 1], "conv_3d_lstm_cell", ["kernel"]),
    "time-freq": (lambda: grid.TimeFreqLSTMCell(3, feature_size=4), [4], "time_freq_lstm_cell", ["W_0", "B"]),
    "grid": (lambda: grid.GridLSTMCell(3, use_peepholes=True, feature_size=4, frequency_skip=2,
                                       num_frequency_blocks=[2]), [6], "grid_lstm_cell",
             ["W_f_0_0", "B_f_0", "W_t_0_0", "B_t_0"] + PEEPHOLES),
    "grid-concatenated-state": (lambda: grid.GridLSTMCell(3, feature_size=4, frequency_skip=2,
                                                          num_frequency_blocks=[2], state_is_tuple=False),
                                [6], "grid_lstm_cell", ["W_f_0_0", "B_f_0", "W_t_0_0", "B_t_0"]),
    "grid-blocks": (lambda: grid.GridLSTMCell(3, feature_size=2, frequency_skip=2, num_frequency_blocks=[1, 2],
                                              start_freqindex_list=[0, 2], end_freqindex_list=[2, 6],
                                              share_time_frequency_weights=True, num_unit_shards=2),
                    [6], "grid_lstm_cell", ["W_f_0_0", "W_f_0_1", "B_f_0", "W_f_1_0", "W_f_1_1", "B_f_1"]),
    "bidirectional-grid": (lambda: grid.BidirectionalGridLSTMCell(3, feature_size=4, frequency_skip=2,
                                                                  num_frequency_blocks=[2], backward_slice_offset=1),
                           [6], "bidirectional_grid_lstm_cell",
                           [f"{d}/{n}" for d in ("fwd", "bwd") for n in ("W_f_0_0", "B_f_0", "W_t_0_0", "B_t_0")]),
}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_cells_run_under_dynamic_rnn_with_tf1_names_and_gradients(name):
    make_cell, shape, scope, names = CELLS[name]
    with v1.Graph().as_default():
        x = v1.constant(RNG.randn(2, 4, *shape).astype(np.float32))
        outputs, _ = v1.nn.dynamic_rnn(make_cell(), x, sequence_length=[4, 2], dtype=v1.float32)
        assert [v.op.name for v in v1.trainable_variables()] == [f"rnn/{scope}/{n}" for n in names]
        gradients = v1.gradients(v1.reduce_sum(outputs), [x] + v1.trainable_variables())
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            values = sess.run(gradients)
    assert all(np.isfinite(g).all() and np.abs(g).sum() > 0 for g in values)


def test_time_freq_lstm_cell_with_several_chunks_runs_from_a_full_size_state():
    """TF 1.x's declared sizes cover one chunk; static_rnn from an explicit state of the true size works."""
    with v1.Graph().as_default():
        x = v1.unstack(v1.constant(RNG.randn(2, 3, 6).astype(np.float32)), axis=1)
        outputs, state = v1.nn.static_rnn(grid.TimeFreqLSTMCell(3, feature_size=4, frequency_skip=2), x,
                                          initial_state=v1.zeros([2, 12]))
        assert outputs[-1].shape.as_list() == [2, 6] and state.shape.as_list() == [2, 12]
        gradients = v1.gradients(v1.reduce_sum(outputs[-1]), v1.trainable_variables())
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            assert all(np.abs(g).sum() > 0 for g in sess.run(gradients))


@pytest.mark.parametrize("build, message", [
    (lambda: conv.ConvLSTMCell(2, [8, 8], 4, [3, 3]),
     "ConvLSTMCell: input_shape [8, 8] must have conv_ndims + 1 = 3 entries"),
    (lambda: conv.Conv2DLSTMCell(input_shape=[8, 8, 1], output_channels=4, kernel_shape=[3]),
     "ConvLSTMCell: kernel_shape [3] must have conv_ndims = 2 entries"),
    (lambda: conv.Conv2DLSTMCell(input_shape=[8, 8, 1], output_channels=2, kernel_shape=[3, 3])(
        v1.zeros([2, 8, 1]), (v1.zeros([2, 8, 8, 2]),) * 2),
     "Conv2DLSTMCell expects inputs of shape [batch] + input_shape = [None, 8, 8, 1], got (2, 8, 1)"),
    (lambda: grid.GridLSTMCell(3), "GridLSTMCell needs num_frequency_blocks"),
    (lambda: grid.GridLSTMCell(3, feature_size=4, frequency_skip=2, num_frequency_blocks=[3])(
        v1.zeros([2, 6]), grid.GridLSTMCell(3, num_frequency_blocks=[3]).zero_state(2, v1.float32)),
     "GridLSTMCell: num_frequency_blocks says 3 chunks"),
])
def test_bad_arguments_give_one_line(build, message):
    with v1.Graph().as_default(), pytest.raises(ValueError, match=re.escape(message)) as error:
        build()
    assert "\n" not in str(error.value)
