"""TF 0.x programs, Python 2 source and every way legacy code loads MNIST, under the runner."""
import json
import os

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from conftest import N_TRAIN, N_TEST, synthetic_arrays, synthetic_files, write_files
from test_legacy import SCRIPTS, run_legacy, value_after

TRAIN_LABELS = synthetic_arrays(N_TRAIN, 1)[1]
TEST_LABELS = synthetic_arrays(N_TEST, 2)[1]


def printed(stdout, prefix):
    return json.loads(value_after(stdout, prefix))


def test_tf0_python2_lstm_with_concatenated_state_trains(tmp_path):
    write_files(str(tmp_path / "MNIST_data"), synthetic_files(), gz=True)
    result = run_legacy("tf0_py2_lstm.py", 60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    # import input_data, with no input_data.py beside the script: TF 0.x's order, first epoch unshuffled
    assert value_after(out, "first labels") == " ".join(map(str, TRAIN_LABELS[5000:5008]))
    assert value_after(out, "epochs") == "9"  # 60 full batches of 32 from 200, tails dropped as in 0.x
    assert value_after(out, "state shape") == "(32, 32)"  # the LSTM state stays concatenated [c, h]
    assert float(value_after(out, "Testing Accuracy:")) > 0.5  # the cost used (logits, labels) the 0.x way
    assert [line for line in out.splitlines() if line.startswith("scope")] == [
        "scope Variable:0 1", "scope Variable_1:0 1", "scope rnn 2"]
    assert out.strip().endswith("caught ValueError")
    events = EventAccumulator(str(tmp_path / "logs"))
    events.Reload()
    assert events.Tags()["scalars"] == ["minibatch loss"]  # 0.x's tag, exactly
    assert [e.step for e in events.Scalars("minibatch loss")][-1] == 60


TF0_INITIALIZERS = """
import numpy as np
import tensorflow as tf
from tensorflow.models.rnn import rnn, rnn_cell
x = [tf.placeholder(tf.float32, [None, 28]) for _ in range(2)]
with tf.variable_scope("tf0_function"):
    rnn.rnn(tf.nn.rnn_cell.BasicLSTMCell(100), x, dtype=tf.float32)
with tf.variable_scope("tf1_function"):
    tf.nn.static_rnn(tf.nn.rnn_cell.BasicLSTMCell(100), x, dtype=tf.float32)
with tf.variable_scope("tf0_module_cell"):
    tf.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(100), tf.stack(x, 1), dtype=tf.float32)
with tf.variable_scope("tf0_linear"):
    rnn_cell.linear(x, 400, True)
with tf.variable_scope("script_chose", initializer=tf.constant_initializer(0.5)):
    tf.nn.bidirectional_rnn(rnn_cell.GRUCell(100), rnn_cell.GRUCell(100), x, dtype=tf.float32)
sess = tf.Session()
sess.run(tf.initialize_all_variables())
for v in tf.trainable_variables():
    if len(v.shape) == 2:
        print("max", v.name.split("/")[0], v.shape[0], v.shape[1], float(np.abs(sess.run(v)).max()))
"""


@pytest.mark.parametrize("tf_version", [None, "1.0"])
def test_tf0_functions_and_modules_give_their_cells_tf0s_default_initializer(tmp_path, tf_version):
    """Read from the program, its era is 0.x: every new weight starts from 0.x's initializer. Run as
    1.0, the 1.x names get 1.x's and the 0.x modules and functions keep 0.x's."""
    (tmp_path / "init.py").write_text(TF0_INITIALIZERS)
    flags = ("--no-verify", "--tf-version", tf_version) if tf_version else ("--no-verify",)
    result = run_legacy(str(tmp_path / "init.py"), cwd=tmp_path, runner_args=flags)
    assert result.returncode == 0, result.stderr[-3000:]
    era_lines = [line for line in result.stderr.splitlines() if line.startswith("run_legacy: running as")]
    if tf_version:
        assert era_lines == ["run_legacy: running as TF 1.x: --tf-version 1.0"]
    else:  # 0.x, though the program also calls 1.x's tf.nn.static_rnn: the line says both and why 0.x
        assert len(era_lines) == 1 and era_lines[0].startswith("run_legacy: running as TF 0.x: conflict: line 4 "
                                                               "imports tensorflow.models.rnn (0.x only)")
    largest = {}
    for line in result.stdout.splitlines():
        if line.startswith("max "):
            _, scope, fan_in, fan_out, value = line.split()
            largest.setdefault(scope, []).append((int(fan_in), int(fan_out), float(value)))
    assert set(largest) == {"tf0_function", "tf1_function", "tf0_module_cell", "tf0_linear", "script_chose"}
    for scope, kernels in largest.items():
        for fan_in, fan_out, value in kernels:
            unit_scaling, glorot = np.sqrt(3 / fan_in), np.sqrt(6 / (fan_in + fan_out))
            # A float32 draw can equal its bound rounded to float32, a hair above the float64 bound.
            unit_scaling_f32, glorot_f32 = float(np.float32(unit_scaling)), float(np.float32(glorot))
            if scope == "script_chose":
                assert value == 0.5
            elif scope == "tf1_function" and tf_version:  # 1.x's glorot_uniform: well inside 0.x's wider range
                assert 0.95 * glorot < value <= glorot_f32 and glorot < 0.8 * unit_scaling
            else:  # 0.x's uniform_unit_scaling fills its range, beyond glorot's
                assert 0.95 * unit_scaling < value <= unit_scaling_f32 and value > 1.2 * glorot


def _cross_entropies():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    labels, multi = np.array([0, 2]), np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    log_softmax = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    softmax = -log_softmax[np.arange(2), labels]
    sigmoid = np.maximum(logits, 0) - logits * multi + np.log1p(np.exp(-np.abs(logits)))
    return softmax, sigmoid


def test_tf0_names_orders_and_positional_cross_entropies(tmp_path):
    result = run_legacy("tf0_api.py", cwd=tmp_path, runner_args=())
    out = result.stdout
    losses = printed(out, "losses")
    softmax, sigmoid = _cross_entropies()
    for name in ("softmax_positional", "softmax_keyword", "softmax_positional_name", "sparse_positional",
                 "sparse_keyword"):
        np.testing.assert_allclose(losses[name], softmax, rtol=1e-5, err_msg=name)
    for name in ("sigmoid_positional", "sigmoid_targets", "sigmoid_keyword"):
        np.testing.assert_allclose(losses[name], sigmoid, rtol=1e-5, err_msg=name)
    assert printed(out, "values") == {"mul": 12, "sub": -1, "neg": -3, "div_int": -4, "div_float": 3.5,
                                      "select": [1, 4], "reverse_0x": [[2, 1], [4, 3]],
                                      "reverse_1x": [[2, 1], [4, 3]], "constant_op": 5, "types": 2.5}
    assert printed(out, "shapes") == {"concat_0x": [1, 4], "concat_1x": [1, 4], "concat_0x_kw": [2, 2],
                                      "concat_1x_kw": [2, 2], "split_0x": [None, 2], "split_1x": [None, 2],
                                      "split_1x_two": [None, 6], "split_0x_kw": [None, 3], "pack": [2, 1, 2],
                                      "unpack": [1, 2]}
    # kept whole: the outputs (TF 0.6/0.7); unpacked into three: (outputs, state_fw, state_bw) (0.8 on)
    assert value_after(out, "bidirectional") == "5 [None, 6] 5 [None, 6] 5"
    assert value_after(out, "states") == "[None, 16] [None, 6] LSTMStateTuple(c=3, h=3)"
    variables = [line.split()[1] for line in out.splitlines() if line.startswith("variable")]
    assert len(variables) == 4  # [cell] * 2: each layer its own weights, as in 0.x
    assert "never printed" not in out
    line = open(os.path.join(SCRIPTS, "tf0_api.py")).read().splitlines().index(
        "tf.split(ambiguous, 2, tf.placeholder(tf.int32))") + 1
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[0].startswith("run_legacy: running as TF 0.x: conflict: ")
    assert result.stderr.strip().splitlines()[1:] == [
        "run_legacy: error: tf.split(...) is ambiguous: its arguments do not show which is the value: TF 0.x's "
        "split(split_dim, num_split, value) or 1.x's split(value, num_or_size_splits, axis); pass value=... and "
        f"axis=... (TF 1.x) by name (tf0_api.py, line {line})"]


def test_every_input_data_form_and_keras_datasets_offline(tmp_path):
    files = synthetic_files()
    write_files(str(tmp_path / "data" / "MNIST_data"), files)
    write_files(str(tmp_path / "work" / "mnist" / "data"), files, gz=True)
    cache = os.environ["TF1_RNN_DATA_DIR"]  # conftest's private cache: where Keras's load_data looks
    write_files(os.path.join(cache, "mnist"), files, gz=True)
    write_files(os.path.join(cache, "fashion_mnist"), synthetic_files(300, 100))
    result = run_legacy("tf0_input_data.py", cwd=tmp_path / "work")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert printed(out, "old first") == TRAIN_LABELS[5000:5004].tolist()
    assert value_after(out, "sizes") == f"{N_TRAIN - 5000} 5000 {N_TEST} [{N_TRAIN - 5000}, 784] [5000]"
    assert value_after(out, "no shuffle") == f"{TRAIN_LABELS[5000:5003].tolist()} {TRAIN_LABELS[5003:5006].tolist()}"
    assert value_after(out, "test batch") == "[5, 784] 0"
    assert value_after(out, "fake") == "784 [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]"
    images = synthetic_arrays(N_TRAIN, 1)[0]
    assert value_after(out, "keras") == (f"[{N_TRAIN}, 28, 28] uint8 [{N_TRAIN}] uint8 [{N_TEST}, 28, 28] "
                                         f"{TEST_LABELS[:5].tolist()} {int(images.astype(np.int64).sum() % 100003)}")
    assert value_after(out, "fashion") == "[300, 28, 28] [100, 28, 28]"
    assert "Extracting ../data/MNIST_data/train-images-idx3-ubyte" in out


PY2_SCRIPT = """\
import input_data
print "using", input_data.WHICH

def helper(n):
    return n / 0

helper(3)
"""


def test_converted_script_traceback_names_the_original_line_and_a_local_input_data_wins(tmp_path):
    (tmp_path / "old.py").write_text(PY2_SCRIPT)
    (tmp_path / "input_data.py").write_text("WHICH = 'the local input_data.py'\n")
    result = run_legacy(str(tmp_path / "old.py"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == "using the local input_data.py\n"
    assert f'File "{tmp_path / "old.py"}", line 5, in helper\n    return n / 0' in result.stderr
    assert result.stderr.strip().endswith("ZeroDivisionError: integer division or modulo by zero")
    assert (tmp_path / "old.py").read_text() == PY2_SCRIPT  # never rewritten on disk


def test_source_neither_python3_nor_python2_is_one_line(tmp_path):
    (tmp_path / "bad.py").write_text('print "fine"\nx = [1,\n     2]\ndef f(:\n    pass\n')
    result = run_legacy(str(tmp_path / "bad.py"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"run_legacy: error: {tmp_path / 'bad.py'}, line 4: invalid syntax (neither Python 3 nor Python 2)"]


@pytest.fixture(scope="module")
def py2():
    from tf1_rnn.legacy import py2
    return py2


def test_python3_source_is_never_rewritten(py2):
    source = "print('a', 7 / 2)\nexec('x = 1')\n"
    assert py2.to_python3(source, "new.py") is source


def test_python2_conversion_keeps_every_line_and_python2_division(py2):
    source = ('"""Doc."""\nimport sys\nprint "sum", reduce(lambda a, b: a + b, [1, 2]), 7 / 2, 7.0 / 2\n'
              'def f((a, b), c):\n    d = {a: b}\n    for k, v in d.iteritems(): print k,\n    return c\n'
              'try:\n    n = 9\n    n /= 2\nexcept ZeroDivisionError, e:\n    print >>sys.stderr, e\n')
    converted = py2.to_python3(source, "old.py")
    assert len(converted.splitlines()) == len(source.splitlines())
    namespace = {}
    exec(compile(converted, "old.py", "exec"), namespace)
    assert namespace["n"] == 4 and namespace["f"]((1, 2), 3) == 3
    assert py2.classic_div(np.arange(5), 2).tolist() == [0, 0, 1, 1, 2]
    assert py2.classic_div(np.arange(5.0), 2).tolist() == [0, 0.5, 1, 1.5, 2]
    future = "from __future__ import division\nprint 7 / 2\n"
    assert py2.to_python3(future, "f.py").splitlines()[1] == "print(7 / 2)"
    assert py2.to_python3("reload(sys)\nsys.setdefaultencoding('utf8')\nprint 1\n", "e.py").splitlines()[1] == "None"


def test_unconvertible_source_points_at_the_furthest_error(py2):
    with pytest.raises(SyntaxError) as err:
        py2.to_python3("x = 1\nprint(f'{x}' +)\n", "new.py")  # Python 3 with a typo: Python 3's own error
    assert (err.value.filename, err.value.lineno) == ("new.py", 2)
    with pytest.raises(SyntaxError) as err:
        py2.to_python3('print "a"\n\ndef f(:\n    pass\n', "old.py")  # Python 2 with a typo: its line
    assert (err.value.filename, err.value.lineno, err.value.text) == ("old.py", 3, "def f(:")
