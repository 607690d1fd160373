"""What a run leaves behind: the final test point and hparams in TensorBoard, damaged checkpoints,
and checkpoints written by a tutorial's TF 1.x program."""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import metadata as hparams_metadata

from conftest import ROOT, run_script
from tf1_rnn.tutorials import cli
from tf1_rnn.tutorials import configs
from tf1_rnn.data import datasets
from tf1_rnn.training import checkpoints, evaluation
from tf1_rnn.tutorials import models
from tf1_rnn.training import runs
from tf1_rnn.training import loop as train
from tf1_rnn.compat import tf

# 30 steps, a checkpoint every 10; eval_every keeps its default (50), so the test curve's one
# point is the final evaluation, as in a new user's 20-step run.
CFG = configs.BiLSTMConfig(n_hidden=8, batch_size=32, max_samples=32 * 30 + 1, display_step=5,
                           eval_subset="head:100", checkpoint_every=10, seed=3)
DATA = "-00000-of-00001"


def data(synthetic_dir, seed=CFG.seed):
    return datasets.read_data_sets(synthetic_dir, one_hot=True, seed=seed, verify=False)


@pytest.fixture(scope="module")
def whole(tmp_path_factory, synthetic_dir):
    """An uninterrupted run: (RunDir, metrics)."""
    run_dir = runs.RunDir.create(str(tmp_path_factory.mktemp("whole") / "run"), explicit=True)
    metrics = train.train(models.build_bilstm, CFG, run_dir, data(synthetic_dir), script="bilstm_mnist",
                          log=lambda line: None)
    return run_dir, metrics


def copy_of(run_dir, tmp_path):
    return runs.RunDir(shutil.copytree(run_dir.path, str(tmp_path / "copy")))


def truncate(path, keep=0.5):
    with open(path, "r+b") as f:
        f.truncate(int(os.path.getsize(path) * keep))


def curves(run_dir):
    """{(split, tag): [(step, value)]} as TensorBoard's event reader sees them."""
    found = {}
    for split in ("train", "test"):
        accumulator = EventAccumulator(run_dir.join(split))
        accumulator.Reload()
        for tag in ("accuracy", "loss"):
            found[split, tag] = [(e.step, e.value) for e in accumulator.Scalars(tag)]
    return found


def weights(prefix):
    reader = tf.train.load_checkpoint(prefix)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def test_the_final_evaluation_is_the_last_point_of_the_test_curve(whole):
    run_dir, metrics = whole
    found = curves(run_dir)
    assert found["test", "accuracy"] == [(30, np.float32(metrics["test_accuracy"]))]
    assert found["test", "loss"] == [(30, np.float32(metrics["test_loss"]))]
    assert metrics["test_subset"] == "full" and metrics["test_loss"] == metrics["full_test_loss"]
    assert [step for step, _ in found["train", "loss"]] == [5, 10, 15, 20, 25, 30]


def test_the_hparams_dashboard_gets_the_config_once(whole):
    run_dir, _ = whole
    accumulator = EventAccumulator(run_dir.path)
    accumulator.Reload()
    content = accumulator.PluginTagToContent("hparams")[hparams_metadata.SESSION_START_INFO_TAG]
    hparams = hparams_metadata.parse_session_start_info_plugin_data(content).hparams
    assert hparams["script"].string_value == "bilstm_mnist" and hparams["readout"].string_value == "last"
    assert hparams["n_hidden"].number_value == 8 and hparams["seed"].number_value == 3
    assert len(glob.glob(run_dir.join("events.out.tfevents.*"))) == 1


