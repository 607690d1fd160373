"""Notebooks under ``run_legacy`` and ``%load_ext tf1_rnn`` in a live kernel: real kernels, synthetic data."""
import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from conftest import ROOT, TINY, synthetic_files, write_files
from tf1_rnn.legacy.ipython import HINT

NOTEBOOKS = os.path.join(ROOT, "tests", "notebooks")
EXAMPLE = os.path.join(ROOT, "examples", "notebooks", "lstm_mnist_tf1.ipynb")


def run_legacy(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "tf1_rnn.run_legacy", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": ROOT, **(env or {})})


def test_notebook_with_magics_plot_display_python2_and_tf1_runs_and_is_written(tmp_path):
    shutil.copy(os.path.join(NOTEBOOKS, "tour_py2.ipynb"), tmp_path)
    result = run_legacy("--seed", 3, "tour_py2.ipynb", "a", "b", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        # A Python 2 notebook's print("a", b) prints a tuple, as it did under Python 2.
        "shell says hi", "magic in a Python 2 cell", "python 2 print: 6", "[0, 1, 4]", "('lstm outputs', (2, 5, 4))",
        "[image/png]", "{'shape': [2, 5, 4]}", "(2, 5, 4)", "('argv', ['a', 'b'])", "('seeded', 3)"]
    # no TensorFlow log, no kernel chatter: the line naming what ran on the kernel (after its compile
    # line, where this kernel built it), and the written notebook
    assert [line for line in result.stderr.splitlines() if not line.startswith("tf1_rnn: compiling the LSTM")] == [
        "run_legacy: 1 LSTM layer on the compiled kernel (--rnn-impl tf runs TensorFlow's own ops)",
        "run_legacy: wrote tour_py2.out.ipynb"]
    written = nbformat.read(tmp_path / "tour_py2.out.ipynb", as_version=4)
    code = [cell for cell in written.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == [1, 2, 3, 4, 5, 6, 7]
    assert code[1].source.endswith('print "python 2 print:", sum(xrange(4))')  # the file keeps its source
    assert "image/png" in code[4].outputs[-1]["data"]
    assert written.metadata.kernelspec.name == "python2"


def test_failing_cell_stops_the_run_in_one_line_and_the_notebook_is_written_up_to_it(tmp_path):
    result = run_legacy("--output", tmp_path / "ran.ipynb", "fails.ipynb", cwd=NOTEBOOKS)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert len(lines) == 1 and lines[0].startswith(
        "run_legacy: error: cell 3 ('# a CRF layer'), line 2: LegacyImportError: "
        "tf.contrib.crf is not available"), lines
    assert result.stdout == "before\n"
    cells = nbformat.read(tmp_path / "ran.ipynb", as_version=4).cells
    assert cells[1].outputs[0]["text"] == "before\n"
    assert cells[2].outputs[-1]["ename"] == "LegacyImportError"
    assert cells[3].outputs == [] and cells[3].execution_count is None


def test_invalid_json_fails_in_one_line(tmp_path):
    (tmp_path / "bad.ipynb").write_text('{"cells": [null')  # the runner once exec'd this: NameError: null
    result = run_legacy("bad.ipynb", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "run_legacy: error: bad.ipynb is not a Jupyter notebook: invalid JSON "
        "(Expecting ',' delimiter: line 1 column 16 (char 15))"]
    assert not (tmp_path / "bad.out.ipynb").exists()


@pytest.mark.parametrize("content, message", [
    ('{"cells": []}', "is not a Jupyter notebook: its JSON has no nbformat version"),
    ('[1, 2]', "is not a Jupyter notebook: its JSON has no nbformat version"),
    ('{"nbformat": 2, "worksheets": []}', "is an IPython notebook of format 2 (before 2012)"),
    ('{"cells": [null], "metadata": {}, "nbformat": 4, "nbformat_minor": 2}', "is not a valid Jupyter notebook"),
    ('{"cells": [], "nbformat": 4, "nbformat_minor": 2}', "is not a valid Jupyter notebook: The notebook is "
     "invalid and is missing an expected key: metadata"),
])
def test_what_is_not_a_notebook_is_said_in_one_line(tmp_path, content, message):
    from tf1_rnn.legacy import notebook

    (tmp_path / "bad.ipynb").write_text(content)
    with pytest.raises(notebook.NotebookError) as error:
        notebook.read(str(tmp_path / "bad.ipynb"))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_without_nbclient_the_runner_says_what_to_install(monkeypatch, capsys):
    from tf1_rnn.legacy import runner as run_legacy
    from tf1_rnn.legacy import notebook

    monkeypatch.setitem(sys.modules, "nbclient", None)  # as if not installed: import raises
    assert notebook.run(run_legacy.parse([os.path.join(NOTEBOOKS, "fails.ipynb")])) == 1
    assert capsys.readouterr().err.splitlines() == [
        "run_legacy: error: running a notebook needs Jupyter's nbclient and ipykernel (nbclient is missing): "
        "pip install 'tf1_rnn[notebook]'"]


class Kernel:
    """A live IPython kernel driven over jupyter_client, as Jupyter drives it."""

    def __init__(self, cwd):
        env = dict(os.environ, PYTHONPATH=ROOT, TF1_RNN_DATA_DIR=os.path.join(cwd, "cache"))
        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=cwd, env=env, startup_timeout=120)

    def run(self, code):
        """(status, stdout, stderr, [ename]) of one cell."""
        out = {"stdout": "", "stderr": "", "error": []}

        def collect(msg):
            if msg["msg_type"] == "stream":
                out[msg["content"]["name"]] += msg["content"]["text"]
            elif msg["msg_type"] == "error":
                out["error"].append(msg["content"]["ename"])
            elif msg["msg_type"] in ("display_data", "execute_result"):
                out["stdout"] += "[display]" if "image/png" in msg["content"]["data"] else ""

        reply = self.kc.execute_interactive(code, output_hook=collect, timeout=240)
        return reply["content"]["status"], out["stdout"], out["stderr"], out["error"]

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """One kernel for the live-kernel tests (each starts TensorFlow: seconds), in a folder with MNIST_data/."""
    cwd = tmp_path_factory.mktemp("kernel")
    write_files(str(cwd / "MNIST_data"), synthetic_files(), gz=True)
    live = Kernel(str(cwd))
    yield live, cwd
    live.close()


def test_load_ext_rebinds_tf_and_gives_the_runner_namespace(kernel):
    live, _ = kernel
    assert live.run("import tensorflow as tf\nprint(tf.__name__)")[:3] == ("ok", "tensorflow\n", "")
    status, stdout, stderr, _ = live.run("%load_ext tf1_rnn")
    assert status == "ok" and stdout.startswith("tf1_rnn: `tf` was imported before %load_ext tf1_rnn"), stderr
    status, stdout, _, _ = live.run("%tf1_rnn --seed 4 --no-verify\nimport numpy as np\n"
                                    "from tensorflow.contrib import rnn\nprint(rnn.BasicLSTMCell.__name__, "
                                    "tf.get_default_graph().seed, tf.Graph().seed, np.random.randint(10**6))")
    expected_draw = __import__("numpy").random.RandomState(4).randint(10 ** 6)
    assert (status, stdout) == ("ok", f"BasicLSTMCell 4 4 {expected_draw}\n")
    assert live.run('print "a python 2 cell", len(xrange(3))')[:2] == ("ok", "a python 2 cell 3\n")


def test_rerun_cell_gets_tensorflows_error_and_the_hint(kernel):
    live, _ = kernel
    cell = ("x = tf.placeholder(tf.float32, [None, 4, 3])\n"
            "outputs, _ = tf.nn.dynamic_rnn(tf.contrib.rnn.BasicLSTMCell(5), x, dtype=tf.float32)")
    assert live.run("%load_ext tf1_rnn\n" + cell)[0] == "ok"
    status, _, stderr, errors = live.run(cell)
    assert (status, errors) == ("error", ["ValueError"])
    assert stderr.strip().splitlines()[-1] == HINT
    status, _, stderr, _ = live.run("tf.reset_default_graph()\n" + cell)  # the hint's fix works
    assert (status, stderr) == ("ok", "")
    status, _, stderr, errors = live.run("int('x')")  # other ValueErrors: no hint
    assert errors == ["ValueError"] and stderr == ""


def test_project_script_runs_twice_in_one_kernel(kernel):
    live, cwd = kernel
    live.run("%load_ext tf1_rnn")
    flags = " ".join(TINY + ["--max-samples", "161", "--data-dir", str(cwd / "MNIST_data"), "--no-verify"])
    for run in ("first", "second"):
        status, stdout, stderr, errors = live.run(
            f"%run {ROOT}/scripts/bilstm_mnist.py {flags} --logdir {cwd / run}")
        assert (status, errors) == ("ok", []), stderr[-2000:]
        assert "Testing Accuracy:" in stdout


def test_example_notebook_runs_in_a_live_kernel_on_a_small_budget(kernel):
    live, _ = kernel
    cells = [cell for cell in nbformat.read(EXAMPLE, as_version=4).cells if cell.cell_type == "code"]
    assert "parameters" in cells[0].metadata.tags
    cells[0].source = "training_steps = 40\nbatch_size = 32\nn_hidden = 16\nlearning_rate = 0.01\ndisplay_step = 10"
    outputs = []
    for cell in cells + cells[3:]:  # and the model, training, plot and test cells once more, as a user would
        status, stdout, stderr, errors = live.run(cell.source)
        assert (status, errors) == ("ok", []), (cell.source, stderr[-2000:])
        outputs.append(stdout)
    printed = "".join(outputs)
    assert printed.count("step 40, minibatch loss") == 2 and printed.count("[display]") == 2
    assert printed.count("Testing Accuracy:") == 2
