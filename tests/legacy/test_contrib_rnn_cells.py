"""tf.contrib.rnn's research cells and wrappers: one step against NumPy written from TF 1.15's
equations and the session's variable values; dynamic_rnn with gradients; TF 1.15's variable
names; one-line errors. Batch 2, sizes 3-6, each in its own graph."""
import re

import numpy as np
import pytest

from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy import contrib_phased_lstm, contrib_rnn_cells as cells, contrib_rnn_wrappers as wrappers

RNG = np.random.RandomState(0)
LSTMStateTuple = legacy_rnn_cells().LSTMStateTuple


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(x, 0)


def layer_norm(x, gamma, beta):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-12) * gamma + beta


def random_like(size, batch=2):
    return v1.nest.map_structure(lambda s: RNG.randn(batch, *v1.TensorShape(s).as_list()).astype(np.float32), size)


def one_step(make_cell, inputs, state=None, keep=()):
    """(output, new state, {variable: value}) of one call; variables not in ``keep`` set to random values."""
    with v1.Graph().as_default():
        cell = make_cell()
        state = random_like(cell.state_size) if state is None else state
        constants = v1.nest.map_structure(v1.constant, (inputs, state))
        output, new_state = cell(*constants)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            sess.run([v.assign(0.5 * RNG.randn(*v.shape.as_list())) for v in v1.global_variables()
                      if v.op.name.rpartition("/")[2] not in keep])
            values = dict(zip([v.op.name for v in v1.global_variables()], sess.run(v1.global_variables())))
            return sess.run(output), sess.run(new_state), state, values


def linear(values, scope, *args):
    result = np.concatenate(args, -1) @ values[scope + "kernel"]
    return result + values[scope + "bias"] if scope + "bias" in values else result


def test_coupled_input_forget_gate_lstm_cell_with_peepholes_projection_and_clip():
    x = RNG.randn(2, 3).astype(np.float32)
    out, (c, m), (c0, m0), v = one_step(lambda: cells.CoupledInputForgetGateLSTMCell(
        4, use_peepholes=True, num_proj=3, proj_clip=0.4), x)
    p = "coupled_input_forget_gate_lstm_cell/"
    j, f, o = np.split(np.concatenate([x, m0], 1) @ v[p + "W_0"] + v[p + "B"], 3, 1)
    forget = sigmoid(f + 1.0 + v[p + "W_F_diag"] * c0)
    expected_c = forget * c0 + (1 - forget) * np.tanh(j)
    unprojected = sigmoid(o + v[p + "W_O_diag"] * expected_c) * np.tanh(expected_c)
    expected_m = np.clip(unprojected @ v[p + "W_P_0"], -0.4, 0.4)
    np.testing.assert_allclose(c, expected_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m, expected_m, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out, m)


