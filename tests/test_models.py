"""Graph builders: shapes, TF1 variable names, repeated builds, shared weights, seeding."""
import numpy as np
import pytest

from tf1_rnn import configs, models
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
