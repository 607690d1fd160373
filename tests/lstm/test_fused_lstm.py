"""The fused LSTM against BasicLSTMCell: same outputs, states, gradients and variables.

Every tutorial model is built twice, ``lstm_impl="cell"`` and ``"fused"``, at the tutorial's
own sizes (batch 4); the fused graph restores the cell graph's checkpoint, and logits, loss and
the gradients with respect to every weight and the input must agree to 1e-5 relative.
"""
import dataclasses

import numpy as np
import pytest

from tf1_rnn.compat import legacy_rnn_cells, tf
from tf1_rnn.lstm import cells, impl
from tf1_rnn.lstm import fused as fused_lstm
from tf1_rnn.lstm import rnn as sequence_rnn
from tf1_rnn.tutorials import configs, models

BATCH = 4
RTOL = 1e-5


def assert_close(actual, expected):
    """Equal to ``RTOL`` relative, measured against the largest magnitude in ``expected``."""
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * np.abs(expected).max())


def batch(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((BATCH, 784), dtype=np.float32), np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)]


def dlstm_feed(graph, n_hidden):
    """Random fed initial states and uneven lengths, where the tutorial fed zeros and 28."""
    rng = np.random.default_rng(1)
    return {graph.get_tensor_by_name("istate_fw:0"): rng.normal(size=(BATCH, 2 * n_hidden)).astype(np.float32),
            graph.get_tensor_by_name("istate_bw:0"): rng.normal(size=(BATCH, 2 * n_hidden)).astype(np.float32),
            graph.get_tensor_by_name("sequence_length:0"): np.array([28, 13, 1, 27], np.int32)}


# Grappler takes ~15 s over the cell DLSTM's 56 sequence-length conds and their gradients;
# the comparison does not need it.
NO_GRAPPLER = tf.ConfigProto()
NO_GRAPPLER.graph_options.rewrite_options.disable_meta_optimizer = True

MODELS = {
    "bilstm": configs.BiLSTMConfig(seed=1),                      # H=256 both directions, outputs[-1]
    "bilstm_ends": configs.BiLSTMConfig(seed=1, readout="ends"),
    "rnn": configs.RNNConfig(seed=1),                            # H=128, one direction
    "birnn": configs.BiRNNConfig(seed=1),                        # H=128, outputs[14]
    "dlstm": configs.DLSTMConfig(seed=1),                        # concatenated fed states, sequence_length
    "lstm": configs.LSTMConfig(seed=1),                          # dynamic_rnn, dropout masks per time step
    "lstm_layers": configs.LSTMConfig(seed=1, layers=2, n_hidden=32),
}


def run_model(name, impl, checkpoint, restore):
    """Build one tutorial graph; save (cell) or restore (fused) its weights; return names and values."""
    cfg = dataclasses.replace(MODELS[name], lstm_impl=impl)
    build = getattr(models, "build_" + name.split("_")[0])
    with tf.Graph().as_default() as graph:
        tf.set_random_seed(0)
        model = build(cfg, training=False)  # no optimizer: the gradients are taken here
        weights = tf.trainable_variables()
        inputs = [model.x]
        feed = model.feed(*batch(), training=True)  # lstm: keep_prob 0.5, the masks of step 0
        if name == "dlstm":
            feed.update(dlstm_feed(graph, cfg.n_hidden))
            inputs += [graph.get_tensor_by_name(f"istate_{d}:0") for d in ("fw", "bw")]
        grads = tf.gradients(model.loss, weights + inputs)
        saver = tf.train.Saver()
        with tf.Session(config=NO_GRAPPLER if name == "dlstm" else None) as sess:
            if restore:
                saver.restore(sess, checkpoint)
            else:
                sess.run(tf.global_variables_initializer())
                saver.save(sess, checkpoint)
            values = sess.run([model.logits, model.loss] + grads, feed)
    return sorted(v.op.name for v in weights), values


