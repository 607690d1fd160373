"""The runner's namespace is one context: inside it a program gets TF 1.x, and leaving it puts
the process back exactly as it was. In-process, so that anything left behind is seen here."""
import os
import sys

from tf1_rnn.compat import tf
from tf1_rnn.legacy import contrib_layers, install, runner
from tf1_rnn.legacy.block_cells import GRADIENTS


def process_state():
    """What installing the namespace may change, by identity."""
    from tensorflow.python.framework import ops, tensor_shape

    modules = {name: id(module) for name, module in sys.modules.items()
               if name.startswith("tensorflow") or name == "input_data"}
    attributes = {f"{name}.{key}": id(value) for name, module in list(sys.modules.items())
                  if (name.startswith("tensorflow._api") or name in contrib_layers.MOVED_NAMES
                      or name == "tensorflow.python.ops") and module is not None
                  for key, value in list(vars(module).items())}
    graph = tf.get_default_graph()
    return {"modules": modules, "attributes": attributes, "meta_path": [id(f) for f in sys.meta_path],
            "environ": dict(os.environ), "gradients": sorted(set(GRADIENTS) & set(ops._gradient_registry.list())),
            "graph": (graph.seed, tf.get_variable_scope().initializer), "argv": list(sys.argv),
            "path": list(sys.path), "shapes": vars(tensor_shape).get("_TENSORSHAPE_V2_OVERRIDE")}


def test_installed_gives_tf1_and_leaving_restores_everything():
    before = process_state()
    with install.installed(seed=3) as root:
        import tensorflow

        assert tensorflow is root and sys.modules["tensorflow.compat.v1"] is root
        from tensorflow.contrib import rnn
        from tensorflow.examples.tutorials.mnist import input_data

        assert rnn.BasicLSTMCell.__module__.startswith("tf_keras") and input_data.read_data_sets
        assert root.layers.dense and root.keras.layers.LSTM and root.compat.v1 is root
        assert os.environ["TF_USE_LEGACY_KERAS"] == "1" and tf.get_default_graph().seed == 3
        assert root.placeholder(root.float32, [None, 3]).get_shape()[1].value == 3  # TF 1.x's Dimension
        # TensorFlow's own lazy Keras loaders resolve to tf-keras meanwhile (for code that reaches them directly)
        assert tf.nn.rnn_cell.BasicLSTMCell.__module__.startswith("tf_keras")
        assert process_state() != before
    assert process_state() == before


def test_two_installs_in_a_row_each_restore():
    before = process_state()
    for seed in (1, None):
        with install.installed(seed=seed):
            import tensorflow

            assert tensorflow.mul is not None  # a TF 0.x name
    assert process_state() == before


def test_a_program_context_restores_argv_path_and_environment(tmp_path):
    before = process_state()
    script = str(tmp_path / "program.py")
    with runner.as_program(script, ["--data_path", "x"]):
        assert sys.argv == [script, "--data_path", "x"] and sys.path[0] == str(tmp_path)
    assert process_state() == before


def test_the_runner_leaves_the_process_as_it_found_it(tmp_path, monkeypatch):
    script = tmp_path / "program.py"
    script.write_text("import tensorflow as tf\nprint(tf.reduce_sum(tf.ones([2])).eval(session=tf.Session()))\n")
    before = process_state()
    assert runner.main([str(script)]) == 0
    assert process_state() == before


def test_tf1s_internal_module_paths_and_star_imports():
    """Programs imported TF 1.x's own module paths, and ``import *`` from them."""
    before = process_state()
    with install.installed():
        names = {}
        exec("from tensorflow.contrib.legacy_seq2seq.python.ops import *\n"
             "from tensorflow.contrib.seq2seq.python.ops import attention_wrapper, helper\n"
             "from tensorflow.contrib.rnn import *\n"
             "from tensorflow.contrib.rnn.python.ops.core_rnn_cell import EmbeddingWrapper\n", names)
        import tensorflow

        assert names["seq2seq"].embedding_attention_seq2seq is tensorflow.contrib.legacy_seq2seq.embedding_attention_seq2seq
        assert names["attention_wrapper"].AttentionWrapper is tensorflow.contrib.seq2seq.AttentionWrapper
        assert names["helper"].TrainingHelper is tensorflow.contrib.seq2seq.TrainingHelper
        assert names["BasicLSTMCell"] is tensorflow.contrib.rnn.BasicLSTMCell and "NASCell" in names
        assert names["EmbeddingWrapper"] is tensorflow.contrib.rnn.EmbeddingWrapper
    assert process_state() == before


def test_a_program_may_define_a_flag_that_absl_logging_holds():
    """TF 1.x's logging defined no flags; absl.logging's log_dir is the program's while it runs."""
    flags = tf.flags.FLAGS
    assert flags.find_module_defining_flag("log_dir") == "absl.logging"
    with install.installed() as root:
        root.app.flags.DEFINE_string("log_dir", "./logs", "the program's own")
        assert flags["log_dir"].default == "./logs"
    assert flags.find_module_defining_flag("log_dir") == "absl.logging"
