"""Provisioning where it can go wrong: read-only folders, a held lock, full disks, SIGTERM."""
import builtins
import dataclasses
import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import filelock
import pytest

from conftest import ROOT, spec_for, write_files
from local_mirror import FILES, Mirror, mirror  # noqa: F401 (the fixture)
from tf1_rnn.data import download
from tf1_rnn.data.idx import DataError
from tf1_rnn.data.provision import MirrorSource, Source, provision

SPEC = spec_for(FILES)
LOCK = ".tf1_rnn.lock"
AS_ROOT = pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits; the monkeypatched "
                                                       "test beside this one covers it")


def leftovers(directory):
    return sorted(n for n in os.listdir(directory) if n != LOCK)


def snapshot(directory):
    return {entry.name: entry.stat().st_mtime_ns for entry in os.scandir(directory)}


class Unused(Source):
    label = "a source that must not be used"

    def fetch(self, files, staging, log):
        pytest.fail("a source was asked for files")


def forbid_writes_and_locks(monkeypatch):
    """Make every way provisioning could write, stage or lock fail the test."""
    def refuse(what):
        return lambda *args, **kwargs: pytest.fail(f"{what} was called")
    monkeypatch.setattr(filelock, "FileLock", refuse("filelock.FileLock"))
    for module, name in [(os, "makedirs"), (os, "mkdir"), (os, "replace"), (os, "remove"),
                         (tempfile, "mkdtemp"), (shutil, "copyfile"), (shutil, "rmtree")]:
        monkeypatch.setattr(module, name, refuse(f"{module.__name__}.{name}"))
    real_open = builtins.open

    def read_only_open(file, mode="r", *args, **kwargs):
        if set(mode) & set("wax+"):
            pytest.fail(f"open({file!r}, {mode!r}) was called")
        return real_open(file, mode, *args, **kwargs)
    monkeypatch.setattr(builtins, "open", read_only_open)


def test_verified_files_are_used_without_a_lock_or_any_write(tmp_path):
    data_dir = write_files(str(tmp_path / "shared"), FILES, gz=True)
    os.mkdir(os.path.join(data_dir, ".staging-abandoned"))  # even old leftovers stay untouched
    os.utime(os.path.join(data_dir, ".staging-abandoned"), (0, 0))
    before = snapshot(data_dir)
    with pytest.MonkeyPatch.context() as patch:
        forbid_writes_and_locks(patch)
        paths = provision(SPEC, data_dir, source_url="http://127.0.0.1:9/", copy_from=str(tmp_path),
                          log=pytest.fail)
    assert paths == {f.role: os.path.join(data_dir, f.name + ".gz") for f in SPEC.files}
    assert snapshot(data_dir) == before


@AS_ROOT
def test_a_read_only_verified_folder_works(tmp_path):
    data_dir = write_files(str(tmp_path / "shared"), FILES, gz=True)
    os.chmod(data_dir, 0o555)
    try:
        paths = provision(SPEC, data_dir, sources=[Unused()], log=pytest.fail)
        assert sorted(os.listdir(data_dir)) == sorted(n + ".gz" for n in FILES)  # no lock file either
    finally:
        os.chmod(data_dir, 0o755)
    assert len(paths) == 4


@AS_ROOT
def test_a_read_only_folder_that_needs_a_fetch_is_one_error(tmp_path):
    data_dir = write_files(str(tmp_path / "shared"), dict(list(FILES.items())[:3]), gz=True)
    os.chmod(data_dir, 0o555)
    try:
        with pytest.raises(DataError) as err:
            provision(SPEC, data_dir, sources=[Unused()], log=lambda line: None)
    finally:
        os.chmod(data_dir, 0o755)
    assert str(err.value) == f"cannot write to data directory {data_dir}: Permission denied"


def test_a_lock_that_cannot_be_created_is_one_error(tmp_path, monkeypatch):
    class DeniedLock:
        def __init__(self, path):
            self.path = path

        def acquire(self, timeout):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), self.path)
    monkeypatch.setattr(filelock, "FileLock", DeniedLock)
    with pytest.raises(DataError) as err:
        provision(SPEC, str(tmp_path), sources=[Unused()], log=lambda line: None)
    assert str(err.value) == f"cannot write to data directory {tmp_path}: Permission denied"
    assert os.listdir(tmp_path) == []


