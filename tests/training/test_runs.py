"""Run directories: one owner per run, new runs only in empty directories, event files that fail
loudly and rewrite through temporary files of their own."""
import glob
import json
import os
import re
import socket
import subprocess
import sys

import pytest

from conftest import ROOT, TINY, run_script
from tf1_rnn.compat import tf
from tf1_rnn.training import ownership, runs, summaries


def holder(pid):
    """The pattern of how a refusal names the process with ``pid`` (on this host)."""
    return rf"pid {pid} on {re.escape(socket.gethostname())} \(started [-\d: ]+\)"


HOLDER = holder(os.getpid())


def test_a_run_directory_has_one_owner_until_it_lets_go(tmp_path):
    path = str(tmp_path / "run")
    run = runs.RunDir.create(path, explicit=True)
    assert json.loads(open(os.path.join(path, ownership.LOCK)).read())["pid"] == os.getpid()
    # flock locks belong to an open file, so a second claim in this process is refused as another's would be.
    with pytest.raises(runs.RunError, match=rf"^run directory {re.escape(path)} is in use by {HOLDER}; wait for it$"):
        runs.RunDir.claim(path, "wait for it")
    with pytest.raises(runs.RunError, match=rf"is in use by {HOLDER}; wait for it or pass another --logdir$"):
        runs.check_new_run(path, explicit=True)
    with pytest.raises(runs.RunError, match=f"is in use by {HOLDER}"):
        runs.RunDir.create(path, explicit=True)
    run.release()
    assert os.listdir(path) == []  # the lock file goes with the lock
    again = runs.RunDir.claim(path, "")
    again.release()


def test_a_second_process_on_a_running_run_is_refused_in_one_line(tmp_path, synthetic_dir):
    run = tmp_path / "run"
    # Long enough to outlive the test; fused: no kernel to compile first.
    first = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "bilstm_mnist.py"), *TINY,
                              "--max-samples", "10000000", "--lstm-impl", "fused", "--seed", "1",
                              "--data-dir", synthetic_dir, "--no-verify", "--logdir", str(run)],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env=dict(os.environ, PYTHONUNBUFFERED="1"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    try:
        started = first.stdout.readline()  # printed once the run directory is its own
        assert started.startswith(f"Run directory {run} "), started
        for second, hint in ((["--resume", run], "one process per run: wait for it to stop, then resume"),
                             (["--logdir", run, "--data-dir", synthetic_dir, "--no-verify"],
                              "wait for it or pass another --logdir")):
            result = run_script("bilstm_mnist", *second, cwd=elsewhere)
            assert result.returncode == 1, result.stderr[-3000:]
            assert re.fullmatch(rf"bilstm_mnist: error: run directory {re.escape(str(run))} is in use by "
                                rf"{holder(first.pid)}; {re.escape(hint)}\n", result.stderr), result.stderr[-3000:]
            assert result.stdout == "" and os.listdir(elsewhere) == []  # stopped before the data: made nothing
    finally:
        first.kill()
        first.communicate(timeout=60)
    # The kernel let go of the killed owner's lock: the run is free for the next one.
    runs.RunDir.claim(str(run), "").release()


def test_a_new_run_refuses_a_directory_with_files_and_leaves_it_as_it_was(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    for refuse in (lambda: runs.check_new_run(str(tmp_path / "run"), explicit=True),
                   lambda: runs.RunDir.create(str(tmp_path / "run"), explicit=True)):
        with pytest.raises(runs.RunError, match="already holds files"):
            refuse()
        assert os.listdir(tmp_path / "run") == ["notes.txt"]
    in_the_way = re.escape(str(tmp_path / "run" / "notes.txt"))
    with pytest.raises(runs.RunError, match=f"cannot create run directory .*: {in_the_way} is a file"):
        runs.check_new_run(str(tmp_path / "run" / "notes.txt" / "logs"))


def test_the_lock_file_a_killed_owner_left_is_taken_over(tmp_path):
    (tmp_path / ownership.LOCK).write_text('{"pid": 1, "host": "gone", "started": 0}')  # nobody holds its lock
    assert ownership.holder(str(tmp_path)) is None
    run = runs.RunDir.claim(str(tmp_path), "")
    assert json.loads((tmp_path / ownership.LOCK).read_text())["pid"] == os.getpid()
    run.release()
    assert os.listdir(tmp_path) == []


def test_a_holder_that_cannot_be_read_is_another_process():
    assert ownership.describe(b"") == ownership.describe(b'{"pid": 3') == "another process"


def full_disk(path):
    return f"^cannot write TensorBoard events to {re.escape(str(path))}: No space left on device$"


def write_events(path, steps):
    events = summaries.EventFile(path)
    for step in steps:
        events.add_summary(summaries.scalars(loss=float(step)), step)
    events.close()


def steps_in(path):
    return [tf.Event.FromString(r).step for r in tf.io.tf_record_iterator(path) if b"loss" in r]


def test_dropping_events_rewrites_through_a_temporary_file_of_its_own(tmp_path):
    path = summaries.new_event_path(str(tmp_path))
    write_events(path, [1, 2, 3])
    (tmp_path / ".rewrite.tmp").write_text("another process's")  # the one name every rewrite once shared
    summaries.drop_events_after(str(tmp_path), 2)
    assert steps_in(path) == [1, 2]
    assert (tmp_path / ".rewrite.tmp").read_text() == "another process's"
    assert sorted(os.listdir(tmp_path)) == [".rewrite.tmp", os.path.basename(path)]


def test_a_failed_rewrite_keeps_the_events_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = summaries.new_event_path(str(tmp_path))
    write_events(path, [1, 2, 3])

    def disk_full(writer, record):
        raise tf.errors.ResourceExhaustedError(None, None, "/somewhere; No space left on device")
    monkeypatch.setattr(tf.io.TFRecordWriter, "write", disk_full)
    with pytest.raises(runs.RunError, match=full_disk(path)):
        summaries.drop_events_after(str(tmp_path), 2)
    assert os.listdir(tmp_path) == [os.path.basename(path)]
    monkeypatch.undo()
    assert steps_in(path) == [1, 2, 3]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, a device that is always full")
def test_a_full_disk_stops_an_event_flush_with_one_error(tmp_path):
    path = tmp_path / "events.out.tfevents.full"
    path.symlink_to("/dev/full")  # every write to it fails with ENOSPC
    events = summaries.EventFile(str(path))
    events.add_summary(summaries.scalars(loss=1.0), 1)
    with pytest.raises(runs.RunError, match=full_disk(path)):
        events.flush()


def test_event_files_of_one_process_never_share_a_name(tmp_path):
    first = summaries.new_event_path(str(tmp_path))
    write_events(first, [1])
    second = summaries.new_event_path(str(tmp_path))
    write_events(second, [2])
    assert first != second and len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 2
