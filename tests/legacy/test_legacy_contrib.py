"""tf.contrib beyond rnn: the block cells, LayerNormBasicLSTMCell, the wrappers, contrib.layers
and slim. Numerics in-process, each in its own tf.Graph; the runner's import forms in a subprocess."""
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from tf1_rnn.compat import TF1DefaultInitializer, legacy_rnn_cells, tf
from tf1_rnn.legacy import block_cells, contrib_cells, contrib_layers, contrib_seq2seq
from tf1_rnn.legacy.patches import Patches

SCRIPTS = os.path.join(ROOT, "tests", "legacy_scripts")
rnn_cell = legacy_rnn_cells()


@pytest.fixture(autouse=True, scope="module")
def runner_parts():
    """What the runner installs for these parts meanwhile: the block cells' gradients, the names tf-slim reads."""
    patches = Patches()
    block_cells.register_gradients(patches)
    contrib_layers.restore_moved_names(patches)
    yield
    patches.undo()


def run_legacy(script, cwd):
    return subprocess.run([sys.executable, "-m", "tf1_rnn.run_legacy", "--no-verify", str(script)], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=ROOT))


def inputs(batch=3, steps=5, size=4, seed=0):
    return tf.constant(np.random.RandomState(seed).randn(batch, steps, size).astype(np.float32))


def run_both(block, reference, x, scope="shared", **rnn_args):
    """Outputs, final states and gradients of two cells that share one set of variables."""
    results = []
    for cell, reuse in ((block, None), (reference, True)):
        with tf.variable_scope(scope, reuse=reuse):
            outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32, **rnn_args)
        loss = tf.reduce_sum(outputs ** 2) + tf.reduce_sum(tf.nest.flatten(state)[0])
        results.append((outputs, state, tf.gradients(loss, [x] + tf.trainable_variables())))
    return results


def assert_same(session, first, second):
    for a, b in zip(tf.nest.flatten(session.run(first)), tf.nest.flatten(session.run(second))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("block, reference, names", [
    (lambda: block_cells.LSTMBlockCell(6), lambda: rnn_cell.BasicLSTMCell(6, name="lstm_cell"),
     ["kernel", "bias"]),
    (lambda: block_cells.LSTMBlockCell(6, forget_bias=0.5, use_peephole=True),
     lambda: rnn_cell.LSTMCell(6, forget_bias=0.5, use_peepholes=True),
     ["kernel", "bias", "w_i_diag", "w_f_diag", "w_o_diag"]),
    (lambda: block_cells.GRUBlockCellV2(6), lambda: rnn_cell.GRUCell(6),
     ["gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias"]),
], ids=["LSTMBlockCell=BasicLSTMCell", "peepholes=LSTMCell", "GRUBlockCellV2=GRUCell"])
def test_block_cells_compute_the_core_cells_function_and_gradients(block, reference, names):
    with tf.Graph().as_default():
        x = inputs()
        (block_out, block_state, block_grads), (ref_out, ref_state, ref_grads) = run_both(
            block(), reference(), x, sequence_length=[5, 2, 4])
        scope = "shared/rnn/" + ("gru_cell/" if "gates/kernel" in names else "lstm_cell/")
        assert [v.name for v in tf.trainable_variables()] == [scope + name + ":0" for name in names]
        assert all(g is not None for g in block_grads)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run([v.assign(tf.random_normal(v.shape, seed=i)) for i, v in enumerate(tf.trainable_variables())])
            assert_same(sess, (block_out, block_state, block_grads), (ref_out, ref_state, ref_grads))


def test_lstm_block_cell_clips_the_state_forward_and_passes_gradients_through_the_clip():
    """TF's LSTMBlockCellGrad kernel, as in TF 1.x, differentiates as if the clip were not there."""
    with tf.Graph().as_default():
        x = inputs()
        (block_out, block_state, block_grads), (ref_out, ref_state, _) = run_both(
            block_cells.LSTMBlockCell(6, cell_clip=0.3), rnn_cell.LSTMCell(6, cell_clip=0.3), x)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run([v.assign(tf.random_normal(v.shape, seed=i)) for i, v in enumerate(tf.trainable_variables())])
            assert_same(sess, (block_out, block_state), (ref_out, ref_state))
            assert np.abs(sess.run(block_state.c)).max() == pytest.approx(0.3)
            assert all(np.isfinite(g).all() and np.abs(g).sum() > 0 for g in sess.run(block_grads))


def test_gru_block_cell_keeps_tf1_names_and_equals_v2():
    with tf.Graph().as_default():
        x = inputs()
        with tf.variable_scope("v1"):
            out_v1, _ = tf.nn.dynamic_rnn(block_cells.GRUBlockCell(cell_size=6), x, dtype=tf.float32)
        with tf.variable_scope("v2"):
            out_v2, _ = tf.nn.dynamic_rnn(block_cells.GRUBlockCellV2(6), x, dtype=tf.float32)
        names = [v.name for v in tf.trainable_variables()]
        assert names[:4] == ["v1/rnn/gru_cell/w_ru:0", "v1/rnn/gru_cell/b_ru:0", "v1/rnn/gru_cell/w_c:0",
                             "v1/rnn/gru_cell/b_c:0"]
        copy = [a.assign(b) for a, b in zip(tf.trainable_variables()[:4], tf.trainable_variables()[4:])]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(tf.trainable_variables()[1]), 1.0)  # b_ru starts at 1
            sess.run(copy)
            assert_same(sess, out_v1, out_v2)
        with pytest.raises(ValueError, match="exactly one of num_units or cell_size"):
            block_cells.GRUBlockCell()


