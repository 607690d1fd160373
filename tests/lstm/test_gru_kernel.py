"""The GRU (lstm/gru.py): the compiled op and its TensorFlow-ops fallback against TF1's GRUCell.

Both must agree with the legacy GRUCell run by static_rnn on the same variables: outputs, final
state, and the gradients with respect to the inputs, all four variables and the initial state,
to 1e-5 relative, with sequence_length's zero outputs and frozen states.
"""
import os
import shutil

import numpy as np
import pytest

from tf1_rnn.compat import legacy_rnn_cells, tf
from tf1_rnn.lstm import gru
from tf1_rnn.lstm.compiled import build, gru_ops

# Without a compiler the op cannot be built and these tests skip; with one, a failed build fails them.
pytestmark = [pytest.mark.skipif(shutil.which(os.environ.get("CXX", "c++")) is None, reason="no C++ compiler here"),
              pytest.mark.filterwarnings("ignore:`tf.nn.rnn_cell.GRUCell` is deprecated")]

STEPS, BATCH, DEPTH, HIDDEN = 5, 7, 3, 4
LENGTHS = np.array([STEPS, 2, 0, STEPS + 3, 1, 4, 3], np.int32)  # a length 0, full ones, one past T
RTOL = 1e-5
# GRUCell's variables in the order it makes them, under static_rnn's scope.
NAMES = ["rnn/gru_cell/gates/kernel", "rnn/gru_cell/gates/bias", "rnn/gru_cell/candidate/kernel",
         "rnn/gru_cell/candidate/bias"]
_RNG = np.random.default_rng(2)
X = _RNG.normal(size=(STEPS, BATCH, DEPTH)).astype(np.float32)
H0 = _RNG.normal(size=(BATCH, HIDDEN)).astype(np.float32)


def assert_close(actual, expected):
    """Equal to ``RTOL`` relative, measured against the largest magnitude in ``expected``."""
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * np.abs(expected).max())


def gru_run(how, with_state, with_lengths, shards=1, read="all"):
    """One GRU over random inputs and random weights: [outputs, h_T, then the gradients].

    ``how``: "cell" (GRUCell under static_rnn), "compiled" or "ops" (gru_sequence).
    ``read``: "all" steps' outputs and the final state enter the loss, or the "last" state only.
    """
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        x, h0 = tf.constant(X), tf.constant(H0)
        initial = h0 if with_state else None
        lengths = tf.constant(LENGTHS) if with_lengths else None
        if how == "cell":
            outputs, final = tf.nn.static_rnn(legacy_rnn_cells().GRUCell(HIDDEN), tf.unstack(x), initial,
                                              tf.float32, lengths)
        else:
            with tf.variable_scope("rnn"):  # static_rnn's scope: the same variable names
                weights = gru.gru_variables(DEPTH, HIDDEN)
                outputs, final = gru.gru_sequence(x, *weights, initial_state=initial, sequence_length=lengths,
                                                  shards=shards, compiled=how == "compiled")
        outputs = tf.stack(outputs)
        variables = tf.trainable_variables()
        assert [v.op.name for v in variables] == NAMES  # so the k-th random weight goes to the same variable
        # The same random weights in both graphs; GRUCell's bias of ones would hide a gate mix-up.
        assigns = [tf.assign(v, tf.random_normal(v.shape, stddev=0.7, seed=k + 1)) for k, v in enumerate(variables)]
        loss = tf.reduce_sum(final * tf.random_normal(final.shape, seed=20))
        if read == "all":
            loss += tf.reduce_sum(outputs * tf.random_normal(outputs.shape, seed=21))
        grads = tf.gradients(loss, [x] + variables + ([h0] if with_state else []))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(assigns)
            return sess.run([outputs, final] + grads)


def assert_runs_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert_close(a, e)
    assert all(np.abs(g).max() > 0 for g in expected[2:])  # every gradient reaches something


