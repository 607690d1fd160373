"""The compiler under the kernel build (tf1_rnn/lstm/compiled/cxx.py, __main__.py): CXX as a
command line, a synced library, a time limit, nothing left behind by SIGTERM, and the
ahead-of-time build's command. On a stand-in compiler (fake_cxx.py).
"""
import os
import shlex
import signal
import subprocess
import sys
import time

import pytest

from fake_cxx import cache_root, compiles, files_under, loads, stops_within  # noqa: F401 (fixtures by name)
from tf1_rnn.lstm.compiled import __main__ as aot
from tf1_rnn.lstm.compiled import build as kernels


def test_cxx_is_a_command_line_and_the_key_has_the_real_compilers_version(tmp_path, cache_root, monkeypatch):
    launcher = tmp_path / "launcher"
    launcher.write_text('#!/bin/sh\necho "$*" >> "$FAKE_CXX_LOG.launched"\nexec "$@"\n')
    launcher.chmod(0o755)
    monkeypatch.setenv("CXX", f"{shlex.quote(str(launcher))} {os.environ['CXX']}")
    library = kernels.build()
    launched = (tmp_path / "compiles.log.launched").read_text().splitlines()
    assert launched[0].endswith("fake-c++ --version") and "-o" in launched[1].split()
    monkeypatch.setenv("FAKE_CXX_VERSION", "2.0")
    assert kernels.build() != library and compiles(cache_root) == 2
    monkeypatch.setenv("CXX", "no-such-launcher g++")
    with pytest.raises(kernels.KernelUnavailable, match="^no C.. compiler: 'no-such-launcher' not found"):
        kernels.build()


def test_the_library_is_synced_before_it_is_renamed_into_place(cache_root, monkeypatch):
    events, fsync, replace = [], os.fsync, os.replace

    def logged_fsync(fd):
        events.append(("fsync", os.fstat(fd).st_ino))
        fsync(fd)

    def logged_replace(source, target):
        events.append(("replace", os.stat(source).st_ino))
        replace(source, target)

    monkeypatch.setattr(os, "fsync", logged_fsync)
    monkeypatch.setattr(os, "replace", logged_replace)
    library = kernels.build()
    assert [name for name, _ in events] == ["fsync", "replace"] and events[0][1] == events[1][1]
    assert os.stat(library).st_ino == events[0][1]


def test_a_compile_past_the_time_limit_stops_whole_and_is_remembered(tmp_path, cache_root, monkeypatch):
    monkeypatch.setenv("FAKE_CXX_SLEEP", "60")
    monkeypatch.setenv("FAKE_CXX_PIDFILE", str(tmp_path / "sleep.pid"))
    monkeypatch.setenv("TF1_RNN_KERNEL_TIMEOUT", "5")  # time for the compiler to start its child, on a busy machine
    started = time.monotonic()
    with pytest.raises(kernels.KernelUnavailable,
                       match=r"^compiling lstm_sequence.cc \+ gru_sequence.cc took over 5 s"):
        kernels.build()
    assert time.monotonic() - started < 30
    assert stops_within(int((tmp_path / "sleep.pid").read_text()))  # the compiler's own child went too
    assert files_under(cache_root, ".tmp") == []
    with pytest.raises(kernels.KernelUnavailable, match="took over 5 s.*an earlier try"):
        kernels.build()
    assert compiles(cache_root) == 1


def test_the_ahead_of_time_build_tries_again_and_fails_in_one_line(cache_root, loads, monkeypatch, capsys):
    monkeypatch.setenv("FAKE_CXX_ERROR", "boom")
    assert aot.main([]) == 1 and aot.main([]) == 1
    assert compiles(cache_root) == 2  # past the remembered failure
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert errors == ["tf1_rnn.lstm.compiled: error: compiling lstm_sequence.cc + gru_sequence.cc failed: "
                      "lstm_sequence.cc:1:1: error: boom"] * 2
    monkeypatch.delenv("FAKE_CXX_ERROR")
    assert aot.main([]) == 0
    library = capsys.readouterr().out.strip()
    assert loads == [library] and os.path.dirname(os.path.dirname(library)) == cache_root


def test_sigterm_during_the_compile_leaves_no_partial_library_and_no_compiler(tmp_path, cache_root):
    pidfile = tmp_path / "sleep.pid"
    env = dict(os.environ, FAKE_CXX_SLEEP="60", FAKE_CXX_PIDFILE=str(pidfile))
    code = "from tf1_rnn.lstm.compiled import build; build.build()"
    process = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (pidfile.exists() and pidfile.read_text().strip()):  # the compiler is running
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1][-2000:]
            time.sleep(0.05)
        assert len(files_under(cache_root, ".so.tmp")) == 1  # what the compiler has written so far
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGTERM, stderr[-2000:]
    assert files_under(cache_root, ".tmp") == [] and files_under(cache_root, ".so") == []
    assert stops_within(int(pidfile.read_text()), seconds=10)


def test_a_signal_as_the_compiler_starts_kills_it_and_goes_to_the_handler_before(cache_root, monkeypatch):
    started, popen = [], subprocess.Popen

    def popen_then_sigterm(command, *args, **kwargs):
        started.append(popen(command, *args, **kwargs))
        if "-o" in command and not received:  # the first compile: a signal before the caller holds it
            os.kill(os.getpid(), signal.SIGTERM)
        return started[-1]

    received = []
    monkeypatch.setattr(subprocess, "Popen", popen_then_sigterm)
    monkeypatch.setenv("FAKE_CXX_SLEEP", "60")
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: received.append(signum))
    try:
        with pytest.raises(kernels.KernelUnavailable, match="^compiling was interrupted by SIGTERM$"):
            kernels.build()
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert received == [signal.SIGTERM] and started[-1].returncode == -signal.SIGKILL
    assert files_under(cache_root, ".tmp") == []
    monkeypatch.delenv("FAKE_CXX_SLEEP")
    assert os.path.isfile(kernels.build())  # an interrupted build is not remembered as a failed one
