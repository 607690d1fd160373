"""Stand-ins for the kernel build's tests (test_kernel_cache.py, test_kernel_compile.py): a C++
compiler (a shell script given as CXX, instant), ``tf.load_op_library`` (loads what that script
writes, refuses anything else), a fresh cache, and read-only folders. A folder is made read-only
by chmod and by refusing writes under it, because root, who runs the CI, writes through
permission bits. The real compile and load are tests/lstm/test_kernel.py's.
"""
import errno
import os
import shlex
import time
from typing import NamedTuple

import pytest

from tf1_rnn.compat import tf

FAKE_CXX = r"""#!/bin/sh
# --version says FAKE_CXX_VERSION. A compile logs itself, writes its output (-o) at once, then
# may wait (FAKE_CXX_SLEEP, in a child whose pid goes to FAKE_CXX_PIDFILE) and may fail (FAKE_CXX_ERROR).
if [ "$1" = "--version" ]; then echo "fake c++ ${FAKE_CXX_VERSION:-1.0}"; exit 0; fi
echo compile >> "$FAKE_CXX_LOG"
while [ $# -gt 0 ]; do if [ "$1" = "-o" ]; then out="$2"; fi; shift; done
printf '%s' "${FAKE_CXX_OUTPUT-fake library}" > "$out"
if [ -n "$FAKE_CXX_SLEEP" ]; then sleep "$FAKE_CXX_SLEEP" & echo $! > "$FAKE_CXX_PIDFILE"; wait; fi
if [ -n "$FAKE_CXX_ERROR" ]; then echo "lstm_sequence.cc:1:1: error: $FAKE_CXX_ERROR" >&2; exit 1; fi
"""
FAKE_ENV = ("FAKE_CXX_VERSION", "FAKE_CXX_OUTPUT", "FAKE_CXX_SLEEP", "FAKE_CXX_PIDFILE", "FAKE_CXX_ERROR",
            "TF1_RNN_KERNEL_TIMEOUT", "TF1_RNN_KERNEL")


class Loaded(NamedTuple):
    path: str


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    """A fresh kernel cache (TF1_RNN_KERNEL_DIR) and the stand-in compiler as CXX."""
    script = tmp_path / "fake-c++"
    script.write_text(FAKE_CXX)
    script.chmod(0o755)
    monkeypatch.setenv("CXX", shlex.quote(str(script)))
    monkeypatch.setenv("FAKE_CXX_LOG", str(tmp_path / "compiles.log"))
    monkeypatch.setenv("TF1_RNN_KERNEL_DIR", str(tmp_path / "kernels"))
    for name in FAKE_ENV:
        monkeypatch.delenv(name, raising=False)
    return str(tmp_path / "kernels")


@pytest.fixture
def loads(monkeypatch):
    """Every path tf.load_op_library is asked to load; it loads only what the stand-in compiler writes."""
    calls = []

    def load_op_library(path):
        calls.append(path)
        with open(path, "rb") as library:
            if library.read() != b"fake library":
                raise tf.errors.NotFoundError(None, None, f"{path}: file too short")
        return Loaded(path)

    monkeypatch.setattr(tf, "load_op_library", load_op_library)
    return calls


@pytest.fixture
def read_only(monkeypatch):
    """``make(folder)``: that folder and all in it read-only (chmod 0500, and writes refused with EACCES)."""
    folders = []

    def refused(path, writes=True):
        path = os.path.abspath(os.fspath(path))
        return writes and any(path == folder or path.startswith(folder + os.sep) for folder in folders)

    def refusing(function, writes=lambda *args, **kwargs: True):
        def call(path, *args, **kwargs):
            if refused(path, writes(*args, **kwargs)):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
            return function(path, *args, **kwargs)
        return call

    for name in ("mkdir", "remove", "unlink", "rename", "replace"):
        monkeypatch.setattr(os, name, refusing(getattr(os, name)))
    monkeypatch.setattr(os, "open", refusing(os.open, lambda flags, *_, **__: flags & (os.O_WRONLY | os.O_RDWR)))

    def make(root):
        for folder, _, _ in os.walk(root):
            folders.append(os.path.abspath(folder))
        for folder in folders:
            os.chmod(folder, 0o500)

    yield make
    for folder in folders:
        os.chmod(folder, 0o700)  # for pytest to remove them


def compiles(root):
    """How many times the stand-in compiler has compiled (its --version not counted)."""
    log = os.path.join(os.path.dirname(root), "compiles.log")
    if not os.path.exists(log):
        return 0
    with open(log) as lines:
        return len(lines.readlines())


def files_under(root, suffix=""):
    return sorted(os.path.join(d, f) for d, _, names in os.walk(root) for f in names if f.endswith(suffix))


def stops_within(pid, seconds=5.0):
    """True once ``pid`` no longer runs, waiting up to ``seconds``: a kill sent to a process group
    lands at once, but on a loaded machine the killed process may not have left the run queue yet."""
    deadline = time.monotonic() + seconds
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not running(pid)


def running(pid):
    """True while ``pid`` runs (a zombie waiting for its parent does not)."""
    try:
        with open(f"/proc/{pid}/stat") as process:
            return process.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