def get(url, body=None):
    headers = {"Content-Type": "application/json", "X-XSRF-Protected": "1"} if body else {}
    request = urllib.request.Request(url, data=body and json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_tensorboard_serves_the_final_test_point_and_the_hparams(whole):
    run_dir, metrics = whole
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", os.path.dirname(run_dir.path),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/data/plugin"
    try:
        deadline, tags = time.time() + 90, {}
        while "run/test" not in tags and time.time() < deadline:
            time.sleep(0.5)
            try:
                tags = get(f"{base}/scalars/tags")
            except OSError:  # not listening yet
                pass
        assert set(tags.get("run/test", ())) == {"accuracy", "loss"}, tags
        points = get(f"{base}/scalars/scalars?run=run/test&tag=accuracy")
        assert [(step, value) for _, step, value in points] == [(30, pytest.approx(metrics["test_accuracy"]))]
        groups = get(f"{base}/hparams/session_groups", {"experimentName": "", "startIndex": 0, "sliceSize": 10,
                                                        "allowedStatuses": ["STATUS_UNKNOWN"], "colParams": []})
        (group,) = groups["sessionGroups"]
        assert group["hparams"]["n_hidden"] == 8 and group["hparams"]["script"] == "bilstm_mnist"
        assert {"name": {"group": "test", "tag": "accuracy"}, "value": pytest.approx(metrics["test_accuracy"]),
                "trainingStep": 30} in [{k: m[k] for k in ("name", "value", "trainingStep")}
                                        for m in group["metricValues"]]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_damaged_latest_checkpoint_resumes_from_the_one_before_and_ends_the_same(whole, tmp_path, synthetic_dir):
    run_dir, metrics = whole
    copy = copy_of(run_dir, tmp_path)
    truncate(copy.checkpoint_prefix(30) + ".data" + DATA)
    lines, warnings = [], []
    resumed = train.train(models.build_bilstm, CFG, copy, data(synthetic_dir), script="bilstm_mnist",
                          log=lines.append, warn=warnings.append)
    assert warnings == [f"checkpoint {copy.checkpoint_prefix(30)} is damaged (Read less bytes than requested); "
                        "using model.ckpt-20"]
    assert lines[0] == f"Resuming {copy.path} at step 20 of 30 (seed 3)"
    for key in ("test_accuracy", "test_loss", "full_test_loss"):
        assert resumed[key] == metrics[key], key
    # Steps 21-30 ran again: their events from before are gone, none is written twice.
    assert curves(copy) == curves(run_dir)
    before, after = weights(run_dir.checkpoint_prefix(30)), weights(copy.checkpoint_prefix(30))
    assert before.keys() == after.keys()
    for name in before:
        np.testing.assert_array_equal(before[name], after[name], err_msg=name)
    assert copy.checkpoint_steps() == [30, 20, 10]
    assert len(glob.glob(copy.join("events.out.tfevents.*"))) == 1  # the hparams: once per run


def damage_all(run_dir):
    """Three kinds of damage: a truncated .data file, an empty .index, a missing state file."""
    truncate(run_dir.checkpoint_prefix(30) + ".data" + DATA)
    truncate(run_dir.checkpoint_prefix(20) + ".index", keep=0)
    os.remove(run_dir.state_path(10))


def test_evaluate_falls_back_and_stops_in_one_line_when_nothing_restores(whole, tmp_path, synthetic_dir):
    run_dir, metrics = whole
    copy = copy_of(run_dir, tmp_path)
    damage_all(copy)  # evaluation needs no state file: step 10 restores
    lines, warnings = [], []
    result = evaluation.evaluate_checkpoint(models.build_bilstm, CFG, copy, data(synthetic_dir), lines.append,
                                            warnings.append)
    assert result["step"] == 10 and lines[0] == f"Restored {copy.path} at step 10"
    assert [w.split(" (")[0] for w in warnings] == [f"checkpoint {copy.checkpoint_prefix(s)} is damaged"
                                                    for s in (30, 20)]
    os.remove(copy.checkpoint_prefix(10) + ".data" + DATA)
    with pytest.raises(runs.RunError, match=r"^no checkpoint in .*checkpoints restores: model.ckpt-30 \(Read less "
                                            r"bytes than requested\); model.ckpt-20 \(.*\); model.ckpt-10 \(.*"
                                            r"No such file or directory\)$"):
        evaluation.evaluate_checkpoint(models.build_bilstm, CFG, copy, data(synthetic_dir), lines.append,
                                       warnings.append)


def test_resume_with_every_checkpoint_damaged_is_one_line_and_exit_1(whole, tmp_path, synthetic_dir):
    copy = copy_of(whole[0], tmp_path)
    damage_all(copy)
    result = run_script("bilstm_mnist", "--resume", copy.path, "--data-dir", synthetic_dir, "--no-verify",
                        cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"bilstm_mnist: error: no checkpoint in {copy.checkpoint_dir} restores: model.ckpt-30 ")
    assert "state-10.npz" in line and "Testing Accuracy" not in result.stdout


def bilstm_in_process(*argv):
    return cli.main("bilstm_mnist.py", configs.BiLSTMConfig, "build_bilstm", "", argv=[str(arg) for arg in argv])


def test_tensorflows_lines_about_damaged_checkpoints_stay_behind_the_one_line(whole, tmp_path, synthetic_dir,
                                                                               capfd, monkeypatch):
    """A TensorFlow that logs the failed restores at a level TF_CPP_MIN_LOG_LEVEL=2 shows (as a tf-nightly
    did) adds nothing to the error line: they are written to fd 2 here as its C++ log would."""
    copy = copy_of(whole[0], tmp_path)
    damage_all(copy)
    restore = checkpoints.restore_newest

    def logging_restore(*args, **kwargs):
        os.write(2, b"W0000 00:00:1.0 op_kernel.cc:1858] OP_REQUIRES failed at save_restore_v2_ops.cc:233\n")
        return restore(*args, **kwargs)
    monkeypatch.setattr(checkpoints, "restore_newest", logging_restore)
    assert bilstm_in_process("--resume", copy.path, "--data-dir", synthetic_dir, "--no-verify") == 1
    (line,) = capfd.readouterr().err.strip().splitlines()
    assert line.startswith(f"bilstm_mnist: error: no checkpoint in {copy.checkpoint_dir} restores: ")


def test_a_full_disk_at_an_event_flush_stops_in_one_line_and_the_run_resumes_as_if_never_stopped(
        whole, tmp_path, synthetic_dir, capsys, monkeypatch):
    run = tmp_path / "run"
    flush = tf.io.TFRecordWriter.flush

    def full_after_the_first_checkpoint(writer):
        if glob.glob(str(run / "checkpoints" / "state-*.npz")):
            raise tf.errors.ResourceExhaustedError(None, None, "events file; No space left on device")
        flush(writer)
    monkeypatch.setattr(tf.io.TFRecordWriter, "flush", full_after_the_first_checkpoint)
    flags = ["--n-hidden", 8, "--batch-size", 32, "--max-samples", 32 * 30 + 1, "--display-step", 5,
             "--eval-subset", "head:100", "--checkpoint-every", 10, "--seed", CFG.seed]
    assert bilstm_in_process(*flags, "--logdir", run, "--data-dir", synthetic_dir, "--no-verify") == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert re.fullmatch(f"bilstm_mnist: error: cannot write TensorBoard events to {run}/train/events.out.tfevents"
                        rf"\.[^:]+: No space left on device; once that is fixed, resume from step 10 with: "
                        f"python -m tf1_rnn.tutorials bilstm_mnist --resume {run}", line), line
    monkeypatch.undo()
    assert runs.RunDir(str(run)).checkpoint_steps() == [10]  # the checkpoint of step 20 never began
    assert bilstm_in_process("--resume", run, "--json", tmp_path / "m.json") == 0
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert (metrics["test_accuracy"], metrics["full_test_loss"]) == (whole[1]["test_accuracy"],
                                                                      whole[1]["full_test_loss"])
    assert curves(runs.RunDir(str(run))) == curves(whole[0])  # steps 11-20 once, as they ran again


@pytest.fixture(scope="module")
def tf1_checkpoint(tmp_path_factory, synthetic_dir):
    """The BiRNN tutorial's TF 1.x program (shrunk) run under the runner: (directory, printed lines)."""
    workdir = tmp_path_factory.mktemp("tf1")
    shutil.copytree(synthetic_dir, str(workdir / "MNIST_data"))
    result = subprocess.run([sys.executable, "-m", "tf1_rnn.run_legacy", "--no-verify", "--seed", "7",
                             os.path.join(ROOT, "tests", "legacy_scripts", "birnn_saver.py")],
                            cwd=workdir, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.returncode == 0, result.stderr[-3000:]
    printed = dict(line.split(": ") for line in result.stdout.splitlines() if ": " in line)
    return workdir / "2RNN" / "ckpt1", printed


def test_a_tf1_programs_checkpoint_evaluates_to_what_the_program_printed(tf1_checkpoint, synthetic_dir, tmp_path):
    directory, printed = tf1_checkpoint
    prefix = directory / "mnist1.ckpt-15"
    result = run_script("birnn_mnist", "--evaluate", prefix, "--n-hidden", 8, "--seed", 7, "--data-dir", synthetic_dir,
                        "--no-verify", "--json", tmp_path / "m.json", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        f"Restored TF1 checkpoint {prefix} at step 15 (seed 7)",  # no global_step in it: the prefix's
        f"Testing Accuracy: {float(printed['Testing Accuracy']):.4f}  (draw:1000 of the test set)",
        f"Full test set (6000 images): {float(printed['Full test set']):.4f}"]
    assert 0.2 < json.loads((tmp_path / "m.json").read_text())["test_accuracy"] < 0.9  # learned, not finished


def evaluate_in_process(path, *flags, synthetic_dir):
    return cli.main("birnn_mnist.py", configs.BiRNNConfig, "build_birnn", "",
                    argv=["--evaluate", str(path), "--seed", "7", "--data-dir", synthetic_dir, "--no-verify", *flags])


def test_a_tf1_checkpoint_directory_and_a_shape_that_does_not_fit(tf1_checkpoint, synthetic_dir, capsys):
    directory, printed = tf1_checkpoint
    assert evaluate_in_process(directory, "--n-hidden", "8", synthetic_dir=synthetic_dir) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"Restored TF1 checkpoint {directory / 'mnist1.ckpt-15'} at step 15")
    assert out[1].startswith(f"Testing Accuracy: {float(printed['Testing Accuracy']):.4f}")
    assert evaluate_in_process(directory, "--n-hidden", "16", synthetic_dir=synthetic_dir) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (f"birnn_mnist: error: TF1 checkpoint {directory / 'mnist1.ckpt-15'} does not fit this model: "
                    "bidirectional_rnn/fw/basic_lstm_cell/kernel is [36, 32] there, [44, 64] here (and 4 more); "
                    "give the flags of the program that wrote it (such as --n-hidden)")
