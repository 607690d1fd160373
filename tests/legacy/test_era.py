"""tf1_rnn.legacy.era: which TensorFlow a program was written for, read from its own files."""
import os

import pytest

from conftest import ROOT
from tf1_rnn.legacy import era as eras
from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy import py2_imports

ERAS = os.path.join(ROOT, "tests", "legacy_scripts", "eras")


@pytest.fixture(autouse=True)
def conversion_cache(tmp_path, monkeypatch):
    """No test writes the user's conversion cache."""
    cache = py2_imports.ConversionCache(str(tmp_path / "py2-cache"))
    monkeypatch.setattr(py2_imports, "default_cache", lambda: cache)
    return cache


def detect(name):
    return eras.detect(os.path.join(ERAS, name + ".py"))


# Each file is `import tensorflow as tf` and one line with the sign (see tests/legacy_scripts/eras).
STRONG_0X = {
    "tf0_models_rnn": "line 2 imports tensorflow.models.rnn",
    "tf0_mul": "line 2 uses tf.mul",
    "tf0_sub": "line 2 uses tf.sub",
    "tf0_neg": "line 2 uses tf.neg",
    "tf0_pack": "line 2 uses tf.pack",
    "tf0_unpack": "line 2 uses tf.unpack",
    "tf0_select": "line 2 uses tf.select",
    "tf0_scalar_summary": "line 2 uses tf.scalar_summary",
    "tf0_histogram_summary": "line 2 uses tf.histogram_summary",
    "tf0_merge_all_summaries": "line 2 uses tf.merge_all_summaries",
    "tf0_summary_writer": "line 2 uses tf.train.SummaryWriter",
    "tf0_nn_rnn": "line 2 uses tf.nn.rnn",
    "tf0_bidirectional_rnn": "line 2 uses tf.nn.bidirectional_rnn",
    "tf0_batch_matmul": "line 2 uses tf.batch_matmul",
    "tf0_concat_dim_first": "line 2 calls tf.concat(concat_dim, values)",
    "tf0_split_dim_first": "line 2 calls tf.split(split_dim, num_split, value)",
    "tf0_nn_seq2seq": "line 2 uses tf.nn.seq2seq",
    "tf0_models": "line 2 uses tf.models.rnn",
    "tf0_op_scope": "line 2 uses tf.op_scope",
    "tf0_variable_op_scope": "line 2 uses tf.variable_op_scope",
    "tf0_audio_summary": "line 2 uses tf.audio_summary",
    "tf0_image_summary": "line 2 uses tf.image_summary",
    "tf0_reverse_bools": "line 2 calls tf.reverse(tensor, dims) with one bool per dimension",
    "tf0_cross_entropy_positional": "line 2 calls tf.nn.softmax_cross_entropy_with_logits(logits, labels) positionally",
}
STRONG_1X = {
    "tf1_contrib_rnn": ("line 3 uses tf.contrib.rnn.BasicLSTMCell (and 1 more 1.x sign)", (1, 0)),
    "tf1_layers": ("line 2 uses tf.layers", (1, 0)),
    "tf1_estimator": ("line 2 uses tf.estimator", (1, 1)),
    "tf1_static_rnn": ("line 2 uses tf.nn.static_rnn", (1, 2)),
    "tf1_data": ("line 2 uses tf.data", (1, 4)),
    "tf1_keras": ("line 2 uses tf.keras", (1, 4)),
    "tf1_compat_v1": ("line 2 uses tf.compat.v1", (1, 13)),
    "tf1_concat_values_first": ("line 2 calls tf.concat(values, axis)", (1, 0)),
}
NOT_0X = {  # weak signs, and names both eras had
    "weak0_initialize_all_variables":
        "only weak 0.x signs, which TF 1.x allows too (line 2 uses tf.initialize_all_variables): TF 1.x",
    "weak0_python2": "only weak 0.x signs, which TF 1.x allows too (line 2 is Python 2): TF 1.x",
    "weak1_summary_scalar": "line 2 uses tf.summary",
    "weak1_global_variables_initializer": "line 2 uses tf.global_variables_initializer",
    "both_rnn_cell": "no TF 0.x-only names or imports: TF 1.x",
    "both_dynamic_rnn": "no TF 0.x-only names or imports: TF 1.x",
    "both_no_contrib": "no TF 0.x-only names or imports: TF 1.x",
}