@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("with_lengths", [False, True])
@pytest.mark.parametrize("shards", [1, 2])  # batch 7 in parts of 3 and 4, the state split alike
def test_compiled_gru_equals_gru_cell(with_state, with_lengths, shards):
    actual = gru_run("compiled", with_state, with_lengths, shards)
    assert_runs_equal(actual, gru_run("cell", with_state, with_lengths))
    if with_lengths:  # past its length an example outputs zeros; length 0 keeps the initial state
        outputs, final = actual[:2]
        assert (outputs[2:, 1] == 0).all() and (outputs[:, 2] == 0).all() and (outputs[1:, 4] == 0).all()
        np.testing.assert_array_equal(final[2], H0[2] if with_state else 0)
        np.testing.assert_array_equal(final[1], outputs[1, 1])


@pytest.mark.parametrize("with_state", [False, True])
def test_reading_the_final_state_only_equals_gru_cell(with_state):
    # The gradient op then gets one step's output gradient, [1, batch, H], not T of them.
    assert_runs_equal(gru_run("compiled", with_state, False, read="last"),
                      gru_run("cell", with_state, False, read="last"))


@pytest.mark.parametrize("shards", [1, 2])
def test_the_tensorflow_ops_fallback_equals_gru_cell(shards):
    assert_runs_equal(gru_run("ops", True, True, shards), gru_run("cell", True, True))


def test_the_variables_are_gru_cells_names_and_initial_values():
    values = {}
    for how in ("cell", "ops"):
        with tf.Graph().as_default():
            x = tf.zeros([STEPS, BATCH, DEPTH])
            with tf.variable_scope("model", initializer=tf.constant_initializer(0.5)):  # the kernels' too
                if how == "cell":
                    tf.nn.static_rnn(legacy_rnn_cells().GRUCell(HIDDEN), tf.unstack(x), dtype=tf.float32)
                else:
                    with tf.variable_scope("rnn"):
                        gru.gru_sequence(x, *gru.gru_variables(DEPTH, HIDDEN), compiled=False)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                values[how] = {v.op.name: sess.run(v) for v in tf.trainable_variables()}
    assert list(values["ops"]) == list(values["cell"]) == ["model/" + name for name in NAMES]
    for name, value in values["cell"].items():
        np.testing.assert_array_equal(values["ops"][name], value)


def test_each_part_of_the_batch_is_one_op_forward_and_one_backward():
    with tf.Graph().as_default() as graph:
        x = tf.placeholder(tf.float32, [STEPS, None, DEPTH])
        weights = gru.gru_variables(DEPTH, HIDDEN)
        outputs, _ = gru.gru_sequence(x, *weights, shards=2)
        tf.gradients(tf.reduce_sum(outputs[-1]), [x] + list(weights))
    types = [op.type for op in graph.get_operations()]
    assert types.count("Tf1RnnGruSequence") == 2 and types.count("Tf1RnnGruSequenceGrad") == 2
    assert "Sigmoid" not in types and "Tanh" not in types


def test_the_op_builds_here_and_bad_shapes_fail_with_its_own_message():
    ops, why = gru_ops.load_or_reason()
    assert why is None and ops is not None
    with tf.Graph().as_default():
        op = ops.tf1_rnn_gru_sequence(tf.zeros([3, 2, 5]), tf.zeros([7, 6]), tf.zeros([2, 2]))
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="kernel_bias has 7 rows"):
            sess.run(op)


def test_where_the_op_cannot_run_the_gru_runs_as_tensorflow_ops(monkeypatch):
    monkeypatch.setattr(gru_ops, "load_or_reason", lambda: (None, "no C++ compiler: 'x' not found (set CXX)"))
    with tf.Graph().as_default() as graph:
        outputs, _ = gru.gru_sequence(tf.zeros([STEPS, BATCH, DEPTH]), *gru.gru_variables(DEPTH, HIDDEN))
        assert "Tf1RnnGruSequence" not in [op.type for op in graph.get_operations()] and len(outputs) == STEPS
        with tf.variable_scope("again"), pytest.raises(build.KernelUnavailable,
                                                       match=r"^the compiled GRU is unavailable \(no C\+\+ compiler"):
            gru.gru_sequence(tf.zeros([STEPS, BATCH, DEPTH]), *gru.gru_variables(DEPTH, HIDDEN), compiled=True)