def test_a_full_disk_during_a_download_is_one_error_and_leaves_nothing(tmp_path, monkeypatch, mirror):
    def full_disk(path, mode="r", *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
    monkeypatch.setattr(download, "open", full_disk, raising=False)  # the download's open(), not pytest's
    with pytest.raises(DataError) as err:
        provision(SPEC, str(tmp_path), sources=[MirrorSource(mirror.url), Unused()], log=lambda line: None)
    assert str(err.value) == f"cannot write to data directory {tmp_path}: No space left on device"
    assert leftovers(tmp_path) == []


def waiting_line(data_dir):
    return f"synthetic: waiting for another process provisioning {data_dir} (lock {data_dir}{os.sep}{LOCK})"


def test_a_held_lock_is_announced_once_then_given_up_on(tmp_path):
    holder = filelock.FileLock(str(tmp_path / LOCK))
    lines = []
    with holder:
        started = time.monotonic()
        with pytest.raises(DataError) as err:
            provision(SPEC, str(tmp_path), sources=[Unused()], log=lines.append, lock_timeout=0.3)
        waited = time.monotonic() - started
    assert lines == [waiting_line(tmp_path)]
    assert str(err.value) == (f"gave up after 0.3 s waiting for another process provisioning {tmp_path} "
                              f"(it holds {tmp_path}{os.sep}{LOCK} until it exits); try again when it is done")
    assert 0.3 <= waited < 5
    assert leftovers(tmp_path) == []


def test_a_released_lock_lets_the_waiting_provisioner_fetch(tmp_path, mirror):
    holder = filelock.FileLock(str(tmp_path / LOCK), thread_local=False)  # released by the timer's thread
    holder.acquire()
    threading.Timer(0.3, holder.release).start()
    lines = []
    paths = provision(SPEC, str(tmp_path), sources=[MirrorSource(mirror.url)], log=lines.append, lock_timeout=30)
    assert lines[0] == waiting_line(tmp_path) and lines.count(lines[0]) == 1
    assert len(paths) == 4 and len(mirror.requests) == 4


def test_staging_left_by_a_killed_process_is_removed_under_the_lock(tmp_path, mirror):
    stale, recent = tmp_path / ".staging-stale", tmp_path / ".staging-recent"
    for folder in (stale, recent):
        folder.mkdir()
        (folder / "train-images-idx3-ubyte.gz").write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    provision(SPEC, str(tmp_path), sources=[MirrorSource(mirror.url)], log=lambda line: None)
    assert leftovers(tmp_path) == sorted([".staging-recent"] + [n + ".gz" for n in FILES])


def test_sigterm_handling_is_restored_and_a_handler_of_our_own_is_left_alone(tmp_path, mirror):
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    provision(SPEC, str(tmp_path / "a"), sources=[MirrorSource(mirror.url)], log=lambda line: None)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

    def ours(signum, frame):
        pass
    previous = signal.signal(signal.SIGTERM, ours)
    try:
        provision(SPEC, str(tmp_path / "b"), sources=[MirrorSource(mirror.url)], log=lambda line: None)
        assert signal.getsignal(signal.SIGTERM) is ours
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_sigterm_during_a_download_leaves_no_staging_and_no_partial_file(tmp_path):
    stalling = Mirror("stall")
    rows = [dataclasses.astuple(f) for f in SPEC.files]
    worker = textwrap.dedent(f"""
        import sys
        from tf1_rnn.data.provision import DatasetSpec, FileSpec, MirrorSource, provision
        spec = DatasetSpec("synthetic", tuple(FileSpec(*row) for row in {rows!r}), mirror="", registry=None)
        provision(spec, sys.argv[1], sources=[MirrorSource(sys.argv[2])], log=lambda line: print(line, flush=True))
    """)
    proc = subprocess.Popen([sys.executable, "-c", worker, str(tmp_path), stalling.url], cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=ROOT), stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if "%" in line:  # half the first file has arrived; the rest never will
                break
        staged = [n for n in os.listdir(tmp_path) if n.startswith(".staging-")]
        assert staged and os.listdir(tmp_path / staged[0]), "the test must interrupt a download in progress"
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.stdout.close()
        stalling.close()
    assert status == -signal.SIGTERM  # it still dies of the signal, after cleaning up
    assert leftovers(tmp_path) == []
