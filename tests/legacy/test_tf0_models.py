"""tensorflow.models.rnn.{ptb,translate} (TF 0.x's pip package): the PTB reader on a hand-made
20-word text (exact ids and batches, the producer run through its queue), the translate data
utilities on a hand-made corpus (exact vocabulary and ids), the model's batches, and a script's
own flags under the runner."""
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from tf1_rnn.compat import tf as v1
from tf1_rnn.data.idx import DataError
from tf1_rnn.legacy import tf0_models, tf0_ptb as reader, tf0_translate as data_utils

# 20 words with the <eos> of each line: a x5; b, <eos> x4 (tied: "<eos>" sorts first); c x3; d, e x2.
# Spaced as PTB's files are: the reader puts "<eos>" in place of each newline, spaces around it or not.
PTB_TRAIN = " a b c a \n b a d \n c a b e \n a b c d e \n"
VOCAB = {"a": 0, "<eos>": 1, "b": 2, "c": 3, "d": 4, "e": 5}
TRAIN_IDS = [0, 2, 3, 0, 1, 2, 0, 4, 1, 3, 0, 2, 5, 1, 0, 2, 3, 4, 5, 1]
# batch_size 2 splits TRAIN_IDS into rows of 10; num_steps 4 gives (10 - 1) // 4 = 2 batches
BATCHES = [([[0, 2, 3, 0], [0, 2, 5, 1]], [[2, 3, 0, 1], [2, 5, 1, 0]]),
           ([[1, 2, 0, 4], [0, 2, 3, 4]], [[2, 0, 4, 1], [2, 3, 4, 5]])]


@pytest.fixture
def ptb_dir(tmp_path):
    for part, text in (("train", PTB_TRAIN), ("valid", " a z b \n"), ("test", " e d \n")):
        (tmp_path / f"ptb.{part}.txt").write_text(text)
    return str(tmp_path)


def test_ptb_vocabulary_and_word_ids(ptb_dir, tmp_path):
    train_path = os.path.join(ptb_dir, "ptb.train.txt")
    assert reader._read_words(train_path)[:6] == ["a", "b", "c", "a", "<eos>", "b"]
    (tmp_path / "glued.txt").write_text("a b\nc\n")
    assert reader._read_words(str(tmp_path / "glued.txt")) == ["a", "b<eos>c<eos>"]  # as TF's reader did
    assert reader._build_vocab(train_path) == VOCAB
    assert reader._file_to_word_ids(train_path, VOCAB) == TRAIN_IDS
    train, valid, test, vocabulary_size = reader.ptb_raw_data(ptb_dir)
    assert (train, valid, test, vocabulary_size) == (TRAIN_IDS, [0, 2, 1], [5, 4, 1], 6)  # "z": not in the vocabulary


def test_ptb_raw_data_names_the_missing_files(tmp_path):
    with pytest.raises(ValueError, match=r"^ptb_raw_data: no .*ptb\.train\.txt.*simple-examples"):
        reader.ptb_raw_data(str(tmp_path))


def test_ptb_iterator_batches():
    batches = list(reader.ptb_iterator(TRAIN_IDS, 2, 4))
    assert len(batches) == len(BATCHES)
    for (x, y), (want_x, want_y) in zip(batches, BATCHES):
        assert x.dtype == np.int32 and x.tolist() == want_x and y.tolist() == want_y


def test_ptb_producer_runs_the_same_batches_through_its_queue_and_cycles():
    with v1.Graph().as_default():
        x, y = reader.ptb_producer(TRAIN_IDS, 2, 4)
        assert x.shape.as_list() == y.shape.as_list() == [2, 4] and x.name.startswith("PTBProducer/")
        with v1.Session() as session:
            coordinator = v1.train.Coordinator()
            threads = v1.train.start_queue_runners(session, coord=coordinator)
            runs = [session.run([x, y]) for _ in range(3)]
            coordinator.request_stop()
            coordinator.join(threads)
    for (x_value, y_value), (want_x, want_y) in zip(runs, BATCHES + BATCHES[:1]):
        assert x_value.tolist() == want_x and y_value.tolist() == want_y


def test_ptb_producer_under_a_supervisor(tmp_path):
    with v1.Graph().as_default():
        x, _ = reader.ptb_producer(TRAIN_IDS, 2, 4, name="TrainInput")
        supervisor = v1.train.Supervisor(logdir=str(tmp_path))
        with supervisor.managed_session() as session:
            assert [session.run(x).tolist() for _ in range(2)] == [BATCHES[0][0], BATCHES[1][0]]


@pytest.mark.parametrize("batches", [lambda: list(reader.ptb_iterator(TRAIN_IDS, 4, 5)),
                                     lambda: reader.ptb_producer(TRAIN_IDS, 4, 5)])
def test_too_little_data_for_one_batch_is_one_line(batches):
    with v1.Graph().as_default(), pytest.raises(ValueError, match=r"epoch_size == 0: 20 words make no batch "
                                                               r"of 4 rows x 5 steps.*decrease batch_size"):
        batches()


