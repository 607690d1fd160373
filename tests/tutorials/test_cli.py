"""Scripts end to end in subprocesses: a full run, every bad input, interrupt and resume."""
import dataclasses
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from conftest import NAMES, ROOT, TINY, synthetic_files, write_files
from local_mirror import Mirror
from tf1_rnn.data import idx
from tf1_rnn.tutorials import configs

SHORT = TINY + ["--max-samples", 32 * 30 + 1, "--seed", 5]


LSTM_TINY = ["--n-hidden", 8, "--batch-size", 32, "--display-step", 5, "--eval-every", 5, "--eval-subset",
             "head:100", "--checkpoint-every", 10, "--layers", 2]
LSTM_SHORT = LSTM_TINY + ["--training-steps", 30, "--seed", 5]


SMOKE = {
    "lstm_mnist": LSTM_TINY + ["--training-steps", 10],
    "rnn_mnist": ["--n-hidden", 8, "--batch-size", 32, "--training-steps", 10, "--display-step", 5,
                  "--eval-every", 5, "--checkpoint-every", 5],
    "birnn_mnist": ["--n-hidden", 8, "--batch-size", 32, "--training-steps", 10, "--display-step", 5,
                    "--eval-every", 5, "--checkpoint-every", 5],
    "dlstm_mnist": ["--n-hidden", 8, "--batch-size", 32, "--max-samples", 321, "--display-step", 5,
                    "--eval-every", 5, "--eval-subset", "head:100", "--checkpoint-every", 5],
}


@pytest.mark.parametrize("script", list(SMOKE))
def test_every_script_runs_and_its_checkpoint_restores_in_a_new_process(tmp_path, synthetic_dir, script):
    from conftest import run_script
    data = ["--data-dir", synthetic_dir, "--no-verify"]
    trained = run_script(script, *SMOKE[script], *data, "--seed", 2, "--logdir", tmp_path / "run",
                         "--json", tmp_path / "m.json", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr[-3000:]
    final = [line for line in trained.stdout.splitlines() if line.startswith(("Testing Accuracy", "Full test set"))]
    assert final and json.loads((tmp_path / "m.json").read_text())["steps"] == 10
    restored = run_script(script, "--evaluate", tmp_path / "run", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert restored.stdout.splitlines()[1:] == final  # same lines, same digits


@pytest.mark.parametrize("kernel, ran", [("0", "fused"), ("1", "compiled")])
def test_the_lstm_that_really_ran_is_recorded(tmp_path, synthetic_dir, kernel, ran):
    """TF1_RNN_KERNEL=0 turns the compiled op off: --lstm-impl auto then runs fused, and says so."""
    from conftest import run_script
    if ran == "compiled" and shutil.which(os.environ.get("CXX", "c++")) is None:
        pytest.skip("no C++ compiler here")
    done = run_script("rnn_mnist", *SMOKE["rnn_mnist"], "--data-dir", synthetic_dir, "--no-verify", "--seed", 2,
                      "--logdir", tmp_path / "run", "--json", tmp_path / "m.json", cwd=tmp_path,
                      env={"TF1_RNN_KERNEL": kernel})
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["ran"] == {"lstm_impl_ran": ran}
    assert json.loads((tmp_path / "m.json").read_text())["lstm_impl_ran"] == ran
    hparams = [event.SerializeToString() for event in _events(tmp_path / "run")
               if b"lstm_impl_ran" in event.SerializeToString()]  # the HParams session-start summary
    assert len(hparams) == 1 and ran.encode() in hparams[0]


def _events(run_dir):
    from tensorboard.backend.event_processing import event_file_loader
    for name in os.listdir(run_dir):
        if name.startswith("events.out.tfevents"):
            yield from event_file_loader.EventFileLoader(str(run_dir / name)).Load()


def test_bilstm_script_end_to_end(tmp_path, synthetic_dir):
    from conftest import run_script
    result = run_script("bilstm_mnist", *SHORT, "--data-dir", synthetic_dir, "--no-verify",
                        "--json", tmp_path / "m.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Iter160,Minibatch Loss = " in result.stdout
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert result.stdout.strip().endswith(f"Testing Accuracy: {metrics['test_accuracy']:.4f}")
    assert metrics["steps"] == 30 and metrics["wall_seconds"] > 0 and metrics["seed"] == 5
    (run_dir,) = (tmp_path / "logs" / "bilstm_mnist").iterdir()  # default: timestamped, under ./logs
    stored = json.loads((run_dir / "config.json").read_text())
    assert stored["script"] == "bilstm_mnist" and stored["config"]["n_hidden"] == 8
    assert result.stderr == ""  # no TensorFlow chatter in a normal run


def bad_data(tmp_path, case):
    """A data directory broken in one way ("ok": 10 training images past the 5000 for validation)."""
    files = synthetic_files(n_train=20 if case == "too few to validate" else 5010, n_test=20)
    if case == "count mismatch":
        files[NAMES[3]] = idx.encode(np.zeros(19, np.uint8))
    if case == "label out of range":
        files[NAMES[1]] = idx.encode(np.full(5010, 12, np.uint8))
    if case == "wrong magic":
        files[NAMES[2]] = b"\x00\x00\x0d\x03" + files[NAMES[2]][4:]
    directory = write_files(str(tmp_path / "data"), files, gz=True)
    packed = gzip.compress(files[NAMES[0]])
    target = os.path.join(directory, NAMES[0] + ".gz")
    if case == "truncated gzip":
        open(target, "wb").write(packed[:1000])
    if case == "bad crc":
        open(target, "wb").write(packed[:-8] + bytes(4) + packed[-4:])
    return directory


def resume_dir(tmp_path, script):
    run = tmp_path / "oldrun"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"script": script, "config": {}}))
    return str(run)