@pytest.mark.parametrize("name", sorted(STRONG_0X))
def test_each_strong_0x_sign_makes_the_program_0x(name):
    era = detect(name)
    assert (era.version, era.reason) == ("0.x", STRONG_0X[name])
    assert era.initializer == "uniform_unit_scaling"


@pytest.mark.parametrize("name", sorted(STRONG_1X))
def test_each_1x_only_sign_makes_the_program_1x_from_the_release_that_added_it(name):
    era = detect(name)
    assert (era.version, era.reason, era.release) == ("1.x", *STRONG_1X[name])
    assert era.initializer == "glorot_uniform" and era.state_is_tuple_default is True


@pytest.mark.parametrize("name", sorted(NOT_0X))
def test_weak_signs_and_shared_names_leave_the_program_1x(name):
    era = detect(name)
    assert (era.version, era.reason) == ("1.x", NOT_0X[name])
    assert era.python2 is (name == "weak0_python2")


def test_every_sign_file_is_tested():
    tested = {*STRONG_0X, *STRONG_1X, *NOT_0X, "conflict_more_0x", "conflict_more_1x"}
    assert {name[:-3] for name in os.listdir(ERAS) if name.endswith(".py")} == tested


def test_a_conflict_goes_to_the_side_with_more_strong_signs_and_says_so():
    more_0x, more_1x = detect("conflict_more_0x"), detect("conflict_more_1x")
    assert (more_0x.version, more_0x.reason) == ("0.x", (
        "conflict: line 2 uses tf.mul (0.x only) but line 4 uses tf.layers (1.x only); 0.x chosen: "
        "2 strong 0.x signs (2 in all) against 1 strong 1.x sign (1 in all)"))
    assert (more_1x.version, more_1x.reason) == ("1.x", (
        "conflict: line 2 uses tf.mul (0.x only) but line 3 uses tf.layers (1.x only); 1.x chosen: "
        "1 strong 0.x sign (1 in all) against 2 strong 1.x signs (2 in all)"))


def test_signs_in_the_programs_own_modules_count_and_name_their_file():
    era = eras.detect(os.path.join(ERAS, "program", "main.py"))
    assert (era.version, era.reason) == ("0.x", "model.py line 3 uses tf.mul")


def test_the_release_of_a_0x_program_is_the_last_that_had_all_its_names():
    assert detect("tf0_models_rnn").release == (0, 10)  # tensorflow.models.rnn: cells default to concatenated state
    assert detect("tf0_models_rnn").state_is_tuple_default is False
    assert detect("tf0_mul").release == (0, 12) and detect("tf0_mul").state_is_tuple_default is True


def test_the_override_gives_that_releases_defaults():
    old = eras.Era.from_version("0.8")
    assert (old.version, old.release, old.reason) == ("0.x", (0, 8), "--tf-version 0.8")
    assert (old.state_is_tuple_default, old.initializer) == (False, "uniform_unit_scaling")
    assert old.value("rnn_returns_all_states") is False and old.value("checkpoint_format") == "V1"
    assert eras.Era.from_version("0.11").state_is_tuple_default is True
    assert eras.Era.from_version("0.12").value("rnn_variable_names") == "rnn/basic_lstm_cell/weights"
    assert eras.Era.from_version("0.6").value("rnn_returns_all_states") is True
    assert eras.Era.from_version("1.0").value("repeated_cell_in_multi_rnn_cell") == "separate weights"
    assert eras.Era.from_version("1.1").value("repeated_cell_in_multi_rnn_cell") == "error"
    new = eras.Era.from_version("1.4.1")
    assert (new.version, new.release, new.initializer) == ("1.x", (1, 4), "glorot_uniform")
    assert new.value("repeated_cell_in_multi_rnn_cell") == "shared weights"
    assert new.value("rnn_variable_names") == "rnn/basic_lstm_cell/kernel"
    with pytest.raises(ValueError, match=r"^Era.from_version: '2.1' is not a TensorFlow 0.x or 1.x release"):
        eras.Era.from_version("2.1")


