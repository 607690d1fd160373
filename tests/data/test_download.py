"""Downloads: bad URLs refused before anything is written, unpacking capped at the file's size."""
import gzip
import hashlib
import zlib

import pytest

from conftest import spec_for
from local_mirror import FILES
from tf1_rnn.data import download
from tf1_rnn.data.idx import DataError
from tf1_rnn.data.provision import DATASETS, provision

SPEC = spec_for(FILES)
DATA = b"IDX bytes " * 100


@pytest.mark.parametrize("url, problem", [
    ("127.0.0.1:9/", "give the scheme and host"),
    ("mirror/", "give the scheme and host"),
    ("localhost:8000/mnist/", "give the scheme and host"),
    ("ftp://127.0.0.1/mnist/", "unsupported scheme 'ftp' (use http or https)"),
    ("file:///tmp/mnist/", "give the scheme and host"),
    ("http://127.0.0.1:99999/", "Port out of range 0-65535"),
    ("http://127.0.0.1:abc/", "Port could not be cast to integer value as 'abc'"),
    ("http://[::1/", "Invalid IPv6 URL"),
    ("http://:80/mnist/", "no host name"),
    ("http://127.0.0.1/mn ist/", "it contains spaces or control characters"),
])
def test_a_bad_source_url_is_one_error_before_anything_is_created(tmp_path, url, problem):
    data_dir = tmp_path / "data"
    with pytest.raises(DataError) as err:
        provision(SPEC, str(data_dir), source_url=url, log=pytest.fail)
    assert str(err.value).startswith(f"bad URL {url!r}: {problem}")
    assert not data_dir.exists()


def test_every_canonical_mirror_is_https():
    assert {name: spec.mirror.split("://")[0] for name, spec in DATASETS.items()} == {
        "mnist": "https", "fashion_mnist": "https"}


def digest_of(*chunks, limit=len(DATA)):
    unpacked = download.Unpacked(limit)
    for chunk in chunks:
        unpacked.feed(chunk)
    return unpacked.hexdigest()


def test_unpacked_hashes_raw_and_gzipped_bytes_alike_in_any_chunking():
    packed = gzip.compress(DATA)
    expected = hashlib.sha256(DATA).hexdigest()
    assert digest_of(DATA) == expected
    assert digest_of(packed) == expected
    assert digest_of(*(packed[i:i + 1] for i in range(len(packed)))) == expected  # byte by byte


def test_unpacked_reads_concatenated_members_and_zero_padding_as_gzip_does():
    halves = DATA[:400], DATA[400:]
    packed = gzip.compress(halves[0]) + bytes(7) + gzip.compress(halves[1]) + bytes(3)
    assert gzip.decompress(packed) == DATA
    assert digest_of(packed[:30], packed[30:]) == hashlib.sha256(DATA).hexdigest()


def test_a_gzip_bomb_is_stopped_one_byte_past_the_limit():
    zeros = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    bomb = b"".join(zeros.compress(bytes(1 << 20)) for _ in range(64)) + zeros.flush()  # 64 MiB in ~64 KiB
    unpacked = download.Unpacked(1000)
    with pytest.raises(DataError, match="more than the 1000 bytes the file should hold"):
        unpacked.feed(bomb)
    assert unpacked.count == 1001  # inflated no further than that


@pytest.mark.parametrize("damage, problem", [
    (lambda packed: packed[:-10], "truncated gzip stream"),
    (lambda packed: packed[:12] + b"\xff" * 8 + packed[20:], "corrupt gzip data"),
    (lambda packed: gzip.compress(DATA + b"!"), f"more than the {len(DATA)} bytes"),
])
def test_file_digest_names_what_is_wrong(tmp_path, damage, problem):
    path = tmp_path / "file.gz"
    path.write_bytes(damage(gzip.compress(DATA)))
    with pytest.raises(DataError, match=problem):
        download.file_digest(str(path), len(DATA))


def test_file_digest_of_an_unreadable_path(tmp_path):
    with pytest.raises(DataError, match=r"cannot be read \(No such file or directory\)"):
        download.file_digest(str(tmp_path / "absent"), 10)
