"""The runner's LSTMs and GRUs on the compiled kernels (tf1_rnn/legacy/accelerate.py).

Every form TensorFlow's RNN functions take is built twice under the runner's namespace,
``--rnn-impl auto`` and ``--rnn-impl tf``: the same variables (names and shapes), and on the same
weights the same outputs, final states and gradients (every variable, the inputs, fed states)
to 1e-5 relative. Forms the kernel does not compute stay on TensorFlow's ops.
"""
import os
import shutil
import zlib

import numpy as np
import pytest

from rnn_forms import FORMS, B, H, I, T, fed
from tf1_rnn.compat import tensorflow, tf
from tf1_rnn.legacy import install, runner

KERNEL_OP = "Tf1RnnLstmSequence"
KERNEL_OPS = {KERNEL_OP, "Tf1RnnGruSequence"}
RTOL = 1e-5
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated:UserWarning")  # the legacy cells, each time
needs_kernel = pytest.mark.skipif(shutil.which(os.environ.get("CXX", "c++")) is None, reason="no C++ compiler here")
nest = tensorflow.nest
# Grappler spends seconds on TensorFlow's sequence_length conds; the comparison does not need it.
NO_GRAPPLER = tf.ConfigProto()
NO_GRAPPLER.graph_options.rewrite_options.disable_meta_optimizer = True


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * max(np.abs(expected).max(initial=0), 1e-3))


def weights_for(name, shape):
    """The same values for a variable of this name in every graph."""
    return 0.5 * np.random.default_rng(zlib.crc32(name.encode())).normal(size=shape).astype(np.float32)


def build(form, rnn_impl):
    """``form`` under the runner's namespace (LSTMBlockCell's gradient is registered there only).

    Returns (graph, the tensors it computed, the gradients of a loss on them with respect to every
    variable and every fed float, feed).
    """
    with install.installed(rnn_impl=rnn_impl) as tf1:
        graph = tf1.Graph()
        with graph.as_default():
            x = tf1.placeholder(tf1.float32, [None, T, I], name="x")
            feed = {x: fed((B, T, I), 1)}
            computed = nest.flatten(form(tf1, x, feed))
            rng = np.random.default_rng(2)  # a loss that weighs every unit of everything computed differently
            loss = tf1.add_n([tf1.reduce_sum(t * rng.normal(size=t.shape[-1]).astype(np.float32)) for t in computed])
            grads = tf1.gradients(loss, tf1.trainable_variables() + [p for p in feed if p.dtype == tf1.float32])
    return graph, computed, grads, feed


def run(form, rnn_impl):
    """Variables (name, shape), op types, the values of what ``form`` computed and of the gradients,
    and how many of those gradients were missing."""
    graph, computed, grads, feed = build(form, rnn_impl)
    with graph.as_default(), tf.Session(config=NO_GRAPPLER) as session:
        variables = sorted(tf.global_variables(), key=lambda v: v.name)
        for v in variables:
            v.load(weights_for(v.name, v.shape.as_list()), session)
        values = session.run(computed + [g for g in grads if g is not None], feed)
    names = [(v.name, v.shape.as_list()) for v in variables]
    shapes = [t.shape.as_list() for t in computed]  # static shapes: what a program may read at graph time
    return names, {op.type for op in graph.get_operations()}, values, sum(g is None for g in grads), shapes


@needs_kernel
@pytest.mark.parametrize("name", list(FORMS))
def test_each_form_computes_tensorflows_function_with_its_variables(name):
    form, variables = FORMS[name]
    expected_names, expected_ops, expected, expected_missing, expected_shapes = run(form, "tf")
    names, ops, actual, missing, shapes = run(form, "auto")
    assert names == expected_names and missing == expected_missing == 0 and shapes == expected_shapes
    assert not KERNEL_OPS & expected_ops and KERNEL_OPS & ops
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a.shape == e.shape
        assert_close(a, e)
    assert len(names) == variables


def op_types_of(form, rnn_impl):
    return sorted(op.type for op in build(form, rnn_impl)[0].get_operations())