# translate: two lines, 13 tokens; "I" and "have" twice, every other token once (ties: first seen first)
CORPUS = b"I have 2 dogs.\nI have a cat, 12 cats!\n"
VOCAB_LINES = [b"_PAD", b"_GO", b"_EOS", b"_UNK", b"I", b"have", b"0", b"dogs", b".", b"a"]  # 10 kept


def test_tokenizer_splits_punctuation_and_keeps_the_type():
    assert data_utils.basic_tokenizer(b" I have a cat, 12 cats!\n") == [b"I", b"have", b"a", b"cat", b",", b"12",
                                                                        b"cats", b"!"]
    assert data_utils.basic_tokenizer('He said: "no".') == ["He", "said", ":", '"', "no", '"', "."]
    assert (data_utils.PAD_ID, data_utils.GO_ID, data_utils.EOS_ID, data_utils.UNK_ID) == (0, 1, 2, 3)
    assert data_utils._START_VOCAB == [data_utils._PAD, data_utils._GO, data_utils._EOS, data_utils._UNK]


def test_vocabulary_and_token_ids(tmp_path):
    corpus, vocab_path, ids_path = tmp_path / "corpus.en", str(tmp_path / "vocab10.en"), str(tmp_path / "ids.en")
    corpus.write_bytes(CORPUS)
    data_utils.create_vocabulary(vocab_path, str(corpus), 10)
    assert open(vocab_path, "rb").read().splitlines() == VOCAB_LINES
    vocab, rev_vocab = data_utils.initialize_vocabulary(vocab_path)
    assert rev_vocab == VOCAB_LINES and vocab[b"dogs"] == 7
    assert data_utils.sentence_to_token_ids(b"I have 3 cats.", vocab) == [4, 5, 6, 3, 8]  # 3 -> "0"; cats: UNK
    assert data_utils.sentence_to_token_ids("I have 3 cats.", vocab) == [4, 5, 6, 3, 8]  # str: looked up as bytes
    assert data_utils.sentence_to_token_ids(b"I have 3 cats.", vocab, normalize_digits=False) == [4, 5, 3, 3, 8]
    data_utils.data_to_token_ids(str(corpus), ids_path, vocab_path)
    assert open(ids_path).read() == "4 5 6 7 8\n4 5 9 3 3 3 3 3\n"  # "12" -> "00", not in the vocabulary
    with pytest.raises(ValueError, match=r"^initialize_vocabulary: vocabulary file .*missing not found$"):
        data_utils.initialize_vocabulary(str(tmp_path / "missing"))


def test_prepare_wmt_data_uses_the_local_files_and_refuses_to_download(tmp_path):
    for prefix in ("giga-fren.release2.fixed", "newstest2013"):
        (tmp_path / f"{prefix}.en").write_bytes(CORPUS)
        (tmp_path / f"{prefix}.fr").write_bytes(b"J'ai 2 chiens.\n")
    paths = data_utils.prepare_wmt_data(str(tmp_path), 10, 6)
    names = [os.path.relpath(path, tmp_path) for path in paths]
    assert names == ["giga-fren.release2.fixed.ids10.en", "giga-fren.release2.fixed.ids6.fr",
                     "newstest2013.ids10.en", "newstest2013.ids6.fr", "vocab10.en", "vocab6.fr"]
    assert open(paths[2]).read() == "4 5 6 7 8\n4 5 9 3 3 3 3 3\n"
    assert open(paths[5], "rb").read().splitlines()[4:] == [b"J", b"'"]
    with pytest.raises(DataError, match=r"training-giga-fren\.tar is missing and the runner downloads nothing"):
        data_utils.prepare_wmt_data(str(tmp_path / "empty"), 10, 6)


def test_seq2seq_batches_are_time_major_reversed_and_weighted():
    encoder, decoder, weights = tf0_models.batch_major([([1, 2], [3]), ([4], [5, 6])], 3, 4)
    assert [e.tolist() for e in encoder] == [[0, 0], [2, 0], [1, 4]]  # padded, then reversed
    assert [d.tolist() for d in decoder] == [[1, 1], [3, 5], [0, 6], [0, 0]]  # GO first
    assert [w.tolist() for w in weights] == [[1, 1], [0, 1], [0, 0], [0, 0]]  # 0 where the target is padding
    assert encoder[0].dtype == np.int32 and weights[0].dtype == np.float32
    with pytest.raises(ValueError, match=r"^get_batch: a pair does not fit bucket \(3, 4\)"):
        tf0_models.batch_major([([1, 2], [3, 4, 5, 6])], 3, 4)


def test_modules_provide_tf0s_paths():
    parts = tf0_models.modules()
    assert parts["tensorflow.models.rnn.ptb"].reader is parts["tensorflow.models.rnn.ptb.reader"]
    assert parts["tensorflow.models.rnn.ptb.reader"].ptb_iterator is reader.ptb_iterator
    translate = parts["tensorflow.models.rnn.translate"]
    assert translate.data_utils.UNK_ID == 3 and translate.seq2seq_model.Seq2SeqModel is tf0_models.Seq2SeqModel


