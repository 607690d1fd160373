"""Run directories: where a run's config, checkpoints and TensorBoard events live.

Layout of ``logs/<script>/<timestamp>/``::

    config.json               script name and the full config (what --resume reads)
    train/, test/             TensorBoard event files, tags "accuracy" and "loss" in both
    events.out.tfevents.*     the config for TensorBoard's HParams dashboard (summaries.py)
    checkpoints/              tf.train.Saver files + state-<step>.npz (data order, RNG state)
    metrics.json              final metrics, once the run completes
    .owner.lock               while a process runs it: the lock that keeps others out (ownership.py)

Every file here is written atomically (temporary file in the same directory, then rename),
so an interrupted or failed write leaves the previous good file, never a partial one.
"""
import contextlib
import dataclasses
import errno
import io
import json
import os
import re
import tempfile
import time
from typing import Optional

import numpy as np

from tf1_rnn.training import ownership

CONFIG = "config.json"
CHECKPOINTS = "checkpoints"


class RunError(RuntimeError):
    """A run directory or output path that cannot be used; the message says what to do."""


_LISTED = re.compile(r'^(?:model_checkpoint_path|all_model_checkpoint_paths): "(.*)"\s*$', re.M)


def step_of(prefix):
    """The global step a Saver appended to a checkpoint prefix (``model.ckpt-1001``), or None."""
    match = re.search(r"-(\d+)$", prefix)
    return int(match.group(1)) if match else None


def listed_checkpoints(directory):
    """Prefixes of the checkpoints in ``directory``, newest first.

    As its ``checkpoint`` file (tf.train.Saver's) lists them, each taken by its base name in
    ``directory`` (the file may hold absolute paths from where the run was written); without
    that file, every ``*.index`` there, by step then age.
    """
    try:
        with open(os.path.join(directory, "checkpoint")) as f:
            paths = _LISTED.findall(f.read())
    except (OSError, UnicodeDecodeError):
        paths = []
    if paths:  # model_checkpoint_path (the newest) first, then the others oldest to newest
        names = [os.path.basename(paths[0])] + [os.path.basename(p) for p in reversed(paths[1:])]
    else:
        try:
            names = [name[:-len(".index")] for name in os.listdir(directory) if name.endswith(".index")]
        except OSError:
            return []
        names.sort(key=lambda n: (step_of(n) or -1, os.path.getmtime(os.path.join(directory, n + ".index"))),
                   reverse=True)
    return [os.path.join(directory, name) for name in dict.fromkeys(names)]


def tf1_checkpoint(path):
    """Prefixes to try, newest first, if ``path`` is a checkpoint from a TF 1.x program; else None.

    ``path`` is a prefix (``2RNN/ckpt1/mnist1.ckpt-1001``, with its ``.index`` beside it; one of
    its files is taken for it) or a directory of checkpoints that is not a tf1_rnn run directory.
    """
    if os.path.isdir(path):
        if os.path.exists(os.path.join(path, CONFIG)):
            return None
        return listed_checkpoints(path) or None
    prefix = re.sub(r"\.(index|meta|data-\d+-of-\d+)$", "", path)
    return [prefix] if os.path.exists(prefix + ".index") else None


def _describe(err, path, action):
    if getattr(err, "errno", None) == errno.ENOSPC:
        return RunError(f"no space left on device while {action} {path}; the previous file, if any, is kept")
    reason = getattr(err, "strerror", None) or str(err)
    return RunError(f"cannot {action.replace('writing', 'write')} {path}: {reason}")


def atomic_write(path, data: bytes):
    """Write ``data`` to ``path`` via a temporary file and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
        raise _describe(err, path, "writing") from None


def write_json(path, obj):
    atomic_write(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def check_output_path(path, what):
    """Raise RunError now if ``path`` cannot be written later (missing or non-directory parent)."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        problem = "is not a directory" if os.path.exists(parent) else "does not exist"
        raise RunError(f"cannot write {what} {path}: {parent} {problem}")
    if os.path.isdir(path):
        raise RunError(f"cannot write {what} {path}: it is a directory")


def load_config(run_dir, script, config_cls, flag="--resume"):
    """``(config, settings)`` stored in ``run_dir`` by ``script``, checked to be resumable.

    ``settings`` are the run settings saved beside the config (data directory, verification).
    ``config_cls.from_stored`` checks every field: a hand-edited or foreign file stops here,
    with one line naming the field, not later inside TensorFlow.
    """
    if not os.path.isdir(run_dir):
        raise RunError(f"{flag} {run_dir}: no such run directory")
    try:
        with open(os.path.join(run_dir, CONFIG)) as f:
            stored = json.load(f)
    except FileNotFoundError:
        raise RunError(f"{flag} {run_dir}: not a tf1_rnn run directory (no {CONFIG})") from None
    except (OSError, ValueError) as err:
        raise RunError(f"{flag} {run_dir}: unreadable {CONFIG} ({err})") from None

    def unfit(problem):
        return RunError(f"{flag} {run_dir}: its {CONFIG} is not one tf1_rnn writes: {problem}")
    if not isinstance(stored, dict):
        raise unfit("not a JSON object")
    if stored.get("script") != script:
        raise RunError(f"{flag} {run_dir}: that run was written by {stored.get('script')}, not {script}")
    if RunDir(run_dir).latest_step() is None:
        raise RunError(f"{flag} {run_dir}: holds no checkpoint yet (stopped before the first); "
                       "start a new run instead")
    settings = stored.get("settings", {})  # absent in the oldest runs
    if not isinstance(settings, dict):
        raise unfit("settings must be an object")
    for key, kind in (("data_dir", str), ("verify", bool)):
        if key in settings and not isinstance(settings[key], kind):
            raise unfit(f"settings.{key} must be a {kind.__name__}")
    if "config" not in stored:
        raise unfit("no config")
    try:
        return config_cls.from_stored(stored["config"]), settings
    except ValueError as err:
        raise unfit(err) from None


