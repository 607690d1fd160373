"""Importing tf1_rnn changes nothing in the process; ``enable_tf1`` is the one switch; the legacy cells
work on Keras 3 installs, however the user imported TensorFlow."""
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

BUILD = textwrap.dedent("""
    from tf1_rnn import compat
    tf = compat.enable_tf1()
    cell = compat.legacy_rnn_cells().BasicLSTMCell(4)
    x = tf.placeholder(tf.float32, [None, 3, 2])
    tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
    print(sorted(v.op.name for v in tf.global_variables()))
""")

# Imports every module of the package (the notebook and plot extras where installed), then prints
# what a module could have changed: the environment, eager mode, warning filters, TensorFlow's
# Keras loaders, sys.meta_path, and which "tensorflow*" entries of sys.modules are not TensorFlow's.
IMPORT_ALL = textwrap.dedent("""
    import importlib, json, os, pkgutil, sys, warnings
    import tensorflow
    # Third-party libraries the package imports may add warning filters of their own when imported.
    for library in ("tf_keras", "tf_slim", "tf_slim.nets", "fissix", "filelock", "platformdirs", "tensorboard",
                    "tensorboard.plugins.hparams.summary", "matplotlib.pyplot", "IPython", "nbclient",
                    "nbformat", "jupyter_client", "scipy", "requests", "six"):
        try:
            importlib.import_module(library)
        except ImportError:
            pass

    def state():
        from tensorflow.python.util import lazy_loader
        loaders = sorted(f"{name}.{key}" for name, module in list(sys.modules.items())
                         if name.startswith("tensorflow._api") and module is not None
                         for key, value in vars(module).items() if isinstance(value, lazy_loader.KerasLazyLoader))
        foreign = sorted(name for name, module in sys.modules.items()
                         if name.startswith("tensorflow") and module is not None
                         and not getattr(module, "__name__", "").startswith("tensorflow"))
        return {"env": dict(os.environ), "eager": tensorflow.executing_eagerly(),
                "filters": [repr(f) for f in warnings.filters], "loaders": loaders,
                "meta_path": [type(f).__name__ for f in sys.meta_path], "foreign": foreign,
                "argv": list(sys.argv), "path": list(sys.path)}

    before = state()
    import tf1_rnn
    imported = []
    for info in pkgutil.walk_packages(tf1_rnn.__path__, "tf1_rnn."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except ImportError as err:  # an extra that is not installed (IPython, matplotlib)
            print("skipped", info.name, err, file=sys.stderr)
    after = state()
    print(json.dumps({"imported": imported,
                      "changed": {k: [before[k], after[k]] for k in before if before[k] != after[k]}}))
""")


def run_python(code, **env_changes):
    env = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL")}
    env.update(PYTHONPATH=ROOT, **env_changes)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


def test_importing_every_module_changes_nothing_global():
    import json

    result = run_python(IMPORT_ALL)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"tf1_rnn.compat", "tf1_rnn.legacy.install", "tf1_rnn.lstm.impl", "tf1_rnn.training.loop",
            "tf1_rnn.tutorials.models", "tf1_rnn.legacy.runner"} <= set(report["imported"])
    assert report["changed"] == {}


def test_enable_tf1_switches_graph_mode_and_quiet_before_tensorflow_loads():
    code = ("import os, sys\nfrom tf1_rnn import compat\nassert 'tensorflow' not in sys.modules\n"
            "tf = compat.enable_tf1()\nprint(tf.executing_eagerly(), os.environ['TF_CPP_MIN_LOG_LEVEL'],"
            " 'TF_USE_LEGACY_KERAS' in os.environ)")
    result = run_python(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "2", "False"]


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
