"""The compiled LSTM's cache (tf1_rnn/lstm/compiled/build.py, cache.py): private folders, no
library loaded from a cache another user could write, every problem a one-line reason and the
LSTM still running, builds keyed by TensorFlow's build, failed builds remembered, and a library
that does not load built again once. On stand-ins (fake_cxx.py), so each test takes milliseconds.
"""
import errno
import fcntl
import os
import stat
import time
from importlib import metadata

import filelock
import pytest

from fake_cxx import Loaded, cache_root, compiles, files_under, loads, read_only  # noqa: F401 (fixtures by name)
from tf1_rnn.compat import tf
from tf1_rnn.lstm.compiled import build as kernels


def test_folders_and_the_library_are_private_whatever_the_umask(tmp_path, cache_root, loads, monkeypatch):
    root = tmp_path / "a" / "b" / "kernels"
    monkeypatch.setenv("TF1_RNN_KERNEL_DIR", str(root))
    umask = os.umask(0)  # plain os.makedirs would give 0777 folders, the shell a 0666 library
    try:
        library, loaded = kernels.build_and_load()
    finally:
        os.umask(umask)
    assert loaded == Loaded(library) and loads == [library]
    made = [tmp_path / "a", tmp_path / "a" / "b", root, root / os.path.basename(os.path.dirname(library))]
    assert [oct(stat.S_IMODE(os.stat(folder).st_mode)) for folder in made] == ["0o700"] * 4
    assert stat.S_IMODE(os.stat(library).st_mode) == 0o700
    assert files_under(tmp_path, ".tmp") == []


def plant_in_writable_root(root, library, monkeypatch):
    os.chmod(root, 0o777)
    with open(library, "wb") as planted:
        planted.write(b"planted")
    return f"the kernel cache {root} is writable by other users"


def plant_in_writable_key_folder(root, library, monkeypatch):
    os.chmod(os.path.dirname(library), 0o770)
    return f"the kernel cache {os.path.dirname(library)} is writable by other users"


def plant_a_link(root, library, monkeypatch):
    elsewhere = os.path.join(os.path.dirname(root), "elsewhere.so")
    os.replace(library, elsewhere)
    os.symlink(elsewhere, library)
    return f"the kernel cache {library} is a symbolic link"


def plant_another_users_library(root, library, monkeypatch):
    if os.geteuid() == 0:
        os.chown(library, 12345, -1)
        return f"the kernel cache {library} belongs to another user (uid 12345)"
    uid = os.getuid()  # only root can give a file away: this process pretends to be someone else
    monkeypatch.setattr(os, "getuid", lambda: uid + 1)
    return f"the kernel cache {root} belongs to another user (uid {uid})"


@pytest.mark.parametrize("plant", [plant_in_writable_root, plant_in_writable_key_folder, plant_a_link,
                                   plant_another_users_library])
def test_a_library_another_user_could_have_written_is_not_loaded(cache_root, loads, monkeypatch, plant):
    library = kernels.build()
    why = plant(cache_root, library, monkeypatch)
    with open(library, "rb") as planted:
        content = planted.read()
    ops, reason = kernels.load_or_reason.__wrapped__()
    assert ops is None and reason.startswith(why) and reason.endswith("; not loading a library from it")
    assert loads == [] and compiles(cache_root) == 1  # neither loaded nor built again there
    with open(library, "rb") as planted:
        assert planted.read() == content


def test_a_read_only_cache_without_the_build_is_a_reason_not_an_error(cache_root, loads, read_only):
    os.mkdir(cache_root, 0o700)
    read_only(cache_root)
    ops, reason = kernels.load_or_reason.__wrapped__()
    assert ops is None and reason.startswith(cache_root) and reason.endswith(": Permission denied")
    assert os.listdir(cache_root) == [] and loads == [] and compiles(cache_root) == 0


def test_a_read_only_cache_that_holds_the_build_is_loaded_as_it_is(cache_root, loads, read_only):
    library = kernels.build()  # as `python -m tf1_rnn.lstm.compiled` does when an image is built
    before = files_under(cache_root)
    read_only(cache_root)
    assert kernels.load_or_reason.__wrapped__() == (Loaded(library), None)
    assert loads == [library] and compiles(cache_root) == 1 and files_under(cache_root) == before