STORED = {  # config.json as someone edited it, or as another program wrote it; a str is written as is
    "null": lambda stored: {**stored, "config": {**stored["config"], "n_hidden": None}},
    "wrong type": lambda stored: {**stored, "config": {**stored["config"], "learning_rate": "0.01"}},
    "missing key": lambda stored: {**stored, "config": {k: v for k, v in stored["config"].items() if k != "seed"}},
    "bad setting": lambda stored: {**stored, "settings": {**stored["settings"], "verify": "yes"}},
    "not a dict": lambda stored: [stored],
    "invalid json": lambda stored: "{'script': 'bilstm_mnist'}",
}


def stored_run(tmp_path, case):
    """A bilstm_mnist run directory with a checkpoint (as far as its files' names go) and ``case``'s config.json."""
    run = tmp_path / "stored"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-10"\n')
    (run / "checkpoints" / "state-10.npz").write_bytes(b"")
    config = dataclasses.asdict(configs.BiLSTMConfig(seed=1))
    stored = {"script": "bilstm_mnist", "config": config, "settings": {"data_dir": str(run), "verify": False}}
    edited = STORED[case](stored)
    (run / "config.json").write_text(edited if isinstance(edited, str) else json.dumps(edited))
    return str(run)


NO_NET = ["--source-url", "http://127.0.0.1:9/"]  # refused at once; PATH has no npm either
# case: (arguments, exit status, what the one line says). Placeholders: {tmp} the test's directory,
# {fresh} an empty one, {data:CASE} bad_data's, {mirror:KIND} a local Mirror's URL, {resume:SCRIPT} a
# run without checkpoint, {stored:CASE} a run whose config.json is STORED's CASE. Cases named
# "lstm ..." run lstm_mnist, the others bilstm_mnist.
CASES = {
    # flags: exit 2
    "batch size 0": (["--batch-size", "0"], 2, "--batch-size must be at least 1, got 0"),
    "batch size negative": (["--batch-size", "-5"], 2, "--batch-size must be at least 1, got -5"),
    "learning rate zero": (["--learning-rate", "0"], 2, "--learning-rate must be a finite number above 0"),
    "learning rate negative": (["--learning-rate", "-0.1"], 2, "--learning-rate must be a finite number above 0"),
    "learning rate nan": (["--learning-rate", "nan"], 2, "--learning-rate: must be a finite number, got nan"),
    "learning rate inf": (["--learning-rate", "inf"], 2, "--learning-rate: must be a finite number, got inf"),
    "learning rate text": (["--learning-rate", "fast"], 2, "--learning-rate: expected a number, got 'fast'"),
    "max samples below a batch": (["--max-samples", "100"], 2, "--max-samples must exceed one batch (128)"),
    "n hidden 0": (["--n-hidden", "0"], 2, "--n-hidden must be at least 1, got 0"),
    "unknown dataset": (["--dataset", "cifar"], 2, "--dataset: invalid choice: 'cifar'"),
    "lstm keep prob 0": (["--keep-prob", "0"], 2, "--keep-prob must be in (0, 1], got 0.0"),
    "lstm keep prob above 1": (["--keep-prob", "1.5"], 2, "--keep-prob must be in (0, 1], got 1.5"),
    "lstm layers 0": (["--layers", "0"], 2, "--layers must be at least 1, got 0"),
    "lstm unknown cell": (["--cell", "lstmx"], 2, "--cell: invalid choice: 'lstmx'"),
    "lstm seed negative": (["--seed", "-1"], 2, "--seed must be in 0..2147483646, got -1"),
    "lstm seed past int64": (["--seed", str(2 ** 64)], 2, f"--seed must be in 0..2147483646, got {2 ** 64}"),
    "resume missing": (["--resume", "{tmp}/nowhere"], 2, "no such run directory"),
    "resume no checkpoint": (["--resume", "{resume:bilstm_mnist}"], 2, "holds no checkpoint yet"),
    "resume other script": (["--resume", "{resume:lstm_mnist}"], 2, "written by lstm_mnist, not bilstm_mnist"),
    "resume not a run": (["--resume", "{tmp}"], 2, "not a tf1_rnn run directory"),
    "evaluate missing": (["--evaluate", "{tmp}/nowhere"], 2, "--evaluate {tmp}/nowhere: no such run directory or "
                         "checkpoint"),
    "evaluate neither": (["--evaluate", "{tmp}"], 2, "neither a tf1_rnn run directory (no config.json) nor a "
                         "TF 1.x checkpoint"),
    "stored null": (["--resume", "{stored:null}"], 2, "its config.json is not one tf1_rnn writes: "
                    "config.n_hidden must be an integer, got null"),
    "stored wrong type": (["--resume", "{stored:wrong type}"], 2, 'config.learning_rate must be a number, got "0.01"'),
    "stored missing key": (["--resume", "{stored:missing key}"], 2, "config.seed is missing"),
    "stored bad setting": (["--resume", "{stored:bad setting}"], 2, "settings.verify must be a bool"),
    "stored not a dict": (["--resume", "{stored:not a dict}"], 2, "config.json is not one tf1_rnn writes: not a "
                          "JSON object"),
    "stored invalid json": (["--resume", "{stored:invalid json}"], 2, "unreadable config.json (Expecting property "
                            "name enclosed in double quotes"),
    # outputs
    "json under a file": (["--json", "{tmp}/afile/m.json"], 2, "afile is not a directory"),
    "logdir under a file": (["--logdir", "{tmp}/afile/run", "--data-dir", "{data:ok}", "--no-verify",
                             "--eval-subset", "head:10", "--batch-size", "8"], 1,
                            "cannot create run directory"),
    # data: exit 1
    "truncated gzip": (["--data-dir", "{data:truncated gzip}", "--no-verify"], 1, "truncated gzip"),
    "bad crc": (["--data-dir", "{data:bad crc}", "--no-verify"], 1, "corrupt gzip data"),
    "wrong magic": (["--data-dir", "{data:wrong magic}", "--no-verify"], 1, "bad IDX magic number"),
    "count mismatch": (["--data-dir", "{data:count mismatch}", "--no-verify"], 1, "holds 20 images but"),
    "label out of range": (["--data-dir", "{data:label out of range}", "--no-verify"], 1, "label 12 at index 0"),
    "unrepairable checksum": (["--data-dir", "{data:ok}"] + NO_NET, 1, "checksum mismatch"),
    "batch above the training split": (["--data-dir", "{data:ok}", "--no-verify", "--logdir", "{tmp}/run"], 1,
                                       "--batch-size 128 is more than the 10 training images in"),
    "too few to validate": (["--data-dir", "{data:too few to validate}", "--no-verify"], 1,
                            "holds 20 training images, too few: validation_size should be between 0 and 20, "
                            "got 5000"),
    "subset beyond the test set": (["--eval-subset", "head:9999", "--data-dir", "{data:ok}", "--no-verify",
                                    "--batch-size", "8"], 1,
                                   "test subset head:9999 asks for 9999 images, the test set has 20"),
    "download cut off": (["--data-dir", "{fresh}", "--source-url", "{mirror:cut}"], 1, "download cut off after"),
    "http error": (["--data-dir", "{fresh}", "--source-url", "{mirror:404}"], 1, "HTTP 404 Not Found"),
    "data dir is a file": (["--data-dir", "{tmp}/afile"] + NO_NET, 1, "is a file"),
    "source url without scheme": (["--data-dir", "{fresh}", "--source-url", "127.0.0.1:9/"], 1,
                                  "bad URL '127.0.0.1:9/': give the scheme and host"),
    "source url scheme": (["--data-dir", "{fresh}", "--source-url", "ftp://127.0.0.1/mnist/"], 1,
                          "unsupported scheme 'ftp' (use http or https)"),
    "source url port out of range": (["--data-dir", "{fresh}", "--source-url", "http://127.0.0.1:99999/"], 1,
                                     "Port out of range 0-65535"),
    "source url port not a number": (["--data-dir", "{fresh}", "--source-url", "http://127.0.0.1:abc/"], 1,
                                     "Port could not be cast to integer value as 'abc'"),
    "chunked download cut off": (["--data-dir", "{fresh}", "--source-url", "{mirror:chunked-cut}"], 1,
                                 "download cut off after"),
    # the test's PATH holds no C++ compiler
    "compiled but no compiler": (["--lstm-impl", "compiled", "--eval-subset", "head:10", "--data-dir", "{data:ok}",
                                  "--no-verify", "--batch-size", "8", "--logdir",
                                  "{tmp}/run"], 1, "--lstm-impl compiled: the compiled LSTM is unavailable (no C++ "
                                                   "compiler"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_one_line_and_leaves_nothing(tmp_path, case):
    args, status, message = CASES[case]
    (tmp_path / "afile").write_text("a regular file")
    (tmp_path / "fresh").mkdir()
    replace = {"{tmp}": str(tmp_path), "{fresh}": str(tmp_path / "fresh")}
    filled, mirrors = [], []
    for arg in args:
        if arg.startswith("{mirror:"):
            mirrors.append(Mirror(arg[8:-1]))
            arg = mirrors[-1].url
        elif arg.startswith("{data:"):
            arg = bad_data(tmp_path, arg[6:-1])
        elif arg.startswith("{resume:"):
            arg = resume_dir(tmp_path, arg[8:-1])
        elif arg.startswith("{stored:"):
            arg = stored_run(tmp_path, arg[8:-1])
        for key, value in replace.items():
            arg = arg.replace(key, value)
        filled.append(arg)
    before = tree(tmp_path)
    script = "lstm_mnist" if case.startswith("lstm") else "bilstm_mnist"
    env = dict(os.environ, PATH=os.path.dirname(sys.executable), PYTHONPATH=ROOT)
    try:
        result = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", script + ".py"), *filled],
                                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    finally:
        for mirror in mirrors:
            mirror.close()
    lines = result.stderr.strip().splitlines()
    message = message.replace("{tmp}", str(tmp_path))
    assert result.returncode == status, result.stderr[-3000:]
    assert len(lines) == 1 and message in lines[0], result.stderr[-3000:]
    assert lines[0].startswith(f"{script}: error: ")
    left = {path for path in tree(tmp_path) - before if os.path.basename(path) != ".tf1_rnn.lock"}
    assert left == set()  # no run directory, partial file or download, no run's lock: a data directory's at most


def tree(root):
    """Every path under ``root``, relative to it."""
    return {os.path.relpath(os.path.join(top, name), root) for top, dirs, files in os.walk(root)
            for name in dirs + files}


def curve(run_dir, split="test"):
    accumulator = EventAccumulator(os.path.join(run_dir, split))
    accumulator.Reload()
    return [(e.step, e.value) for e in accumulator.Scalars("accuracy")]


def final_weights(run_dir):
    from tf1_rnn.compat import tf
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(os.path.join(run_dir, "checkpoints")))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def start(script, args, cwd):
    return subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", script + ".py"), *map(str, args)],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))


def interrupt_at(proc, marker, signum, twice=False):
    """Send ``signum`` once a line containing ``marker`` appears; return (status, stdout, stderr)."""
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if marker in line:
            proc.send_signal(signum)
            if twice:
                time.sleep(0.05)
                proc.send_signal(signum)
            break
    out, err = proc.communicate(timeout=300)
    return proc.returncode, "".join(seen) + out, err


@pytest.mark.parametrize("script, signum, status, twice", [
    ("bilstm_mnist", signal.SIGINT, 130, True),    # Ctrl-C twice: the second is ignored while saving
    ("bilstm_mnist", signal.SIGTERM, 143, False),
    ("lstm_mnist", signal.SIGINT, 130, False),     # two layers of dropout
])
def test_interrupted_and_resumed_run_matches_uninterrupted_bit_for_bit(tmp_path, synthetic_dir, script, signum,
                                                                       status, twice):
    args = (LSTM_SHORT if script == "lstm_mnist" else SHORT) + ["--data-dir", synthetic_dir, "--no-verify"]
    whole = start(script, args + ["--logdir", tmp_path / "whole", "--json", tmp_path / "whole.json"], tmp_path)
    assert whole.wait(timeout=300) == 0, whole.stderr.read()[-3000:]

    cut = start(script, args + ["--logdir", tmp_path / "cut"], tmp_path)
    marker = " step 15," if script == "lstm_mnist" else "Iter480,"  # 480 = 15 steps * 32
    code, out, err = interrupt_at(cut, marker, signum, twice)
    # A second signal that lands after the resume line was printed (the step and checkpoint took
    # under 50 ms) finds the handlers restored and ends the exiting process by that signal: -2,
    # which a shell reports as 130 all the same. Before that line it is acknowledged.
    assert code == status or (twice and code == -signum), err[-3000:]
    resume_line = err.strip().splitlines()[-1]
    typed = os.path.join(ROOT, "scripts", script + ".py")  # the hint repeats the command as it was typed
    assert resume_line.endswith(f"Resume with: python {typed} --resume {tmp_path / 'cut'}")
    assert "Testing Accuracy" not in out

    resumed = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", script + ".py"), "--resume",
                              tmp_path / "cut", "--json", tmp_path / "cut.json"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    a, b = (json.loads((tmp_path / f"{name}.json").read_text()) for name in ("whole", "cut"))
    assert a["test_accuracy"] == b["test_accuracy"] and a["full_test_loss"] == b["full_test_loss"]
    assert curve(tmp_path / "whole") == curve(tmp_path / "cut")
    train_steps = [step for step, _ in curve(tmp_path / "cut", "train")]
    assert train_steps == sorted(set(train_steps))  # no step twice, none backwards
    assert len(list((tmp_path / "cut").glob("events.out.tfevents.*"))) == 1  # the hparams, written once
    wa, wb = final_weights(tmp_path / "whole"), final_weights(tmp_path / "cut")
    assert wa.keys() == wb.keys()
    for name in wa:
        np.testing.assert_array_equal(wa[name], wb[name], err_msg=name)


def test_a_late_second_signal_cannot_replace_the_resume_message():
    # The race CI once hit: the step and checkpoint finished before the second Ctrl-C arrived.
    from tf1_rnn.training.interrupts import Interrupted, StopRequest
    outer = signal.signal(signal.SIGINT, signal.default_int_handler)  # a background CI job may ignore SIGINT
    try:
        with pytest.raises(Interrupted) as caught:
            with StopRequest() as stop:
                signal.raise_signal(signal.SIGINT)
                assert stop.requested and stop.exit_status == 130
                raise Interrupted("Resume with: ...", stop.exit_status)
        signal.raise_signal(signal.SIGINT)  # saved, the message not yet printed: acknowledged only
        caught.value.release()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, outer)


def test_resume_refuses_a_flag_that_disagrees(tmp_path, synthetic_dir):
    from conftest import run_script
    args = SHORT + ["--data-dir", synthetic_dir, "--no-verify", "--logdir", tmp_path / "run"]
    assert run_script("bilstm_mnist", *args, cwd=tmp_path).returncode == 0
    result = run_script("bilstm_mnist", "--resume", tmp_path / "run", "--n-hidden", "16", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"bilstm_mnist: error: --n-hidden 16 disagrees with 8 stored in "
                                     f"{tmp_path / 'run'}; drop the flag to use that run (see --help)")
    again = run_script("bilstm_mnist", *args, cwd=tmp_path)  # a new run never reuses a run directory
    assert again.returncode == 1 and "already holds files" in again.stderr
