"""IDX reading and TF1's DataSet semantics, with exact values (as the PTB reader_test did)."""
import gzip

import numpy as np
import pytest

from conftest import synthetic_files, write_files
from tf1_rnn.data import idx
from tf1_rnn.data.datasets import DataSet, read_data_sets
from tf1_rnn.data.idx import DataError, IdxError


def test_idx_round_trip_raw_and_gzip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "raw").write_bytes(idx.encode(images))
    (tmp_path / "any-name").write_bytes(gzip.compress(idx.encode(images)))  # gzip by magic, not name
    np.testing.assert_array_equal(idx.read_images(tmp_path / "raw"), images)
    np.testing.assert_array_equal(idx.read_images(tmp_path / "any-name"), images)
    assert idx.encode(images)[:8] == b"\x00\x00\x08\x03\x00\x00\x00\x02"


@pytest.mark.parametrize("mangle, message", [
    (lambda b: b"\x00\x00\x09" + b[3:], "bad IDX magic number"),
    (lambda b: b[:-1], "truncated"),
    (lambda b: b + b"\x00", "trailing data"),
    (lambda b: b[:2], "too short"),
    (lambda b: idx.encode(np.zeros(4, np.uint8)), "has 1 dimensions, expected 3"),
])
def test_bad_image_files_name_the_file_and_the_problem(tmp_path, mangle, message):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(mangle(idx.encode(np.zeros((2, 28, 28), np.uint8))))
    with pytest.raises(IdxError, match=message) as err:
        idx.read_images(path)
    assert str(path) in str(err.value)


def test_truncated_and_crc_broken_gzip(tmp_path):
    packed = gzip.compress(idx.encode(np.zeros((20, 28, 28), np.uint8)))
    (tmp_path / "cut.gz").write_bytes(packed[:len(packed) // 2])
    broken = bytearray(packed)
    broken[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    (tmp_path / "crc.gz").write_bytes(bytes(broken))
    with pytest.raises(IdxError, match="truncated gzip"):
        idx.read_images(tmp_path / "cut.gz")
    with pytest.raises(IdxError, match="corrupt gzip"):
        idx.read_images(tmp_path / "crc.gz")


def test_label_out_of_range(tmp_path):
    (tmp_path / "labels").write_bytes(idx.encode(np.array([3, 9, 10, 1], np.uint8)))
    with pytest.raises(IdxError, match="label 10 at index 2 is outside 0..9"):
        idx.read_labels(tmp_path / "labels")


def five():
    """Five examples whose image value and label are their original index."""
    return np.arange(5, dtype=np.float32).reshape(5, 1), np.arange(5)


def test_next_batch_first_call_shuffles_then_wraps_with_fresh_permutation():
    images, labels = five()
    data = DataSet(images, labels, seed=0)
    rng = np.random.default_rng(0)
    first = rng.permutation(5)
    second = first[rng.permutation(5)]

    x, y = data.next_batch(2)
    np.testing.assert_array_equal(y, first[:2])
    np.testing.assert_array_equal(x[:, 0], first[:2])
    np.testing.assert_array_equal(data.labels, first)  # shuffled in place, as TF1 did
    np.testing.assert_array_equal(data.next_batch(2)[1], first[2:4])
    assert data.epochs_completed == 0
    # Past the end: the old epoch's tail, then the head of a new permutation.
    np.testing.assert_array_equal(data.next_batch(3)[1], np.concatenate([first[4:], second[:2]]))
    assert data.epochs_completed == 1
    np.testing.assert_array_equal(data.next_batch(3)[1], second[2:5])
    np.testing.assert_array_equal(data.images[:, 0], second)  # the new epoch's order, once read


def test_exact_fit_crosses_the_boundary_only_on_the_next_call():
    data = DataSet(*five(), seed=1)
    data.next_batch(5)
    assert data.epochs_completed == 0
    x, _ = data.next_batch(2)
    assert data.epochs_completed == 1 and len(x) == 2


def test_no_shuffle_keeps_file_order():
    data = DataSet(*five(), seed=1)
    assert list(data.next_batch(3, shuffle=False)[1]) == [0, 1, 2]
    assert list(data.next_batch(3, shuffle=False)[1]) == [3, 4, 0]


def test_state_restores_the_exact_batch_sequence():
    a = DataSet(*five(), seed=3)
    for _ in range(3):
        a.next_batch(2)
    saved = a.state()
    expected = [a.next_batch(2)[1].tolist() for _ in range(6)]
    b = DataSet(*five(), seed=99)  # a different seed: everything must come from the state
    b.restore(saved)
    assert [b.next_batch(2)[1].tolist() for _ in range(6)] == expected
    assert b.epochs_completed == a.epochs_completed


def test_seed_gives_same_order_without_touching_numpy_global_state():
    np.random.seed(5)
    before = np.random.random()
    np.random.seed(5)
    orders = [DataSet(*five(), seed=11).next_batch(5)[1].tolist() for _ in range(2)]
    assert orders[0] == orders[1]
    assert np.random.random() == before


def test_batch_larger_than_split_is_refused():
    with pytest.raises(ValueError, match="batch_size must be in 1..5"):
        DataSet(*five()).next_batch(6)


def test_read_data_sets_split_scaling_and_one_hot(synthetic_dir):
    data = read_data_sets(synthetic_dir, one_hot=True, seed=0, verify=False)
    assert (data.train.num_examples, data.validation.num_examples, data.test.num_examples) == (200, 5000, 6000)
    assert data.train.images.shape == (200, 784) and data.train.images.dtype == np.float32
    assert data.train.images.max() == 1.0 and data.train.images.min() >= 0.0
    assert data.train.labels.shape == (200, 10)
    np.testing.assert_array_equal(data.train.labels.sum(1), np.ones(200))
    raw = read_data_sets(synthetic_dir, dtype=np.uint8, reshape=False, verify=False)
    assert raw.test.images.shape == (6000, 28, 28) and raw.test.images.dtype == np.uint8
    # The first 5000 training rows, unshuffled, are the validation split.
    full = idx.read_images(synthetic_dir + "/train-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(raw.validation.images, full[:5000])


def test_read_data_sets_rejects_bad_validation_size_and_count_mismatch(tmp_path, synthetic_dir):
    with pytest.raises(ValueError, match="validation_size should be between 0 and 5200"):
        read_data_sets(synthetic_dir, validation_size=5201, verify=False)
    files = synthetic_files()
    files["t10k-labels-idx1-ubyte"] = idx.encode(np.zeros(7, np.uint8))
    write_files(str(tmp_path), files)
    with pytest.raises(DataError, match="holds 6000 images but .* holds 7 labels"):
        read_data_sets(str(tmp_path), verify=False)


def test_unknown_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="unknown dataset 'cifar'; choose one of: fashion_mnist, mnist"):
        read_data_sets(str(tmp_path), dataset="cifar")