def test_a_cache_under_a_file_is_a_reason_not_an_error(tmp_path, cache_root, loads, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("TF1_RNN_KERNEL_DIR", str(tmp_path / "file" / "kernels"))
    assert kernels.load_or_reason.__wrapped__() == (None, f"{tmp_path / 'file' / 'kernels'}: Not a directory")


@pytest.mark.parametrize("refusal, why", [
    (NotImplementedError("FileSystem does not appear to support flock"), "FileSystem does not appear to support flock"),
    (PermissionError(errno.EACCES, "Permission denied", "/x/lstm_sequence.so.lock"),
     "/x/lstm_sequence.so.lock: Permission denied")])
def test_a_lock_that_cannot_be_taken_is_a_reason_not_an_error(cache_root, loads, monkeypatch, refusal, why):
    class RefusingLock:
        def __init__(self, path, *args, **kwargs):
            pass

        def acquire(self, *args, **kwargs):
            raise refusal

    monkeypatch.setattr(filelock, "FileLock", RefusingLock)
    assert kernels.load_or_reason.__wrapped__() == (None, why)
    assert compiles(cache_root) == 0


def test_a_held_lock_is_waited_for_once_then_given_up(cache_root, monkeypatch, capsys):
    library = kernels.build()
    os.remove(library)
    lock_path = library + ".lock"
    monkeypatch.setenv("TF1_RNN_KERNEL_TIMEOUT", "0.2")  # the lock is waited for twice as long
    with open(lock_path, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process compiling
        started = time.monotonic()
        with pytest.raises(kernels.KernelUnavailable, match=f"held the lock {lock_path} for over 0.4 s; gave up"):
            kernels.build()
        assert 0.4 <= time.monotonic() - started < 20
    waits = [line for line in capsys.readouterr().err.splitlines() if "waiting" in line]
    assert waits == [f"tf1_rnn: waiting for another process compiling the LSTM and GRU kernels (lock {lock_path})"]
    assert compiles(cache_root) == 1
    monkeypatch.delenv("TF1_RNN_KERNEL_TIMEOUT")
    assert kernels.build() == library and compiles(cache_root) == 2  # released: built


def test_a_failed_build_is_remembered_until_the_key_changes_or_it_is_asked_for(cache_root, monkeypatch):
    monkeypatch.setenv("FAKE_CXX_ERROR", "boom")
    with pytest.raises(kernels.KernelUnavailable,
                       match="^compiling lstm_sequence.cc \\+ gru_sequence.cc failed: .*error: boom$"):
        kernels.build()
    with pytest.raises(kernels.KernelUnavailable, match=r"error: boom \(an earlier try; python -m tf1_rnn.lstm"):
        kernels.build()
    assert compiles(cache_root) == 1 and files_under(cache_root, ".tmp") == []
    monkeypatch.setenv("FAKE_CXX_VERSION", "2.0")  # another compiler: another key, tried again
    with pytest.raises(kernels.KernelUnavailable, match="failed: .*error: boom$"):
        kernels.build()
    assert compiles(cache_root) == 2
    monkeypatch.delenv("FAKE_CXX_ERROR")
    with pytest.raises(kernels.KernelUnavailable, match="an earlier try"):
        kernels.build()
    library = kernels.build(retry_failed=True)
    assert compiles(cache_root) == 3 and kernels.build() == library and compiles(cache_root) == 3


def test_a_library_that_does_not_load_is_built_again_once(cache_root, loads, monkeypatch):
    library = kernels.build()
    open(library, "wb").close()  # cut short
    assert kernels.build_and_load() == (library, Loaded(library))
    assert compiles(cache_root) == 2 and loads == [library, library]

    monkeypatch.setenv("FAKE_CXX_VERSION", "2.0")
    monkeypatch.setenv("FAKE_CXX_OUTPUT", "")  # a compiler whose libraries never load
    with pytest.raises(kernels.KernelUnavailable, match=r"does not load: .*file too short$"):
        kernels.build_and_load()
    assert compiles(cache_root) == 4  # built, then built again once
    with pytest.raises(kernels.KernelUnavailable, match="does not load.*an earlier try"):
        kernels.build_and_load()
    assert compiles(cache_root) == 4


def other_distribution(monkeypatch):
    monkeypatch.setattr(metadata, "packages_distributions", lambda: {"tensorflow": ["tensorflow-cpu"]})
    monkeypatch.setattr(metadata, "version", lambda name: tf.__version__)


def other_build_info(monkeypatch):
    monkeypatch.setattr(tf.sysconfig, "get_build_info", lambda: {"is_cuda_build": False})


def other_commit(monkeypatch):
    monkeypatch.setattr(tf, "__git_version__", "v0.0.0-other", raising=False)


@pytest.mark.parametrize("change", [other_distribution, other_build_info, other_commit])
def test_tensorflows_build_is_part_of_the_key(cache_root, monkeypatch, change):
    library = kernels.build()
    change(monkeypatch)
    assert kernels.build() != library and compiles(cache_root) == 2