def test_notebook_cells_are_read_with_their_labels_and_without_magics(tmp_path):
    cells = {2: "%matplotlib inline\nimport tensorflow as tf\n!ls\nx = tf.pack([1.0])",
             3: "%%bash\necho tf.mul"}  # a cell magic is not Python: no sign from it
    notebook = tmp_path / "old.ipynb"
    notebook.write_text("{}")
    era = eras.detect(str(notebook), extra_sources=[(f"cell {n}", text) for n, text in cells.items()])
    assert (era.version, era.reason) == ("0.x", "cell 2 line 4 uses tf.pack")
    extra = eras.detect(os.path.join(ERAS, "both_rnn_cell.py"),
                        extra_sources=[("cell 5", 'import tensorflow as tf\nprint "a"\ny = tf.neg(1.0)\n')])
    assert (extra.version, extra.python2) == ("0.x", True)
    assert extra.reason == "cell 5 line 3 uses tf.neg (and 1 more 0.x sign)"  # and "cell 5 line 2 is Python 2"


def test_python2_modules_of_the_program_are_read_after_conversion(tmp_path, conversion_cache):
    (tmp_path / "main.py").write_text("import tensorflow as tf\nimport layers\nprint 'built'\n")
    (tmp_path / "layers.py").write_text("import tensorflow as tf\n\ndef f(x):\n    print x\n    return tf.unpack(x)\n")
    era = eras.detect(str(tmp_path / "main.py"))
    assert (era.version, era.python2) == ("0.x", True)
    assert era.reason == "layers.py line 5 uses tf.unpack (and 2 more 0.x signs)"
    assert [str(s) for s in era.signs] == ["line 3 is Python 2", "layers.py line 4 is Python 2",
                                           "layers.py line 5 uses tf.unpack"]
    assert conversion_cache.conversions == 2


@pytest.mark.parametrize("targets, two", [("outputs, state", True), ("outputs, state, lengths", False),
                                          ("result", False)])
def test_dynamic_decode_unpacked_into_two_names_is_tf_1_1(tmp_path, targets, two):
    script = tmp_path / "decode.py"
    script.write_text("import tensorflow as tf\n"
                      f"{targets} = tf.contrib.seq2seq.dynamic_decode(decoder)\n")
    found = eras.detect(str(script))
    assert found.version == "1.x" and found.two_value_dynamic_decode == two
    assert eras.Era.from_version("1.1").two_value_dynamic_decode and not eras.Era.from_version("1.2").two_value_dynamic_decode


def test_tf_1_1s_dynamic_decode_returns_outputs_and_state():
    from tf1_rnn.compat import legacy_rnn_cells
    from tf1_rnn.legacy import contrib_seq2seq, seq2seq_decoder, seq2seq_helpers

    with v1.Graph().as_default():
        cell = legacy_rnn_cells().BasicRNNCell(3)
        helper = seq2seq_helpers.TrainingHelper(v1.zeros([2, 4, 5]), [4, 2])
        decoder = seq2seq_decoder.BasicDecoder(cell, helper, cell.zero_state(2, v1.float32))
        two = contrib_seq2seq.modules(two_value_decode=True)["tensorflow.contrib.seq2seq"].dynamic_decode(decoder)
        three = contrib_seq2seq.modules()["tensorflow.contrib.seq2seq"].dynamic_decode(decoder)
    assert len(two) == 2 and len(three) == 3