def _refuse_used(path):
    if os.path.isdir(path) and set(os.listdir(path)) - {ownership.LOCK}:
        raise RunError(f"--logdir {path} already holds files; a new run never writes into "
                       "an existing run (use --resume to continue it, or another --logdir)")


def check_new_run(base, explicit=False):
    """Raise RunError now, before the data and TensorFlow load, if :meth:`RunDir.create` will refuse
    ``base``; it checks again (under the lock): this look only saves the wait."""
    existing = os.path.abspath(base)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise RunError(f"cannot create run directory {base}: {existing} is a file (choose another --logdir)")
    if explicit:
        holder = ownership.holder(base)
        if holder:
            raise RunError(ownership.in_use(base, holder, ownership.FOR_NEW))
        _refuse_used(base)


@dataclasses.dataclass(frozen=True)
class RunDir:
    path: str
    owner: Optional[ownership.Owner] = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def create(cls, base, explicit=False):
        """A new, empty run directory, owned by this process until :meth:`release`: ``base`` itself if
        ``explicit`` (an empty or missing directory), else ``base/<timestamp>``."""
        if explicit:
            candidates = [base]
        else:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            candidates = [os.path.join(base, stamp)] + [os.path.join(base, f"{stamp}-{n}") for n in range(2, 1000)]
        parent = os.path.dirname(os.path.abspath(candidates[0]))
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as err:
            reason = "a file is in the way" if isinstance(err, FileExistsError) else err.strerror
            raise RunError(f"cannot create run directory under {parent}: {reason} (choose another --logdir)") from None
        for path in candidates:
            try:
                os.mkdir(path)  # exclusive: two runs started in the same second get distinct dirs
            except FileExistsError:
                if explicit and os.path.isdir(path):
                    return cls._claim_empty(path)
                if explicit:
                    raise RunError(f"cannot create --logdir {path}: a file is in the way") from None
                continue
            except OSError as err:
                raise RunError(f"cannot create run directory {path}: {err.strerror} "
                               "(choose another --logdir)") from None
            return cls._claim_empty(path, made=True)
        raise RunError(f"no free run directory name under {base}")

    @classmethod
    def _claim_empty(cls, path, made=False):
        """``path`` owned, and holding nothing yet: checked under the lock, so that of two processes
        starting on one --logdir exactly one goes on."""
        try:
            run = cls.claim(path, ownership.FOR_NEW)
        except RunError:
            if made:
                with contextlib.suppress(OSError):
                    os.rmdir(path)  # only while empty: a process that took it over keeps its lock file there
            raise
        try:
            _refuse_used(path)
        except RunError:
            run.release()
            raise
        return run

    @classmethod
    def claim(cls, path, hint):
        """The run directory ``path``, owned by this process; RunError naming the holder (and ending
        with ``hint``, what to do) if another process has it."""
        try:
            return cls(path, ownership.Owner.take(path))
        except ownership.InUse as holder:
            raise RunError(ownership.in_use(path, holder, hint)) from None
        except OSError as err:
            raise RunError(f"cannot lock run directory {path}: {err.strerror}") from None

    def release(self):
        """Let other processes have this run (done by the exit too, however the process ends)."""
        if self.owner is not None:
            self.owner.release()

    def discard(self):
        """Release a new run refused before it wrote anything, and remove its still empty directory."""
        self.release()
        with contextlib.suppress(OSError):
            os.rmdir(self.path)

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    @property
    def checkpoint_dir(self):
        return self.join(CHECKPOINTS)

    def save_config(self, script, cfg, settings, facts=None):
        """config.json: the config, where the data came from, and what the first process ran as."""
        write_json(self.join(CONFIG), {"script": script, "config": dataclasses.asdict(cfg), "settings": settings,
                                       "ran": facts or {}})

    def checkpoint_prefix(self, step):
        return os.path.join(self.checkpoint_dir, f"model.ckpt-{step}")

    def checkpoint_steps(self):
        """Steps of the checkpoints listed in ``checkpoints/``, newest first (restorable or not)."""
        return [step for step in map(step_of, listed_checkpoints(self.checkpoint_dir)) if step is not None]

    def latest_step(self):
        """Step of the newest listed checkpoint that has its state file, or None.

        Whether its model files restore is for TensorFlow to find out (checkpoints.py).
        """
        return next((step for step in self.checkpoint_steps() if os.path.exists(self.state_path(step))), None)

    def state_path(self, step):
        return os.path.join(self.checkpoint_dir, f"state-{step}.npz")

    def save_state(self, step, state):
        """Training state beside the Saver's files: arrays as they are, the rest as JSON."""
        buffer = io.BytesIO()
        arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
        rest = {k: v for k, v in state.items() if not isinstance(v, np.ndarray)}
        np.savez(buffer, json=np.array(json.dumps(rest)), **arrays)
        atomic_write(self.state_path(step), buffer.getvalue())

    def load_state(self, step):
        with np.load(self.state_path(step)) as npz:
            state = json.loads(str(npz["json"]))
            state.update({k: npz[k] for k in npz.files if k != "json"})
        return state

    def prune_states(self, keep_steps):
        for name in os.listdir(self.checkpoint_dir):
            match = re.fullmatch(r"state-(\d+)\.npz", name)
            if match and int(match.group(1)) not in keep_steps:
                os.remove(os.path.join(self.checkpoint_dir, name))
