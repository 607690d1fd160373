"""tf.contrib.learn as RNN programs used it: the text preprocessing (exact ids, TF 1.x's pickle
both ways), run_n/run_feeds in a session of their own, MNIST through load_dataset on the
synthetic files, the CSV loaders, and one-line errors for the parts with no port."""
import pickle
import sys
import types

import numpy as np
import pytest

from conftest import N_TEST, N_TRAIN, synthetic_arrays, synthetic_files, write_files
from tf1_rnn.compat import tf as v1
from tf1_rnn.data import idx
from tf1_rnn.data.idx import DataError
from tf1_rnn.legacy import contrib_learn, contrib_learn_text as text
from tf1_rnn.legacy.namespace import LegacyAPIError

DOCUMENTS = ["a b c", "b c d e", "c"]  # a, b, c, d, e get ids 1..5 in order of first sight


@pytest.fixture(scope="module")
def learn():
    return contrib_learn.modules(seed=None, verify=False)


def test_tokenizer_finds_words_and_splits_capitalised_runs():
    tokens = list(text.tokenizer(["Hello, World-wide CamelCase don't 42", "NASA rocks"]))
    assert tokens == [["Hello", "World-wide", "Camel", "Case", "don't", "42"], ["NASA", "rocks"]]


def test_vocabulary_processor_fit_transform_and_reverse():
    processor = text.VocabularyProcessor(3)
    ids = list(processor.fit_transform(DOCUMENTS))
    assert [row.tolist() for row in ids] == [[1, 2, 3], [2, 3, 4], [3, 0, 0]]  # cut at 3 words, zero-padded
    assert ids[0].dtype == np.int64 and len(processor.vocabulary_) == 6
    assert [row.tolist() for row in processor.transform(["e z a"])] == [[5, 0, 1]]  # frozen: z is unknown
    assert list(processor.reverse([[1, 2, 0], [5, 4, 3]])) == ["a b <UNK>", "e d c"]


def test_min_frequency_keeps_words_seen_more_often_most_frequent_first():
    processor = text.VocabularyProcessor(3, min_frequency=1)  # c x3, b x2 stay; a, d, e (once) go
    assert [row.tolist() for row in processor.fit_transform(DOCUMENTS)] == [[0, 2, 1], [2, 1, 0], [1, 0, 0]]
    vocabulary = text.CategoricalVocabulary()
    for word, count in (("y", 2), ("x", 2), (3, 2), ("z", 5)):
        vocabulary.add(word, count)
    vocabulary.trim(1, max_frequency=5)  # z reaches max_frequency; ties: non-strings, then sorted
    assert [vocabulary.reverse(i) for i in range(len(vocabulary))] == ["<UNK>", 3, "x", "y"]


def test_save_then_restore_gives_the_same_processor_in_tf1s_pickle(tmp_path):
    processor = text.VocabularyProcessor(4)
    processor.fit(DOCUMENTS)
    path = str(tmp_path / "vocab")
    before = set(sys.modules)
    processor.save(path)
    assert set(sys.modules) == before  # TF 1.x's module paths were there only while pickling
    data = open(path, "rb").read()
    for name in (b"tensorflow.contrib.learn.python.learn.preprocessing.text", b"VocabularyProcessor",
                 b"tensorflow.contrib.learn.python.learn.preprocessing.categorical_vocabulary",
                 b"CategoricalVocabulary", b"tokenizer", b"max_document_length", b"vocabulary_", b"_mapping"):
        assert name in data
    restored = text.VocabularyProcessor.restore(path)
    assert type(restored) is text.VocabularyProcessor and restored._tokenizer is text.tokenizer
    assert restored.vocabulary_._mapping == processor.vocabulary_._mapping
    documents = ["e d c b a", "a z"]
    assert [r.tolist() for r in restored.transform(documents)] == [r.tolist() for r in processor.transform(documents)]