SEQ2SEQ = "embedding_attention_seq2seq/"
DECODER = SEQ2SEQ + "embedding_attention_decoder/attention_decoder/"
MODEL_VARIABLES = {  # TF 1.x's names for the translate model's variables (the seq2seq ones: legacy_seq2seq's)
    "Variable:0": [], "Variable_1:0": [], "proj_w:0": [4, 10], "proj_b:0": [10],  # learning rate, global step
    SEQ2SEQ + "rnn/embedding_wrapper/embedding:0": [8, 4],
    SEQ2SEQ + "rnn/embedding_wrapper/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0": [8, 8],
    SEQ2SEQ + "embedding_attention_decoder/embedding:0": [10, 4],
    DECODER + "multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0": [8, 4],
    DECODER + "AttnOutputProjection/kernel:0": [8, 4]}


def seq2seq_model(forward_only):
    return tf0_models.Seq2SeqModel(8, 10, [(2, 3), (3, 4)], size=4, num_layers=2, max_gradient_norm=5.0,
                                   batch_size=2, learning_rate=0.5, learning_rate_decay_factor=0.9,
                                   num_samples=5, forward_only=forward_only)


def test_seq2seq_model_variables_and_a_training_step():
    pytest.importorskip("tf1_rnn.legacy.legacy_seq2seq")
    with v1.Graph().as_default():
        v1.set_random_seed(1)
        model = seq2seq_model(forward_only=False)
        shapes = {v.name: v.shape.as_list() for v in v1.global_variables()}
        assert {name: shapes.get(name) for name in MODEL_VARIABLES} == MODEL_VARIABLES  # proj_w: 0.x's [size, vocab]
        assert len(shapes) == 30 and len(model.updates) == len(model.losses) == 2
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            batch = model.get_batch([[([1], [2])], [([1, 2, 3], [4, 5])]], 1)
            norm, loss, outputs = model.step(session, *batch, 1, False)
            assert outputs is None and np.isfinite(loss) and norm > 0
            assert session.run(model.global_step) == 1
            with pytest.raises(ValueError, match=r"^Seq2SeqModel.step: Encoder length must be equal to the one "
                                                 r"in bucket 0, 3 != 2$"):
                model.step(session, *batch, 0, False)


def test_seq2seq_model_decoding_projects_onto_the_vocabulary():
    pytest.importorskip("tf1_rnn.legacy.legacy_seq2seq")
    with v1.Graph().as_default():
        model = seq2seq_model(forward_only=True)
        assert not hasattr(model, "updates")
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            norm, loss, logits = model.step(session, *model.get_batch([[([1], [2])], []], 0), 0, True)
    assert norm is None and np.isfinite(loss) and [l.shape for l in logits] == [(2, 10)] * 3


FLAGS_SCRIPT = os.path.join(ROOT, "tests", "legacy_scripts", "ptb_flags.py")


@pytest.mark.parametrize("args, printed", [
    (["--data_path=/data/ptb", "--model", "medium"], "data_path /data/ptb model medium max_epoch 4 use_fp16 False"),
    (["--model=large", "--use_fp16", "--max_epoch", "2"], "data_path None model large max_epoch 2 use_fp16 True"),
])
def test_the_scripts_flags_are_its_own_under_the_runner(tmp_path, args, printed):
    result = subprocess.run([sys.executable, "-m", "tf1_rnn.run_legacy", FLAGS_SCRIPT, *args], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [f"flags {printed}", "argv ['ptb_flags.py']"]


def test_a_program_imports_the_models_and_contrib_learn_under_the_runner(ptb_dir, tmp_path):
    """Passes once the runner installs tf0_models.modules() and contrib_learn.modules(seed, verify)."""
    script = os.path.join(ROOT, "tests", "legacy_scripts", "tf0_models_learn.py")
    result = subprocess.run([sys.executable, "-m", "tf1_rnn.run_legacy", "--no-verify", script,
                             f"--data_path={ptb_dir}"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.stdout.splitlines() == [
        "vocabulary 6 valid [0, 2, 1]",
        f"iterator {[x for x, _ in BATCHES]}",
        f"producer {[y for _, y in BATCHES]}",
        "tokens [4, 5, 3] b'_UNK'",
        "model Seq2SeqModel",
        "ids [[1, 2, 0], [2, 3, 4]]",
        "restored tensorflow.contrib.learn.python.learn.preprocessing.text [[4, 1, 0]]",
        "run_n [{'two': 2}, {'two': 2}]",
        "dataset [1.0, 1.0]"], result.stderr[-3000:]
    era, error = result.stderr.strip().splitlines()
    assert era.startswith("run_legacy: running as TF 0.x: ")
    assert result.returncode == 1 and error.startswith("run_legacy: error: tf.contrib.learn.Estimator is not "
                                                       "available: replaced by tf.estimator")
    assert error.endswith("(tf0_models_learn.py, line 36)")