def test_fused_cell_equals_the_step_cell_and_stops_at_each_length():
    with tf.Graph().as_default():
        x, lengths = inputs(), [5, 3, 0]
        with tf.variable_scope("shared"):
            step_out, step_state = tf.nn.dynamic_rnn(block_cells.LSTMBlockCell(6), x, lengths, dtype=tf.float32)
        with tf.variable_scope("shared/rnn", reuse=True):
            fused = block_cells.LSTMBlockFusedCell(6, name="lstm_cell")
            fused_out, fused_state = fused(tf.transpose(x, [1, 0, 2]), dtype=tf.float32, sequence_length=lengths)
        assert len(tf.trainable_variables()) == 2  # the fused cell found the step cell's kernel and bias
        grads = tf.gradients(tf.reduce_sum(fused_out) + tf.reduce_sum(fused_state.c), tf.trainable_variables())
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            assert_same(sess, (tf.transpose(fused_out, [1, 0, 2]), fused_state), (step_out, step_state))
            assert all(np.abs(g).sum() > 0 for g in sess.run(grads))
    with tf.Graph().as_default():
        fused = block_cells.LSTMBlockFusedCell(4)
        fused(tf.zeros([2, 1, 3]), dtype=tf.float32)
        assert [v.name for v in tf.trainable_variables()] == ["lstm_fused_cell/kernel:0", "lstm_fused_cell/bias:0"]


def layer_norm(v, gain, shift):
    return (v - v.mean(1, keepdims=True)) / np.sqrt(v.var(1, keepdims=True) + 1e-12) * gain + shift


def test_layer_norm_lstm_follows_its_equations_with_tf1_names():
    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    with tf.Graph().as_default():
        rng = np.random.RandomState(1)
        x, c, h = (rng.randn(2, n).astype(np.float32) for n in (3, 4, 4))
        cell = contrib_cells.LayerNormBasicLSTMCell(4, forget_bias=0.5, norm_gain=1.5, norm_shift=0.2)
        with tf.variable_scope("rnn"):
            new_h, new_state = cell(tf.constant(x), rnn_cell.LSTMStateTuple(tf.constant(c), tf.constant(h)))
        prefix = "rnn/layer_norm_basic_lstm_cell/"
        assert [v.name for v in tf.trainable_variables()] == [prefix + "kernel:0"] + [
            f"{prefix}{gate}/{param}:0" for gate in ("input", "transform", "forget", "output", "state")
            for param in ("gamma", "beta")]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            kernel = sess.run(tf.trainable_variables()[0])
            got_h, got_c = sess.run([new_h, new_state.c])
    i, j, f, o = (layer_norm(g, 1.5, 0.2) for g in np.split(np.concatenate([x, h], 1) @ kernel, 4, axis=1))
    want_c = layer_norm(c * sigmoid(f + 0.5) + sigmoid(i) * np.tanh(j), 1.5, 0.2)
    np.testing.assert_allclose(got_c, want_c, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_h, np.tanh(want_c) * sigmoid(o), rtol=1e-4, atol=1e-5)


