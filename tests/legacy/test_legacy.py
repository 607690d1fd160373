"""Unmodified TF 1.x scripts under ``python -m tf1_rnn.run_legacy``, on synthetic MNIST files."""
import os
import subprocess
import sys

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from conftest import ROOT, synthetic_files, write_files

SCRIPTS = os.path.join(ROOT, "tests", "legacy_scripts")


@pytest.fixture
def workdir(tmp_path):
    """A working directory holding MNIST_data/ the way the tutorials left it (gzipped files)."""
    write_files(str(tmp_path / "MNIST_data"), synthetic_files(), gz=True)
    return tmp_path


def run_legacy(script, *args, cwd, runner_args=("--no-verify",)):
    path = script if os.path.isabs(script) else os.path.join(SCRIPTS, script)
    return subprocess.run([sys.executable, "-m", "tf1_rnn.run_legacy", *runner_args, path, *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=ROOT))


def value_after(stdout, prefix):
    (line,) = [line for line in stdout.splitlines() if line.startswith(prefix)]
    return line[len(prefix):].strip()


def test_contrib_rnn_input_data_double_build_and_saver(workdir):
    result = run_legacy("bilstm_contrib.py", 40, cwd=workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("Extracting MNIST_data/train-images-idx3-ubyte.gz\n")
    assert value_after(result.stdout, "epochs_completed") == "12"  # 40 * 64 examples of 200
    assert value_after(result.stdout, "Testing Accuracy:") == value_after(result.stdout, "Restored Accuracy:")
    assert os.path.exists(workdir / "model" / "bilstm.ckpt.index")  # written where the script said
    assert ("'birnn/bidirectional_rnn/fw/basic_lstm_cell/kernel:0'" in result.stdout
            and "'Variable:0', 'Variable_1:0'" in result.stdout)
    # the one line naming what ran on the kernel (after its compile line, where this process built it)
    assert [line for line in result.stderr.splitlines() if not line.startswith("tf1_rnn: compiling")] == [
        "run_legacy: 2 LSTM layers on the compiled kernel (--rnn-impl tf runs TensorFlow's own ops)"]


def test_seed_makes_an_unseeded_script_repeat_itself(workdir):
    first, second = (run_legacy("bilstm_contrib.py", 20, cwd=workdir, runner_args=("--no-verify", "--seed", "7"))
                     for _ in range(2))
    other = run_legacy("bilstm_contrib.py", 20, cwd=workdir, runner_args=("--no-verify", "--seed", "8"))
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout == second.stdout
    assert first.stdout != other.stdout


def test_dropout_multirnn_dynamic_rnn_and_two_filewriters(workdir):
    result = run_legacy("lstm_summaries.py", cwd=workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0'" in result.stdout
    assert result.stdout.strip().endswith("(2, 16)")
    for split in ("train", "test"):
        events = EventAccumulator(str(workdir / "summaries" / split))
        events.Reload()
        assert sorted(events.Tags()["scalars"]) == ["accuracy", "cross_entropy"]
        assert sorted(events.Tags()["histograms"]) == ["W", "bias", "h_state"]
        assert [e.step for e in events.Scalars("accuracy")] == [10, 20, 30]


def test_static_and_stacked_bidirectional_rnns_keep_tf1_names(tmp_path):
    result = run_legacy("stacked_birnn.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "28 [None, 8] 28 [None, 10] 2"
    assert lines[1] == "[None, 28, 4]"
    names = set(lines[2:])
    assert {"split/bidirectional_rnn/fw/gru_cell/gates/kernel:0",
            "stack_bidirectional_rnn/cell_1/bw/lstm_cell/kernel:0",
            "dyn/cell_0/bidirectional_rnn/fw/basic_rnn_cell/kernel:0"} <= names


def test_script_keeps_its_argv_file_name_flags_and_exit_status(tmp_path):
    result = run_legacy("script_contract.py", "--steps", 7, "extra", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stdout.splitlines() == ["argv ['extra'] steps 7", "file script_contract.py name __main__", "sum 5"]


@pytest.mark.parametrize("source, message", [
    ("import tensorflow as tf\nx = tf.placeholder(tf.float32)\ntf.contrib.learn.DNNClassifier([3], 2)\n",
     "tf.contrib.learn.DNNClassifier is not available: replaced by tf.estimator, itself removed"),
    ("from tensorflow.contrib import tpu\n",
     "tf.contrib.tpu is not available: tf.contrib was removed in TensorFlow 2.0"),
    ("import tensorflow as tf\n\ntf.contrib.crf.crf_log_likelihood(None, None, None)\n",
     "tf.contrib.crf is not available: tf.contrib was removed in TensorFlow 2.0"),
    ("import tensorflow as tf\n\ntf.estimator.Estimator(None)\n", "tf.estimator is not available"),
    ("import tensorflow as tf\ntf.no_such_op(1)\n", "tf.no_such_op is not available: not part of TensorFlow 1.15"),
    ("from tensorflow.models.image import cifar10\n", "tf.models.image is not available"),
])
def test_what_the_runner_cannot_provide_fails_in_one_line(tmp_path, source, message):
    script = tmp_path / "old.py"
    script.write_text(source)
    result = run_legacy(str(script), cwd=tmp_path)
    # A program that shows a 0.x sign gets the era's line first (test_legacy_tf0); the error is one line.
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("run_legacy: running as")]
    assert result.returncode == 1, result.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("run_legacy: error: ") and message in lines[0], lines
    assert lines[0].endswith(f"(old.py, line {source.count(chr(10))})")


@pytest.mark.parametrize("program", ["old.py", "old.ipynb"])
def test_a_tf_version_of_no_0x_or_1x_release_is_a_usage_error(tmp_path, program):
    (tmp_path / program).write_text("")
    result = run_legacy(str(tmp_path / program), cwd=tmp_path, runner_args=("--tf-version", "2.0"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "run_legacy: error: --tf-version 2.0: Era.from_version: '2.0' is not a TensorFlow 0.x or 1.x release "
        "(e.g. 0.8, 1.4) (see --help)"]


def test_runner_usage_errors_are_one_line(tmp_path):
    result = run_legacy(str(tmp_path / "missing.py"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"run_legacy: error: no such script: {tmp_path / 'missing.py'} "
                                                  "(see --help)"]