def test_coupled_input_forget_gate_lstm_cell_layer_norm_ignores_the_bias():
    x = RNG.randn(2, 3).astype(np.float32)
    _, (c, m), (c0, m0), v = one_step(lambda: cells.CoupledInputForgetGateLSTMCell(4, layer_norm=True), x)
    p = "coupled_input_forget_gate_lstm_cell/"
    j, f, o = (layer_norm(gate, v[p + name + "/gamma"], v[p + name + "/beta"]) for gate, name in
               zip(np.split(np.concatenate([x, m0], 1) @ v[p + "W_0"], 3, 1), ("transform", "forget", "output")))
    forget = sigmoid(f + 1.0)
    expected_c = layer_norm(forget * c0 + (1 - forget) * np.tanh(j), v[p + "state/gamma"], v[p + "state/beta"])
    np.testing.assert_allclose(c, expected_c, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(m, sigmoid(o) * np.tanh(expected_c), rtol=1e-4, atol=1e-5)


def test_nas_cell_with_bias_and_projection():
    x = RNG.randn(2, 3).astype(np.float32)
    _, (c, m), (c0, m0), v = one_step(lambda: cells.NASCell(4, num_proj=3, use_bias=True), x)
    a = np.split(x @ v["nas_cell/kernel"], 8, 1)
    b = np.split(m0 @ v["nas_cell/recurrent_kernel"] + v["nas_cell/bias"], 8, 1)
    l1 = [sigmoid(a[0] + b[0]), relu(a[1] + b[1]), sigmoid(a[2] + b[2]), relu(a[3] * b[3]),
          np.tanh(a[4] + b[4]), sigmoid(a[5] + b[5]), np.tanh(a[6] + b[6]), sigmoid(a[7] + b[7])]
    l2 = [np.tanh(l1[0] * l1[1]), np.tanh(l1[2] + l1[3]), np.tanh(l1[4] * l1[5]), sigmoid(l1[6] + l1[7])]
    expected_c = np.tanh(l2[0] + c0) * l2[1]
    expected_m = np.tanh(expected_c * np.tanh(l2[2] + l2[3])) @ v["nas_cell/projection_weights"]
    np.testing.assert_allclose(c, expected_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m, expected_m, rtol=1e-5, atol=1e-6)


def test_ugrnn_cell():
    x = RNG.randn(2, 3).astype(np.float32)
    out, h, h0, v = one_step(lambda: cells.UGRNNCell(4, forget_bias=0.5), x)
    gate, candidate = np.split(linear(v, "ugrnn_cell/", x, h0), 2, 1)
    gate = sigmoid(gate + 0.5)
    np.testing.assert_allclose(h, gate * h0 + (1 - gate) * np.tanh(candidate), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out, h)


def test_intersection_rnn_cell_projects_its_input():
    x = RNG.randn(2, 3).astype(np.float32)
    y, h, h0, v = one_step(lambda: cells.IntersectionRNNCell(4, num_in_proj=4), x)
    projected = linear(v, "intersection_rnn_cell/in_projection/", x)
    gh, hh, gy, yy = np.split(linear(v, "intersection_rnn_cell/", projected, h0), 4, 1)
    gh, gy = sigmoid(gh + 1.0), sigmoid(gy + 1.0)
    np.testing.assert_allclose(h, gh * h0 + (1 - gh) * np.tanh(hh), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y, gy * projected + (1 - gy) * relu(yy), rtol=1e-5, atol=1e-6)


def test_glstm_cell_two_groups_with_projection():
    x = RNG.randn(2, 6).astype(np.float32)
    _, (c, m), (c0, m0), v = one_step(lambda: cells.GLSTMCell(4, num_proj=2, number_of_groups=2), x)
    per_group = [np.split(np.concatenate([xk, mk], 1) @ v[f"glstm_cell/group{k}/kernel"], 4, 1)
                 for k, (xk, mk) in enumerate(zip(np.split(x, 2, 1), np.split(m0, 2, 1)))]
    i, j, f, o = (np.concatenate(parts, 1) + v[f"glstm_cell/bias_{name}"]
                  for name, parts in zip("ijfo", zip(*per_group)))
    expected_c = sigmoid(f + 1.0) * c0 + sigmoid(i) * np.tanh(j)
    np.testing.assert_allclose(c, expected_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m, sigmoid(o) * np.tanh(expected_c) @ v["glstm_cell/projection/kernel"],
                               rtol=1e-5, atol=1e-6)


def test_phased_lstm_cell_gates_by_the_time_stamp():
    time, x = RNG.uniform(0, 10, (4, 1)).astype(np.float32), RNG.randn(4, 3).astype(np.float32)
    state = random_like(LSTMStateTuple(5, 5), batch=4)
    _, (c, h), (c0, h0), v = one_step(lambda: contrib_phased_lstm.PhasedLSTMCell(
        5, use_peepholes=True, ratio_on=0.6, period_init_min=1.0, period_init_max=3.0), (time, x), state,
        keep=("period", "phase", "ratio_on"))
    p = "phased_lstm_cell/"
    input_gate, forget_gate = np.split(sigmoid(linear(v, p + "mask_gates/", x, h0, c0)), 2, 1)
    new_c = c0 * forget_gate + input_gate * np.tanh(linear(v, p + "new_input/", x, h0))
    new_h = np.tanh(new_c) * sigmoid(linear(v, p + "output_gate/", x, h0, new_c))
    ratio = np.mod(time - v[p + "phase"], v[p + "period"]) / v[p + "period"]
    on = v[p + "ratio_on"]
    k = np.where(ratio < 0.5 * on, 2 * ratio / on, np.where(ratio < on, 2 - 2 * ratio / on, 0.001 * ratio))
    assert 0 < (k > 0.01).mean() < 1  # some units open, some closed
    np.testing.assert_allclose(c, k * new_c + (1 - k) * c0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h, k * new_h + (1 - k) * h0, rtol=1e-4, atol=1e-5)


def test_attention_cell_wrapper_attends_over_its_past_outputs():
    x = RNG.randn(2, 3).astype(np.float32)
    output, (h, attns, window), (h0, attns0, window0), v = one_step(
        lambda: wrappers.AttentionCellWrapper(legacy_rnn_cells().BasicRNNCell(4), 3, attn_vec_size=5), x)
    p = "attention_cell_wrapper/"
    expected_h = np.tanh(linear(v, p + "basic_rnn_cell/", linear(v, p, x, attns0), h0))
    past = window0.reshape(2, 3, 4)
    scores = (v[p + "attention/attn_v"] * np.tanh(past @ v[p + "attention/attn_w"][0, 0]
                                                  + linear(v, p + "attention/", expected_h)[:, None])).sum(-1)
    weights = np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
    expected_attns = (weights[:, :, None] * past).sum(1)
    expected_output = linear(v, p + "attn_output_projection/", expected_h, expected_attns)
    np.testing.assert_allclose(h, expected_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(attns, expected_attns, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(output, expected_output, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(window, np.concatenate([past[:, 1:], expected_output[:, None]], 1).reshape(2, 12),
                               rtol=1e-5, atol=1e-6)


def test_highway_wrapper_with_separate_transform_gate():
    x = RNG.randn(2, 5).astype(np.float32)
    output, h, h0, v = one_step(lambda: wrappers.HighwayWrapper(legacy_rnn_cells().GRUCell(5),
                                                                couple_carry_transform_gates=False), x)
    reset, update = np.split(sigmoid(linear(v, "gru_cell/gates/", x, h0)), 2, 1)
    expected_h = update * h0 + (1 - update) * np.tanh(linear(v, "gru_cell/candidate/", x, reset * h0))
    carry = sigmoid(x @ v["carry_w"] + v["carry_b"])
    transform = sigmoid(x @ v["transform_w"] + v["transform_b"])
    np.testing.assert_allclose(h, expected_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(output, x * carry + expected_h * transform, rtol=1e-5, atol=1e-6)


CELLS = {
    "cifg": (lambda: cells.CoupledInputForgetGateLSTMCell(4, use_peepholes=True, num_proj=3, num_unit_shards=2),
             ["W_0", "W_1", "B", "W_F_diag", "W_O_diag", "W_P_0"], "coupled_input_forget_gate_lstm_cell"),
    "nas": (lambda: cells.NASCell(4, num_proj=3, use_bias=True),
            ["recurrent_kernel", "kernel", "bias", "projection_weights"], "nas_cell"),
    "ugrnn": (lambda: cells.UGRNNCell(4), ["kernel", "bias"], "ugrnn_cell"),
    "intersection": (lambda: cells.IntersectionRNNCell(4, num_in_proj=4),
                     ["in_projection/kernel", "in_projection/bias", "kernel", "bias"], "intersection_rnn_cell"),
    "glstm": (lambda: cells.GLSTMCell(4, num_proj=2, number_of_groups=2),
              ["group0/kernel", "group1/kernel", "bias_i", "bias_j", "bias_f", "bias_o", "projection/kernel"],
              "glstm_cell"),
    "attention": (lambda: wrappers.AttentionCellWrapper(legacy_rnn_cells().LSTMCell(4), 3),
                  ["kernel", "bias", "lstm_cell/kernel", "lstm_cell/bias", "attention/attn_w", "attention/attn_v",
                   "attention/kernel", "attention/bias", "attn_output_projection/kernel",
                   "attn_output_projection/bias"], "attention_cell_wrapper"),
}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_cells_run_under_dynamic_rnn_with_tf1_names_and_gradients(name):
    make_cell, names, scope = CELLS[name]
    with v1.Graph().as_default():
        x = v1.constant(RNG.randn(2, 5, 6).astype(np.float32))
        outputs, _ = v1.nn.dynamic_rnn(make_cell(), x, sequence_length=[5, 3], dtype=v1.float32)
        assert [v.op.name for v in v1.trainable_variables()] == [f"rnn/{scope}/{n}" for n in names]
        gradients = v1.gradients(v1.reduce_sum(outputs), [x] + v1.trainable_variables())
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            values = sess.run([g for g in gradients if g is not None])
    assert len(values) == len(gradients)
    assert all(np.isfinite(g).all() and np.abs(g).sum() > 0 for g in values)


def test_highway_and_phased_cells_under_dynamic_rnn():
    with v1.Graph().as_default():
        x = v1.constant(RNG.randn(2, 5, 4).astype(np.float32))
        time = v1.constant(np.arange(10, dtype=np.float32).reshape(2, 5, 1))
        highway, _ = v1.nn.dynamic_rnn(wrappers.HighwayWrapper(legacy_rnn_cells().LSTMCell(4)), x, dtype=v1.float32)
        with v1.variable_scope("phased"):
            phased, _ = v1.nn.dynamic_rnn(contrib_phased_lstm.PhasedLSTMCell(3), (time, x), dtype=v1.float32)
        assert [v.op.name for v in v1.global_variables()] == [
            "rnn/lstm_cell/kernel", "rnn/lstm_cell/bias", "rnn/carry_w", "rnn/carry_b"] + [
            f"phased/rnn/phased_lstm_cell/{n}" for n in ("mask_gates/kernel", "mask_gates/bias", "new_input/kernel",
                                                         "new_input/bias", "output_gate/kernel", "output_gate/bias",
                                                         "period", "phase", "ratio_on")]
        gradients = v1.gradients(v1.reduce_sum(highway) + v1.reduce_sum(phased), v1.trainable_variables())
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            assert all(np.isfinite(g).all() for g in sess.run(gradients))


@pytest.mark.parametrize("make_cell", [
    lambda tuple_state: cells.CoupledInputForgetGateLSTMCell(4, num_proj=3, state_is_tuple=tuple_state),
    lambda tuple_state: wrappers.AttentionCellWrapper(legacy_rnn_cells().GRUCell(4), 2, state_is_tuple=tuple_state),
    lambda tuple_state: wrappers.HighwayWrapper(legacy_rnn_cells().GRUCell(3)),
], ids=["cifg", "attention", "highway"])
def test_concatenated_state_and_static_rnn_compute_the_same(make_cell):
    """state_is_tuple=False under static_rnn (variables reused step to step) equals tuple state under
    dynamic_rnn, on the same weights (reuse=True: a variable made anew would raise)."""
    x = RNG.randn(2, 4, 3).astype(np.float32)
    with v1.Graph().as_default():
        with v1.variable_scope("shared"):
            dynamic, _ = v1.nn.dynamic_rnn(make_cell(True), v1.constant(x), dtype=v1.float32)
        with v1.variable_scope("shared", reuse=True):
            static, _ = v1.nn.static_rnn(make_cell(False), v1.unstack(v1.constant(x), axis=1), dtype=v1.float32)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            sess.run([v.assign(0.5 * RNG.randn(*v.shape.as_list())) for v in v1.global_variables()])
            dynamic, static = sess.run([dynamic, v1.stack(static, axis=1)])
    np.testing.assert_allclose(static, dynamic, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("build, message", [
    (lambda: cells.GLSTMCell(5, number_of_groups=2), "GLSTMCell's num_units (5) must be divisible"),
    (lambda: wrappers.AttentionCellWrapper(legacy_rnn_cells().GRUCell(3), 0), "attn_length must be > 0"),
    (lambda: wrappers.HighwayWrapper("not a cell"), "HighwayWrapper wraps an RNNCell"),
    (lambda: cells.IntersectionRNNCell(4)(v1.zeros([2, 3]), v1.zeros([2, 4])), "set num_in_proj=num_units"),
    (lambda: cells.UGRNNCell(4)(v1.placeholder(v1.float32, [2, None]), v1.zeros([2, 4])), "UGRNNCell needs 2-D"),
    (lambda: contrib_phased_lstm.PhasedLSTMCell(4)(v1.zeros([2, 3]), LSTMStateTuple(*[v1.zeros([2, 4])] * 2)),
     "inputs must be a pair"),
])
def test_bad_arguments_give_one_line(build, message):
    with v1.Graph().as_default(), pytest.raises((ValueError, TypeError), match=re.escape(message)) as error:
        build()
    assert "\n" not in str(error.value)