def test_projection_and_embedding_wrappers_keep_tf1_names_and_math():
    with tf.Graph().as_default():
        cell = contrib_cells.OutputProjectionWrapper(
            contrib_cells.InputProjectionWrapper(rnn_cell.BasicLSTMCell(4), num_proj=5), output_size=2)
        outputs, state = tf.nn.dynamic_rnn(cell, inputs(), dtype=tf.float32)
        names = [v.name for v in tf.trainable_variables()]
        assert names == ["rnn/output_projection_wrapper/input_projection_wrapper/kernel:0",
                         "rnn/output_projection_wrapper/input_projection_wrapper/bias:0",
                         "rnn/output_projection_wrapper/input_projection_wrapper/basic_lstm_cell/kernel:0",
                         "rnn/output_projection_wrapper/input_projection_wrapper/basic_lstm_cell/bias:0",
                         "rnn/output_projection_wrapper/kernel:0", "rnn/output_projection_wrapper/bias:0"]
        kernel, bias = tf.trainable_variables()[-2:]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(bias.assign([0.5, -1.0]))
            assert_same(sess, outputs[:, -1], tf.matmul(state.h, kernel) + bias)
    with tf.Graph().as_default():
        tf.get_variable_scope().set_initializer(TF1DefaultInitializer())  # as the runner sets it
        cell = contrib_cells.EmbeddingWrapper(rnn_cell.GRUCell(3), embedding_classes=200, embedding_size=50)
        ids = [tf.constant([[1], [7]]), tf.constant([[2], [0]])]  # two steps of [batch, 1] symbols
        outputs, _ = tf.nn.static_rnn(cell, ids, dtype=tf.float32)
        embedding = tf.trainable_variables()[0]
        assert embedding.name == "rnn/embedding_wrapper/embedding:0" and outputs[-1].shape.as_list() == [2, 3]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run(embedding)
        assert np.abs(values).max() <= np.sqrt(3) and 0.9 < values.std() < 1.1  # TF1's variance-1 default
        with pytest.raises(TypeError, match="wraps an RNNCell"):
            contrib_cells.OutputProjectionWrapper("not a cell", 3)


def test_embed_sequence_names_unique_and_reuse():
    with tf.Graph().as_default():
        ids = tf.constant([[1, 2, 1], [0, 2, 2]])
        plain = contrib_layers.embed_sequence(ids, vocab_size=4, embed_dim=3)
        unique = contrib_layers.embed_sequence(ids, unique=True, scope="EmbedSequence", reuse=True)
        assert [v.name for v in tf.global_variables()] == ["EmbedSequence/embeddings:0"]
        assert unique.shape.as_list() == [2, 3, 3]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            assert_same(sess, plain, unique)
        with pytest.raises(ValueError, match="needs vocab_size and embed_dim"):
            contrib_layers.embed_sequence(ids, vocab_size=4)


def test_slim_paths_that_reach_moved_tensorflow_names():
    """Rank-4 batch norm (tf-keras's layer), cond on a placeholder, a tensor learning rate, metrics."""
    import tf_slim as slim

    with tf.Graph().as_default():
        images, labels = tf.random_normal([4, 6, 6, 1], seed=1), tf.constant([0, 1, 1, 0])
        training = tf.placeholder_with_default(True, [])
        net = slim.batch_norm(slim.conv2d(images, 2, [3, 3]), is_training=training)
        logits = slim.fully_connected(slim.flatten(net), 2, activation_fn=None)
        loss = slim.losses.sparse_softmax_cross_entropy(logits, labels)
        step = tf.train.get_or_create_global_step()
        train_op = slim.optimize_loss(loss, step, learning_rate=tf.constant(0.1), optimizer="SGD")
        accuracy, update_accuracy = slim.metrics.streaming_accuracy(tf.argmax(logits, 1), labels)
        assert {"Conv/weights:0", "Conv/biases:0", "BatchNorm/beta:0", "BatchNorm/moving_mean:0",
                "fully_connected/weights:0"} <= {v.name for v in tf.global_variables()}
        with tf.Session() as sess:
            sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
            sess.run([train_op, update_accuracy])
            assert sess.run(step) == 1 and 0 <= sess.run(accuracy) <= 1