STAYS_ON_TF = {
    "peepholes": lambda tf1, x, feed: tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.LSTMCell(H, use_peepholes=True), x,
                                                         dtype=tf1.float32),
    "num_proj": lambda tf1, x, feed: tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.LSTMCell(H, num_proj=3), x,
                                                        dtype=tf1.float32),
    "relu": lambda tf1, x, feed: tf1.nn.static_rnn(tf1.nn.rnn_cell.BasicLSTMCell(H, activation=tf1.nn.relu),
                                                   tf1.unstack(x, T, 1), dtype=tf1.float32),
    "gru_relu": lambda tf1, x, feed: tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.GRUCell(H, activation=tf1.nn.relu), x,
                                                        dtype=tf1.float32),
    "float64": lambda tf1, x, feed: tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.cast(x, tf1.float64),
                                                       dtype=tf1.float64),
    "seeded_dropout": lambda tf1, x, feed: tf1.nn.dynamic_rnn(
        tf1.nn.rnn_cell.DropoutWrapper(tf1.nn.rnn_cell.BasicLSTMCell(H), output_keep_prob=0.5, seed=3), x,
        dtype=tf1.float32),
    "state_dropout": lambda tf1, x, feed: tf1.nn.dynamic_rnn(
        tf1.nn.rnn_cell.DropoutWrapper(tf1.nn.rnn_cell.BasicLSTMCell(H), state_keep_prob=0.5), x,
        dtype=tf1.float32),
    "greedy_decoder": lambda tf1, x, feed: tf1.contrib.seq2seq.dynamic_decode(tf1.contrib.seq2seq.BasicDecoder(
        tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.contrib.seq2seq.GreedyEmbeddingHelper(
            tf1.ones([9, I]), tf1.fill([B], 1), 2), tf1.nn.rnn_cell.BasicLSTMCell(H).zero_state(B, tf1.float32),
        output_layer=tf1.layers.Dense(9)), maximum_iterations=T)[0].rnn_output,
    "float64_decoder": lambda tf1, x, feed: tf1.contrib.seq2seq.dynamic_decode(tf1.contrib.seq2seq.BasicDecoder(
        tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.contrib.seq2seq.TrainingHelper(tf1.cast(x, tf1.float64), [T] * B),
        tf1.nn.rnn_cell.BasicLSTMCell(H).zero_state(B, tf1.float64)))[0].rnn_output,
    "one_layer_a_basic_rnn": lambda tf1, x, feed: tf1.nn.dynamic_rnn(
        tf1.nn.rnn_cell.MultiRNNCell([tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.nn.rnn_cell.BasicRNNCell(H)]), x,
        dtype=tf1.float32),
}


@pytest.mark.parametrize("name", list(STAYS_ON_TF))
def test_forms_the_kernel_does_not_compute_stay_on_tensorflows_ops(name):
    """Left to TensorFlow, a call gets exactly the graph it gets with --rnn-impl tf."""
    ops = op_types_of(STAYS_ON_TF[name], "auto")
    assert not KERNEL_OPS & set(ops) and ops == op_types_of(STAYS_ON_TF[name], "tf")


@needs_kernel
def test_a_bidirectional_call_takes_each_direction_on_its_own():
    def mixed(tf1, x, feed):
        return tf1.nn.bidirectional_dynamic_rnn(tf1.nn.rnn_cell.BasicRNNCell(H), tf1.nn.rnn_cell.BasicLSTMCell(H), x,
                                                dtype=tf1.float32)
    names, ops, actual, _, _ = run(mixed, "auto")
    expected_names, _, expected, _, _ = run(mixed, "tf")
    assert names == expected_names and KERNEL_OP in ops
    for a, e in zip(actual, expected):
        assert_close(a, e)


