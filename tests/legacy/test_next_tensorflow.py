"""The runner on a TensorFlow that has moved things: tf-slim loaded only by the programs that use it,
and each private internal it reaches for degrading one feature with one line, not every import."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The private modules tf1_rnn reads; each is hidden in turn by the prelude below.
INTERNALS = ["tensorflow.python.util.deprecation", "tensorflow.python.framework.tensor_shape",
             "tensorflow.python.framework.ops", "tensorflow.python.ops.rnn", "tensorflow.python.util.nest",
             "tensorflow.python.ops.control_flow_ops", "tf_keras.src.layers.rnn.legacy_cells"]

PROGRAM = textwrap.dedent("""\
    import sys
    import numpy as np
    import tensorflow as tf
    from tensorflow.contrib import rnn
    x = tf.placeholder(tf.float32, [None, 3, 2])
    outputs, state = tf.nn.dynamic_rnn(rnn.BasicLSTMCell(4), x, dtype=tf.float32)
    print("slim loaded after contrib.rnn:", "tf_slim" in sys.modules)
    if "--slim" in sys.argv:
        from tensorflow.contrib import layers
        logits = layers.fully_connected(outputs[:, -1], 2)
        print("slim loaded after contrib.layers:", "tf_slim" in sys.modules)
        outputs = logits
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print("shape", sess.run(outputs, {x: np.ones((5, 3, 2))}).shape)
    """)


def run(tmp_path, args=(), hidden=()):
    """The program under the runner in a fresh process, with ``hidden`` modules made unimportable
    once TensorFlow has loaded (as a later release that moved them would leave them)."""
    (tmp_path / "program.py").write_text(PROGRAM)
    prelude = textwrap.dedent(f"""\
        import sys
        import tensorflow
        import tf_keras.api._v1.keras.__internal__.legacy.layers, tf_keras.api._v1.keras.__internal__.legacy.rnn_cell
        for name in {list(hidden)!r}:
            sys.modules[name] = None  # importlib.import_module(name) now raises ModuleNotFoundError
        from tf1_rnn.legacy import runner
        sys.exit(runner.main(["--no-verify", "program.py", *{list(args)!r}]))
        """)
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-c", prelude], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


def test_tf_slim_is_imported_only_by_a_program_that_uses_contrib_layers(tmp_path):
    plain = run(tmp_path)
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert "slim loaded after contrib.rnn: False" in plain.stdout
    slim = run(tmp_path, ["--slim"])
    assert slim.returncode == 0, slim.stderr[-3000:]
    assert "slim loaded after contrib.layers: True" in slim.stdout
    assert "shape (5, 2)" in slim.stdout


def test_missing_internals_degrade_with_one_line_each(tmp_path):
    result = run(tmp_path, hidden=INTERNALS)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "shape (5, 3, 4)" in result.stdout  # the program still ran
    notices = [line for line in result.stderr.splitlines() if "has no internal module" in line]
    named = [line.split("internal module ")[1].split(";")[0] for line in notices]
    assert len(named) == len(set(named))  # one line per missing module, however often it is asked for
    assert {"tensorflow.python.util.deprecation", "tensorflow.python.framework.tensor_shape",
            "tensorflow.python.framework.ops", "tensorflow.python.ops.rnn", "tf_keras.src.layers.rnn.legacy_cells",
            "tensorflow.python.ops.control_flow_ops"} <= set(named), result.stderr[-3000:]


def test_a_tf_slim_that_cannot_import_is_one_line_for_the_program_that_uses_it(tmp_path):
    # tf-slim 1.1 itself imports TensorFlow's deprecation module: hidden, tf-slim cannot load
    result = run(tmp_path, ["--slim"], hidden=["tensorflow.python.util.deprecation"])
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("run_legacy: error: tf.contrib.layers/slim come from tf-slim, and tf_slim.layers "
                           "fails to import on TensorFlow "), result.stderr[-3000:]
    assert "(program.py, line 10)" in last