def tf1_classes():
    """Stand-ins for TF 1.x's own classes, plain objects as TF 1.x's were, in TF 1.x's modules."""
    made = {}
    for module_name, class_name in ((text.TEXT_MODULE, "VocabularyProcessor"),
                                    (text.VOCABULARY_MODULE, "CategoricalVocabulary")):
        module = types.ModuleType(module_name)
        made[class_name] = type(class_name, (), {"__module__": module_name})
        setattr(module, class_name, made[class_name])
        made[module_name] = module
    made[text.TEXT_MODULE].tokenizer = text.tokenizer
    return made


def test_a_vocabulary_pickled_by_tf1_restores(tmp_path, monkeypatch):
    tf1 = tf1_classes()
    vocabulary = tf1["CategoricalVocabulary"]()
    vocabulary.__dict__.update(_unknown_token="<UNK>", _mapping={"<UNK>": 0, "hello": 1, "world": 2},
                               _support_reverse=True, _reverse_mapping=["<UNK>", "hello", "world"],
                               _freq={"hello": 2, "world": 1}, _freeze=True)
    processor = tf1["VocabularyProcessor"]()
    processor.__dict__.update(max_document_length=3, min_frequency=0, vocabulary_=vocabulary,
                              _tokenizer=text.tokenizer)
    with monkeypatch.context() as patch:
        for name in (text.TEXT_MODULE, text.VOCABULARY_MODULE):
            patch.setitem(sys.modules, name, tf1[name])
        (tmp_path / "vocab").write_bytes(pickle.dumps(processor, protocol=2))  # TF 1.x on Python 2 wrote protocol 2
    restored = text.VocabularyProcessor.restore(str(tmp_path / "vocab"))
    assert type(restored) is text.VocabularyProcessor
    assert [row.tolist() for row in restored.transform(["world hello again"])] == [[2, 1, 0]]
    assert list(restored.reverse([[1, 2, 0]])) == ["hello world <UNK>"]


def test_byte_processor_round_trip():
    processor = text.ByteProcessor(4)
    rows = list(processor.transform(["ab", "abcdef"]))
    assert [row.tolist() for row in rows] == [[97, 98, 0, 0], [97, 98, 99, 100]]
    assert list(processor.reverse(rows)) == ["ab", "abcd"]


def test_run_n_and_run_feeds_run_the_outputs_in_one_session(tmp_path):
    with v1.Graph().as_default():
        x = v1.placeholder(v1.float32, [])
        counter = v1.Variable(10.0)
        outputs = {"double": 2 * x, "count": v1.assign_add(counter, 1.0)}
        results = contrib_learn.run_n(outputs, feed_dict={x: 3.0}, n=3)
        assert results == [{"double": 6.0, "count": 11.0}, {"double": 6.0, "count": 12.0},
                           {"double": 6.0, "count": 13.0}]
        assert [r["double"] for r in contrib_learn.run_feeds(outputs, [{x: 1.0}, {x: 2.5}])] == [2.0, 5.0]
        with v1.Session() as session:
            session.run(counter.initializer)
            session.run(v1.assign(counter, 40.0))
            path = v1.train.Saver().save(session, str(tmp_path / "model"))
        assert contrib_learn.infer(path, {"count": outputs["count"]})["count"] == 41.0
    with pytest.raises(ValueError, match=r"^run_feeds: output_dict must map names to tensors, got \{\}$"):
        contrib_learn.run_n({})


def test_load_dataset_mnist_reads_mnist_data_in_the_working_directory(learn, tmp_path, monkeypatch):
    write_files(str(tmp_path / "MNIST-data"), synthetic_files(), gz=True)
    monkeypatch.chdir(tmp_path)
    mnist = learn["tensorflow.contrib.learn.datasets"].load_dataset("mnist")
    assert (mnist.train.num_examples, mnist.validation.num_examples, mnist.test.num_examples) == (
        N_TRAIN - 5000, 5000, N_TEST)
    assert mnist.train.images.shape == (N_TRAIN - 5000, 784) and mnist.test.labels.tolist() == (
        synthetic_arrays(N_TEST, 2)[1].tolist())


