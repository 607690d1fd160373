"""Graph builders: shapes, TF1 variable names, repeated builds, shared weights, seeding."""
import dataclasses

import numpy as np
import pytest

from tf1_rnn.tutorials import configs
from tf1_rnn.tutorials import models
from tf1_rnn.compat import tf

TINY = configs.BiLSTMConfig(n_hidden=8, seed=1)


def images(n=3, seed=0):
    return np.random.default_rng(seed).random((n, 784), dtype=np.float32)


def labels(n=3):
    return np.eye(10, dtype=np.float32)[np.arange(n) % 10]


def test_bilstm_shapes_and_tf1_variable_names():
    with tf.Graph().as_default():
        g = models.build_bilstm(TINY)
        assert g.x.shape.as_list() == [None, 28, 28] and g.logits.shape.as_list() == [None, 10]
        names = sorted(v.op.name for v in tf.trainable_variables())
    assert names == ["Variable", "Variable_1",
                     "birnn/bidirectional_rnn/bw/basic_lstm_cell/bias",
                     "birnn/bidirectional_rnn/bw/basic_lstm_cell/kernel",
                     "birnn/bidirectional_rnn/fw/basic_lstm_cell/bias",
                     "birnn/bidirectional_rnn/fw/basic_lstm_cell/kernel"]


def test_building_twice_in_one_graph_shares_weights_instead_of_raising():
    with tf.Graph().as_default():
        train = models.build_bilstm(TINY)
        count = len(tf.trainable_variables())
        again = models.build_bilstm(TINY)      # a notebook re-running its cell
        evaluation = models.build_bilstm(TINY, training=False)
        assert len(tf.trainable_variables()) == count
        assert evaluation.train_op is None and again.train_op is not None
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            x, y = images(), labels()
            a = sess.run(train.logits, train.feed(x, y, training=False))
            b = sess.run(evaluation.logits, evaluation.feed(x, y, training=False))
    np.testing.assert_array_equal(a, b)


def initial_weights(cfg, seed):
    with tf.Graph().as_default():
        tf.set_random_seed(seed)
        models.build_bilstm(cfg)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run(tf.trainable_variables())


def test_graph_seed_fixes_every_initial_weight():
    first, second, other = initial_weights(TINY, 3), initial_weights(TINY, 3), initial_weights(TINY, 4)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])  # the LSTM kernel follows the seed


@pytest.mark.parametrize("readout", ["last", "ends"])
def test_one_training_step_changes_every_weight(readout):
    cfg = configs.BiLSTMConfig(n_hidden=8, readout=readout)
    with tf.Graph().as_default():
        g = models.build_bilstm(cfg)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            before = sess.run(tf.trainable_variables())
            loss, _ = sess.run([g.loss, g.train_op], g.feed(images(4), labels(4), training=True))
            after = sess.run(tf.trainable_variables())
            assert sess.run(g.global_step) == 1
    assert np.isfinite(loss)
    for a, b in zip(before, after):
        assert not np.array_equal(a, b)


LSTM_NAMES = ["rnn/basic_lstm_cell/bias", "rnn/basic_lstm_cell/kernel"]
BI_NAMES = [f"bidirectional_rnn/{d}/basic_lstm_cell/{v}" for d in ("bw", "fw") for v in ("bias", "kernel")]
TUTORIALS = {
    "lstm": (configs.LSTMConfig(n_hidden=8, seed=1), ["Variable", "Variable_1"] + LSTM_NAMES),
    "rnn": (configs.RNNConfig(n_hidden=8), ["Variable", "Variable_1"] + LSTM_NAMES),
    "birnn": (configs.BiRNNConfig(n_hidden=8), ["Variable", "Variable_1"] + BI_NAMES),
    "dlstm": (configs.DLSTMConfig(n_hidden=8), ["biases_hidden", "biases_out"] + BI_NAMES
              + ["weights_hidden", "weights_out"]),
    "bilstm": (TINY, None),
}