def test_script_with_slim_layers_and_block_cells_trains_with_tf1_names(tmp_path):
    result = run_legacy(os.path.join(SCRIPTS, "contrib_layers_cells.py"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    first, last = map(float, lines[0].split()[1:])
    assert last < 0.5 * first
    assert lines[1] == "global_step 20 moving_mean_moved True"
    assert {"lstm_block/rnn/lstm_cell/kernel:0", "gru_block/rnn/gru_cell/w_ru:0",
            "gru_block_v2/rnn/gru_cell/candidate/bias:0", "fused/lstm_fused_cell/bias:0",
            "ln_lstm/rnn/layer_norm_basic_lstm_cell/state/gamma:0", "fully_connected/weights:0",
            "fully_connected/biases:0", "BatchNorm/beta:0", "logits/weights:0"} <= set(lines[2:])
    # the one line naming what ran on the kernel (after its compile line, where this process built it)
    assert [line for line in result.stderr.splitlines() if not line.startswith("tf1_rnn: compiling")] == [
        "run_legacy: 1 LSTM layer and 2 GRU layers on the compiled kernel (--rnn-impl tf runs TensorFlow's own ops)"]


def test_contrib_import_forms_and_what_stays_unavailable(tmp_path):
    script = tmp_path / "forms.py"
    script.write_text(
        "import tensorflow as tf\n"
        "import tensorflow.contrib.slim as slim\n"
        "from tensorflow.contrib.slim.nets import vgg\n"
        "from tensorflow.contrib.layers import fully_connected, l2_regularizer\n"
        "from tensorflow.contrib.rnn import LSTMBlockCell, LayerNormBasicLSTMCell\n"
        "from tensorflow.contrib.framework import nest\n"
        "print(slim.fully_connected is fully_connected, callable(vgg.vgg_16), nest.flatten([[1], 2]),\n"
        "      nest.is_sequence(3))\n"
        "tf.contrib.layers.real_valued_column('x')\n")
    result = run_legacy(script, cwd=tmp_path)
    assert result.stdout == "True True [1, 2] False\n"
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith("run_legacy: error: tf.contrib.layers.real_valued_column is not available")
    assert lines[0].endswith("(forms.py, line 9)")


def test_sequence_losses_weight_and_average_as_tf1_did():
    rng = np.random.RandomState(3)
    logits = rng.randn(2, 3, 4).astype(np.float32)
    targets = np.array([[0, 3, 1], [2, 2, 0]], np.int32)
    weights = np.array([[1, 1, 0], [1, 0.5, 1]], np.float32)
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_softmax, targets[..., None], -1)[..., 0] * weights  # [batch, time]
    expected = {
        "both": nll.sum() / weights.sum(),
        "time": nll.sum(1) / weights.sum(1),
        "neither": nll,
        "sum_over": nll.sum() / np.count_nonzero(weights),
        "by_example": nll.sum(1) / weights.sum(1),
        "legacy": (nll.sum(1) / weights.sum(1)).sum() / 2,
    }
    with tf.Graph().as_default(), tf.Session() as sess:
        args = tf.constant(logits), tf.constant(targets), tf.constant(weights)
        steps = [[tf.constant(a[:, t]) for t in range(3)] for a in (logits, targets, weights)]
        got = sess.run({
            "both": contrib_seq2seq.sequence_loss(*args),
            "time": contrib_seq2seq.sequence_loss(*args, average_across_batch=False),
            "neither": contrib_seq2seq.sequence_loss(*args, False, False),
            "sum_over": contrib_seq2seq.sequence_loss(*args, False, False, sum_over_timesteps=True,
                                                      sum_over_batch=True),
            "by_example": contrib_seq2seq.sequence_loss_by_example(*steps),
            "legacy": contrib_seq2seq.legacy_sequence_loss(*steps),
        })
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-5, err_msg=key)