def test_datasets_mnist_read_data_sets_one_hot(learn, synthetic_dir):
    read_data_sets = learn["tensorflow.contrib.learn.python.learn.datasets.mnist"].read_data_sets
    mnist = read_data_sets(synthetic_dir, one_hot=True)
    assert mnist.validation.labels.argmax(1).tolist() == synthetic_arrays(N_TRAIN, 1)[1][:5000].tolist()


def test_mnist_file_readers(learn, tmp_path):
    mnist = learn["tensorflow.contrib.learn.datasets.mnist"]
    images, labels = synthetic_arrays(3, 5)
    write_files(str(tmp_path), {"images": idx.encode(images), "labels": idx.encode(labels)}, gz=True)
    with open(tmp_path / "images.gz", "rb") as f:
        extracted = mnist.extract_images(f)
    assert extracted.shape == (3, 28, 28, 1) and (extracted[..., 0] == images).all()
    with open(tmp_path / "labels.gz", "rb") as f:
        one_hot = mnist.extract_labels(f, one_hot=True)
    assert one_hot.argmax(1).tolist() == labels.tolist() and one_hot.sum() == 3
    assert mnist.dense_to_one_hot(np.array([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    with open(tmp_path / "labels.gz", "rb") as f, pytest.raises(ValueError, match=r"labels.gz: has 1 dimensions, "
                                                                                  r"expected 3 for images"):
        mnist.extract_images(f)


def test_csv_loaders(learn, tmp_path):
    base = learn["tensorflow.contrib.learn.datasets.base"]
    (tmp_path / "with.csv").write_text("3,2,setosa,versicolor\n1.5,2,0\n3,4.5,1\n-1,0,2\n")
    dataset = base.load_csv_with_header(str(tmp_path / "with.csv"), target_dtype=np.int64, features_dtype=np.float32)
    assert isinstance(dataset, base.Dataset) and dataset.data.dtype == np.float32
    assert dataset.data.tolist() == [[1.5, 2.0], [3.0, 4.5], [-1.0, 0.0]] and dataset.target.tolist() == [0, 1, 2]
    (tmp_path / "without.csv").write_text("7,1,2\n8,3,4\n")
    dataset = base.load_csv_without_header(str(tmp_path / "without.csv"), np.int32, np.float64, target_column=0)
    assert dataset.data.tolist() == [[1.0, 2.0], [3.0, 4.0]] and dataset.target.tolist() == [7, 8]
    base.shrink_csv(str(tmp_path / "without.csv"), 2)
    assert (tmp_path / "without_small.csv").read_text().splitlines() == ["7,1,2"]
    assert base.Datasets(1, 2, 3).validation == 2


def test_what_has_no_port_is_one_line(learn):
    namespace = learn["tensorflow.contrib.learn"]
    with pytest.raises(LegacyAPIError) as error:
        namespace.Estimator
    message = str(error.value)
    assert "\n" not in message and message.startswith(
        "tf.contrib.learn.Estimator is not available: replaced by tf.estimator, itself removed in TensorFlow 2.16")
    with pytest.raises(LegacyAPIError, match=r"^tf\.contrib\.learn\.python\.learn\.learn_runner is not available"):
        learn["tensorflow.contrib.learn.python.learn"].learn_runner
    datasets = learn["tensorflow.contrib.learn.datasets"]
    with pytest.raises(DataError, match=r"^datasets\.load_iris: TF 1\.x read iris's CSV from inside its own package"):
        datasets.load_dataset("iris")
    with pytest.raises(DataError, match=r"^load_dataset\('dbpedia'\): .* downloads nothing"):
        datasets.load_dataset("dbpedia")
    with pytest.raises(ValueError, match=r"^load_dataset: Name of dataset is not found: cifar"):
        datasets.load_dataset("cifar")
