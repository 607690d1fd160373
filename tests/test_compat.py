"""The legacy cells work on Keras 3 installs, however the user imported TensorFlow."""
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

BUILD = textwrap.dedent("""
    from tf1_rnn.compat import tf
    cell = tf.nn.rnn_cell.BasicLSTMCell(4)
    x = tf.placeholder(tf.float32, [None, 3, 2])
    tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    print(sorted(v.op.name for v in tf.global_variables()))
""")


def run_python(code):
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env["PYTHONPATH"] = ROOT
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("before", [
    "",                                                    # tf1_rnn first
    "import tensorflow\n",                                 # tensorflow first, cells untouched
    "import tensorflow\n"                                  # cells already bound to Keras 3
    "try:\n    tensorflow.compat.v1.nn.rnn_cell.BasicLSTMCell\nexcept AttributeError as e:\n"
    "    assert 'Keras 3' in str(e)\nelse:\n    raise SystemExit('Keras 3 did not refuse the cell')\n",
])
def test_cells_work_whatever_was_imported_first(before):
    result = run_python(before + BUILD)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "['rnn/basic_lstm_cell/bias', 'rnn/basic_lstm_cell/kernel']"


def test_no_deprecation_spam_on_a_normal_build():
    result = run_python(BUILD)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "deprecat" not in result.stderr.lower() and "oneDNN" not in result.stderr, result.stderr