@pytest.mark.parametrize("name", list(MODELS))
def test_fused_model_equals_cell_model(name, tmp_path):
    checkpoint = str(tmp_path / "model.ckpt")
    cell_names, expected = run_model(name, "cell", checkpoint, restore=False)
    fused_names, actual = run_model(name, "fused", checkpoint, restore=True)  # the cell's checkpoint
    assert fused_names == cell_names
    for a, e in zip(actual, expected):
        assert_close(a, e)
    assert np.abs(expected[2]).max() > 0  # the gradients are not trivially zero


def test_a_fused_checkpoint_restores_into_the_cell_graph(tmp_path):
    checkpoint = str(tmp_path / "model.ckpt")
    _, (fused_logits, *_) = run_model("rnn", "fused", checkpoint, restore=False)
    _, (cell_logits, *_) = run_model("rnn", "cell", checkpoint, restore=True)
    assert_close(fused_logits, cell_logits)


def initial_weights(name, impl):
    cfg = dataclasses.replace(MODELS[name], n_hidden=8, lstm_impl=impl)
    with tf.Graph().as_default():
        tf.set_random_seed(3)
        getattr(models, "build_" + name.split("_")[0])(cfg, training=False)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return {v.op.name: sess.run(v) for v in tf.trainable_variables()}


@pytest.mark.parametrize("name", ["bilstm", "lstm", "rnn", "birnn", "dlstm"])
def test_a_seed_gives_both_impls_the_same_initial_weights(name):
    # So cell and fused runs of one seed start from the same point: an accuracy comparison is paired.
    cell, fused = initial_weights(name, "cell"), initial_weights(name, "fused")
    assert cell.keys() == fused.keys()
    for key in cell:
        np.testing.assert_array_equal(fused[key], cell[key])


def sequence_run(impl_name, state, with_lengths, n_hidden=16, n_steps=7, shards=1, batch_size=None):
    """One LSTM over random inputs, from zeros or a (tuple or concatenated) random state."""
    chosen = impl.choose(impl_name, batch_size) if impl_name != "cell" else None
    rng = np.random.default_rng(2)
    x_value = rng.normal(size=(n_steps, 4, 5)).astype(np.float32)
    state_value = rng.normal(size=(4, 2 * n_hidden)).astype(np.float32)
    lengths = np.array([n_steps, 2, 0, n_steps + 3], np.int32) if with_lengths else None
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        x, s0 = tf.constant(x_value), tf.constant(state_value)
        initial = {"zeros": None, "tuple": legacy_rnn_cells().LSTMStateTuple(s0[:, :n_hidden], s0[:, n_hidden:]),
                   "concat": s0}[state]
        is_tuple = state != "concat"
        with models.shared_weights():
            if chosen is not None:
                outputs, final = sequence_rnn.lstm(x, n_hidden, chosen, initial, lengths, state_is_tuple=is_tuple,
                                                   shards=shards)
            else:
                cell = cells.make_cell("lstm", n_hidden, state_is_tuple=is_tuple)
                outputs, final = tf.nn.static_rnn(cell, tf.unstack(x), initial, tf.float32, lengths)
            outputs = tf.stack(outputs)
        kernel, bias = tf.trainable_variables()  # the same two names, see test_fused_model_equals_cell_model
        # The same random weights in both graphs; a zero bias would hide a gate mix-up.
        weights = [tf.assign(kernel, tf.random_uniform(kernel.shape, -0.5, 0.5, seed=1)),
                   tf.assign(bias, tf.random_normal(bias.shape, seed=2))]
        final = tf.concat(list(final), 1) if is_tuple else final
        loss = tf.reduce_sum(outputs * tf.random_normal(outputs.shape, seed=3)) + \
            tf.reduce_sum(final * tf.random_normal(final.shape, seed=4))
        grads = tf.gradients(loss, [x, kernel, bias] + ([s0] if initial is not None else []))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(weights)
            return sess.run([outputs, final] + grads)


@pytest.mark.parametrize("state", ["zeros", "tuple", "concat"])
@pytest.mark.parametrize("with_lengths", [False, True])
@pytest.mark.parametrize("shards", [1, 2])  # batch 4 in parts of 2, states split alike
def test_fused_lstm_equals_static_rnn(state, with_lengths, shards):
    expected = sequence_run("cell", state, with_lengths)
    actual = sequence_run("fused", state, with_lengths, shards=shards)
    for a, e in zip(actual, expected):
        assert_close(a, e)
    if with_lengths:  # past its length an example outputs zeros; length 0 keeps the initial state
        assert (actual[0][2:, 1] == 0).all() and (actual[0][:, 2] == 0).all()