@pytest.mark.parametrize("impl", ["cell", "fused", "compiled"])
@pytest.mark.parametrize("name", list(TUTORIALS))
def test_every_builder_shapes_names_reuse_and_one_step(name, impl):
    cfg, expected_names = TUTORIALS[name]
    cfg = dataclasses.replace(cfg, lstm_impl=impl)
    build = getattr(models, "build_" + name)
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        g = build(cfg)
        names = sorted(v.op.name for v in tf.trainable_variables())
        assert build(cfg, training=False).train_op is None
        assert sorted(v.op.name for v in tf.trainable_variables()) == names  # rebuilt without raising
        assert g.x.shape.as_list() == [None, 28, 28] and g.logits.shape.as_list() == [None, 10]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            before = sess.run(tf.trainable_variables())
            feed = g.feed(images(5), labels(5), training=True)
            logits, loss, _ = sess.run([g.logits, g.loss, g.train_op], feed)
            after = sess.run(tf.trainable_variables())
    if expected_names is not None:
        assert names == expected_names
    assert logits.shape == (5, 10) and np.isfinite(loss)
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize("layers, cell, prefix", [
    (2, "lstm", "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel"),
    (1, "gru", "rnn/gru_cell/gates/kernel"),
    (1, "rnn", "rnn/basic_rnn_cell/kernel"),
])
def test_lstm_tutorial_variants_keep_tf1_names(layers, cell, prefix):
    with tf.Graph().as_default():
        g = models.build_lstm(configs.LSTMConfig(n_hidden=8, layers=layers, cell=cell))
        assert prefix in [v.op.name for v in tf.trainable_variables()]
        assert g.summaries is not None


def test_lstm_softmax_twice_is_the_default_and_can_be_corrected():
    with tf.Graph().as_default():
        faithful = models.build_lstm(configs.LSTMConfig(n_hidden=8))
        corrected = models.build_lstm(configs.LSTMConfig(n_hidden=8, softmax_twice=False))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            x, y = images(4), labels(4)
            probabilities = sess.run(faithful.logits, faithful.feed(x, y, training=False))
            raw = sess.run(corrected.logits, corrected.feed(x, y, training=False))
    np.testing.assert_allclose(probabilities.sum(1), 1.0, rtol=1e-5)  # softmax outputs, fed as logits
    np.testing.assert_allclose(probabilities, np.exp(raw) / np.exp(raw).sum(1, keepdims=True), rtol=1e-5)


def dropout_outputs(step, keep_prob, seed=7, with_plain=False):
    """Outputs of a 3-step sequence through the seeded dropout wrapper at a given training step;
    ``with_plain`` also returns the same LSTM's outputs without the wrapper (shared weights)."""
    from tf1_rnn.lstm import cells
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        x = tf.constant(np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32))
        with models.shared_weights():
            cell = cells.SeededDropoutWrapper(cells.make_cell("lstm", 16), keep_prob,
                                              cells.dropout_seed(seed, 0, tf.constant(step)))
            outputs, _ = tf.nn.dynamic_rnn(cell, x, initial_state=cell.zero_state(2, tf.float32))
            plain, _ = tf.nn.dynamic_rnn(cells.make_cell("lstm", 16), x, dtype=tf.float32)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run((outputs, plain)) if with_plain else sess.run(outputs)


def test_dropout_masks_are_a_function_of_seed_and_step():
    a, again, later, other_seed = (dropout_outputs(5, 0.5), dropout_outputs(5, 0.5), dropout_outputs(6, 0.5),
                                   dropout_outputs(5, 0.5, seed=8))
    np.testing.assert_array_equal(a, again)  # a new graph and session: the same masks
    dropped = a == 0
    assert 0.3 < dropped.mean() < 0.7
    assert not np.array_equal(dropped, later == 0) and not np.array_equal(dropped, other_seed == 0)
    assert not np.array_equal(dropped[:, 0], dropped[:, 1])  # each time step its own mask
    assert (dropout_outputs(5, 1.0) != 0).all()  # keep_prob 1.0: nothing dropped


def test_dropout_touches_only_the_output_as_tf1_output_keep_prob_did():
    # DropoutWrapper(output_keep_prob=p) scaled kept outputs by 1/p and passed the undropped state
    # on; dropping the recurrent h too would change every later step and slow training.
    dropped, plain = dropout_outputs(5, 0.5, with_plain=True)
    kept = dropped != 0
    assert 0.3 < kept.mean() < 0.7
    np.testing.assert_allclose(dropped[kept], plain[kept] / 0.5, rtol=1e-5)