@needs_kernel
def test_dropout_draws_a_mask_per_step_as_the_wrapper_does():
    def dropped(tf1, x, feed):
        cell = tf1.nn.rnn_cell.DropoutWrapper(tf1.nn.rnn_cell.BasicLSTMCell(H), input_keep_prob=0.5,
                                              output_keep_prob=0.5)
        return tf1.nn.dynamic_rnn(cell, tf1.tile(x, [200, 1, 1]), dtype=tf1.float32)
    graph, computed, _, feed = build(dropped, "auto")
    assert KERNEL_OP in {op.type for op in graph.get_operations()}
    with graph.as_default(), tf.Session(config=NO_GRAPPLER) as session:
        session.run(tf.global_variables_initializer())
        outputs = session.run(computed[0], feed)  # [batch, T, H]
    zeros = outputs == 0
    assert 0.4 < zeros.mean() < 0.6
    assert (zeros[:, 0] != zeros[:, 1]).mean() > 0.3  # not one mask for every step


@needs_kernel
@pytest.mark.parametrize("written_by, read_by", [("auto", "tf"), ("tf", "auto")])
def test_a_checkpoint_restores_across_implementations(written_by, read_by, tmp_path):
    form = FORMS["multi_rnn_cell_with_dropout"][0]
    checkpoint = str(tmp_path / "model.ckpt")
    values = {}
    for rnn_impl in (written_by, read_by):
        graph, computed, _, feed = build(form, rnn_impl)
        with graph.as_default(), tf.Session(config=NO_GRAPPLER) as session:
            saver = tf.train.Saver()
            if rnn_impl == written_by:
                session.run(tf.global_variables_initializer())
                saver.save(session, checkpoint)
            else:
                saver.restore(session, checkpoint)
            values[rnn_impl] = session.run(computed, feed)
    for a, e in zip(values[read_by], values[written_by]):
        assert_close(a, e)


def test_leaving_the_namespace_puts_tensorflows_functions_back():
    before = {name: getattr(tf.nn, name) for name in ("static_rnn", "dynamic_rnn", "static_bidirectional_rnn",
                                                      "bidirectional_dynamic_rnn")}
    with install.installed(rnn_impl="auto") as tf1:
        assert tf1.nn.static_rnn is not before["static_rnn"] and tf1.contrib.rnn.static_rnn is tf1.nn.static_rnn
        assert tf1.nn.static_rnn.__name__ == "static_rnn"
    assert {name: getattr(tf.nn, name) for name in before} == before
    with install.installed(rnn_impl="tf") as tf1:
        assert tf1.nn.static_rnn is before["static_rnn"]


PROGRAM = """import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 5, 4])
cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(6) for _ in range(2)])
outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        print(sess.run(outputs, {x: np.ones((2, 5, 4))}).shape)
"""


@needs_kernel
def test_the_runner_names_what_it_accelerated_once_and_rnn_impl_tf_nothing(tmp_path, capsys):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    with tf.Graph().as_default():  # each program its own default graph, as in a process of its own
        assert runner.main([str(script)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("(2, 5, 6)") == 3
    lines = [line for line in captured.err.splitlines() if "compiled kernel" in line]
    assert lines == ["run_legacy: 2 LSTM layers on the compiled kernel (--rnn-impl tf runs TensorFlow's own ops)"]
    with tf.Graph().as_default():
        assert runner.main(["--rnn-impl", "tf", str(script)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("(2, 5, 6)") == 3 and "compiled kernel" not in captured.err


def test_where_the_kernel_cannot_load_the_program_stays_on_tensorflows_ops(tmp_path, capsys, monkeypatch):
    from tf1_rnn.lstm.compiled import build as kernels

    monkeypatch.setattr(kernels, "load_or_reason", lambda: (None, "no C++ compiler: 'c++-test' not found (set CXX)"))
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    with tf.Graph().as_default() as graph:
        assert runner.main([str(script)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("(2, 5, 6)") == 3
    assert "tf1_rnn: the compiled LSTM is unavailable (no C++ compiler: 'c++-test' not found" in captured.err
    assert "on the compiled kernel" not in captured.err
    assert KERNEL_OP not in {op.type for op in graph.get_operations()}


def test_rnn_impl_takes_auto_or_tf(tmp_path, capsys):
    script = tmp_path / "program.py"
    script.write_text("pass\n")
    assert runner.parse([str(script)]).rnn_impl == "auto"
    with pytest.raises(SystemExit) as stopped:
        runner.parse(["--rnn-impl", "fused", str(script)])
    assert stopped.value.code == 2 and "--rnn-impl" in capsys.readouterr().err