def test_one_weight_gradient_matmul_per_step_at_a_large_batch_equals_static_rnn():
    # A graph that trains on LARGE_BATCH or more takes one step per weight-gradient matmul.
    assert fused_lstm.grad_chunk_steps(fused_lstm.LARGE_BATCH) == 1 < fused_lstm.grad_chunk_steps(128)
    expected = sequence_run("cell", "tuple", True)
    actual = sequence_run("fused", "tuple", True, batch_size=fused_lstm.LARGE_BATCH)
    for a, e in zip(actual, expected):
        assert_close(a, e)


@pytest.mark.parametrize("with_lengths", [False, True])
def test_batched_step_matmul_equals_static_rnn(with_lengths, monkeypatch):
    # Above SMALL_HIDDEN the step matmuls run as batched matmuls; lowered here so H=16 takes that path.
    monkeypatch.setattr(fused_lstm, "SMALL_HIDDEN", 8)
    with tf.Graph().as_default():
        step = fused_lstm._step_matmul(tf.zeros([3, 16]), tf.zeros([16, 64]), n_hidden=16)
        assert step.op.inputs[0].op.type == "BatchMatMulV2"
    expected = sequence_run("cell", "tuple", with_lengths)
    actual = sequence_run("fused", "tuple", with_lengths)
    for a, e in zip(actual, expected):
        assert_close(a, e)


def test_sequence_length_masks_only_what_is_read():
    # The recurrence runs unmasked; only the outputs and states a caller reads are masked, so a
    # readout of one step runs two selects (its mask and the mask's gradient), not seven a step.
    with tf.Graph().as_default() as graph:
        x = tf.placeholder(tf.float32, [28, None, 8])
        lengths = tf.placeholder(tf.int32, [None])
        with models.shared_weights():
            outputs, _ = sequence_rnn.lstm(x, 8, impl.LSTMImpl("fused"), sequence_length=lengths, shards=1)
        grad = tf.gradients(tf.reduce_sum(outputs[-1]), x)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            metadata = tf.RunMetadata()
            sess.run(grad, {x: np.ones((28, 2, 8)), lengths: [28, 5]},
                     options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=metadata)
    type_of = {op.name: op.type for op in graph.get_operations()}
    types = [type_of.get(node.node_name) for device in metadata.step_stats.dev_stats for node in device.node_stats]
    assert types.count("LSTMBlockCellGrad") == 28  # the trace sees the backward pass
    assert types.count("SelectV2") == 2


def test_pruned_backward_direction_runs_one_step():
    with tf.Graph().as_default() as graph:
        x = tf.placeholder(tf.float32, [28, None, 28])
        with models.shared_weights():
            outputs = sequence_rnn.bidirectional_lstm(x, 8, impl.LSTMImpl("fused"), read=[27])
        assert len(outputs.fw) == 28 and len(outputs.bw) == 1 and outputs.state_bw is None
        with pytest.raises(ValueError, match="pruned"):
            outputs.at(26)
        steps = [op for op in graph.get_operations() if op.type == "Tanh" and "/bw/" in op.name]
    assert len(steps) == 2  # tanh(j) and tanh(c) of a single step


def test_gru_and_rnn_cells_run_as_cells_under_the_auto_default():
    assert all(cfg().lstm_impl == "auto" for cfg in (configs.LSTMConfig, configs.RNNConfig, configs.BiRNNConfig))
    for cell, scope in (("gru", "rnn/gru_cell/"), ("rnn", "rnn/basic_rnn_cell/")):
        assert models.lstm_impl(configs.LSTMConfig(cell=cell)).name == "cell"
        with tf.Graph().as_default():
            models.build_lstm(configs.LSTMConfig(cell=cell, n_hidden=4), training=False)
            names = [v.op.name for v in tf.trainable_variables()]
        assert any(name.startswith(scope) for name in names) and not any("lstm" in n for n in names)
