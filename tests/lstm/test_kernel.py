"""The compiled LSTM op (tf1_rnn/lstm/compiled): the fused LSTM's function on one op per part of the batch.

It must agree with BasicLSTMCell as the TensorFlow-ops version does (outputs, states, every
gradient to 1e-5, every tutorial model on the cell graph's checkpoint), and where it cannot be
built the LSTM must still run, as TensorFlow ops, after one line saying why.
"""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from test_fused_lstm import MODELS, assert_close, run_model, sequence_run
from tf1_rnn.compat import tf
from tf1_rnn.lstm import impl
from tf1_rnn.lstm import rnn as sequence_rnn
from tf1_rnn.lstm.compiled import build as kernels
from tf1_rnn.tutorials import configs, models

# Without a compiler the op cannot be built and these tests skip; with one, a failed build fails them.
pytestmark = pytest.mark.skipif(shutil.which(os.environ.get("CXX", "c++")) is None, reason="no C++ compiler here")


@pytest.mark.parametrize("state", ["zeros", "tuple", "concat"])
@pytest.mark.parametrize("with_lengths", [False, True])
@pytest.mark.parametrize("shards", [1, 2])
def test_compiled_lstm_equals_static_rnn(state, with_lengths, shards):
    expected = sequence_run("cell", state, with_lengths)
    actual = sequence_run("compiled", state, with_lengths, shards=shards)
    for a, e in zip(actual, expected):
        assert_close(a, e)
    if with_lengths:
        assert (actual[0][2:, 1] == 0).all() and (actual[0][:, 2] == 0).all()


@pytest.mark.parametrize("name", list(MODELS))
def test_compiled_model_equals_cell_model(name, tmp_path):
    checkpoint = str(tmp_path / "model.ckpt")
    cell_names, expected = run_model(name, "cell", checkpoint, restore=False)
    names, actual = run_model(name, "compiled", checkpoint, restore=True)
    assert names == cell_names
    for a, e in zip(actual, expected):
        assert_close(a, e)
    assert np.abs(expected[2]).max() > 0


def test_the_op_builds_here():
    assert kernels.load_or_reason() == (kernels.load(), None) and kernels.load() is not None


def test_batch_parts_one_per_core_of_at_least_8_rows():
    assert impl.LSTMImpl("compiled", batch_size=128, cores=2).shards(128) == 2
    assert impl.LSTMImpl("compiled", batch_size=128, cores=16).shards(128) == 16
    assert impl.LSTMImpl("compiled", batch_size=40, cores=16).shards(256) == 5  # at least 8 rows a part
    assert impl.LSTMImpl("compiled", batch_size=12, cores=2).shards(256) == 1
    assert impl.LSTMImpl("fused", batch_size=128, cores=2).shards(256) == 1  # TensorFlow ops: as before
    assert impl.LSTMImpl("fused", batch_size=128, cores=2).shards(128) == 2


def op_types(graph):
    return [op.type for op in graph.get_operations()]


def test_each_part_of_the_batch_is_one_op_forward_and_one_backward():
    with tf.Graph().as_default() as graph:
        x = tf.placeholder(tf.float32, [28, None, 28])
        with models.shared_weights():
            outputs, _ = sequence_rnn.lstm(x, 16, impl.choose("compiled"), shards=2)
        tf.gradients(tf.reduce_sum(outputs[-1]), tf.trainable_variables())
    types = op_types(graph)
    assert types.count("Tf1RnnLstmSequence") == 2 and types.count("Tf1RnnLstmSequenceGrad") == 2
    assert "LSTMBlockCellGrad" not in types and "Sigmoid" not in types


def test_the_published_bilstm_gives_the_cores_to_the_forward_lstm():
    # outputs[-1]: the backward LSTM runs one step, so the forward one takes every part of the batch.
    with tf.Graph().as_default() as graph:
        models.build_bilstm(configs.BiLSTMConfig(lstm_impl="compiled"), training=True)
    steps = sorted(op.inputs[0].shape[0] for op in graph.get_operations() if op.type == "Tf1RnnLstmSequence")
    parts = impl.choose("compiled", batch_size=128).shards(256)
    assert steps == [1] + [28] * parts


def test_bad_shapes_fail_with_the_ops_own_message():
    with tf.Graph().as_default():
        op = kernels.load().tf1_rnn_lstm_sequence(tf.zeros([3, 2, 5]), tf.zeros([7, 8]), tf.zeros([2, 2]),
                                                  tf.zeros([2, 2]))
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="kernel_bias has 7 rows"):
            sess.run(op)


def test_a_build_is_kept_and_reused():
    # This session's build (conftest: TF1_RNN_KERNEL_DIR), made when the module loaded the kernel.
    library = kernels.build()
    assert library.startswith(os.environ["TF1_RNN_KERNEL_DIR"])
    built = os.stat(library).st_mtime_ns
    assert kernels.build() == library and os.stat(library).st_mtime_ns == built
    assert [f for f in os.listdir(os.path.dirname(library)) if f.endswith(".tmp")] == []


def test_no_compiler_or_a_failed_compile_says_why_in_one_line(tmp_path):
    with pytest.raises(kernels.KernelUnavailable, match="no C.. compiler: 'no-such-c..' not found"):
        kernels.build(cache_dir=str(tmp_path), compiler="no-such-c++")
    with pytest.raises(kernels.KernelUnavailable, match="compiling lstm_sequence.cc \\+ gru_sequence.cc failed"):
        kernels.build(cache_dir=str(tmp_path), compiler="false")  # runs, fails, prints nothing
    leftovers = [f for _, _, files in os.walk(tmp_path) for f in files if not f.endswith(".lock")]
    assert leftovers == ["rnn_sequence.failed"]  # the failure, remembered; no half-written library


def test_without_a_compiler_auto_runs_as_tensorflow_ops_and_compiled_refuses(tmp_path):
    code = ("from tf1_rnn import compat; compat.enable_tf1(); from tf1_rnn.compat import tf\n"
            "from tf1_rnn.lstm import impl; from tf1_rnn.tutorials import configs, models\n"
            "models.build_rnn(configs.RNNConfig(n_hidden=8))\n"
            "print(sorted({op.type for op in tf.get_default_graph().get_operations()} & "
            "{'Tf1RnnLstmSequence', 'LSTMBlockCellGrad'}))\n"
            "try:\n    impl.choose('compiled')\nexcept impl.LSTMUnavailable as err:\n    print(err)")
    env = dict(os.environ, CXX="no-such-c++", TF1_RNN_KERNEL_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "['LSTMBlockCellGrad']", "--lstm-impl compiled: the compiled LSTM is unavailable (no C++ compiler: "
        "'no-such-c++' not found (set CXX)); --lstm-impl auto runs it as TensorFlow ops"]
    lines = [line for line in done.stderr.splitlines() if "tf1_rnn" in line]
    assert lines == ["tf1_rnn: the compiled LSTM is unavailable (no C++ compiler: 'no-such-c++' not found "
                     "(set CXX)); the LSTM runs as TensorFlow ops"]
