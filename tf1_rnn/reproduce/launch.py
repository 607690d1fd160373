"""Running what the reproduction still needs: one process per run, progress lines, clean stops.

A port run is ``python -m tf1_rnn.tutorials <script>`` in its own run directory and resumes from its checkpoint
when stopped; a TF 1.x program runs under ``python -m tf1_rnn.run_legacy`` in a fresh working
directory and starts over when stopped. See :mod:`tf1_rnn.reproduce.rows` for the files.
"""
import os
import shutil
import signal
import subprocess
import sys
import time

from tf1_rnn.training import runs
from tf1_rnn.reproduce.rows import program_path, record, status, tf1_metrics


class ReproductionError(RuntimeError):
    """A run that failed; the message names its log."""


class Stopped(Exception):
    """Ctrl-C or SIGTERM during a run: the child was told too and has exited."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.exit_status = 128 + signum


def command(task, layout):
    """``(argv, cwd, log mode)`` that runs ``task``; a port run with a checkpoint resumes."""
    if task.tf1:  # the tutorial's own program on TensorFlow's own ops, as its author ran it
        argv = [sys.executable, "-m", "tf1_rnn.run_legacy", "--rnn-impl", "tf", "--seed", str(task.seed),
                program_path(task.row)]
        return argv, layout.workdir(task), "w"
    script = ["-m", "tf1_rnn.tutorials", task.row.script]
    json_path = os.path.abspath(layout.path(task, ".json"))
    if runs.RunDir(layout.workdir(task)).latest_step():
        return [sys.executable, *script, "--resume", layout.workdir(task), "--json", json_path], None, "a"
    argv = [sys.executable, *script, *task.row.flags, *layout.port_flags, "--seed", str(task.seed),
            "--json", json_path, "--logdir", layout.workdir(task)]
    if layout.data_dir:
        argv += ["--data-dir", layout.data(task.row.config_for(task.seed).dataset)]
    return argv, None, "w"


def spawn(argv, cwd, log_file):
    """Run ``argv`` with its output in ``log_file``; its exit status, or Stopped once it has exited.

    Ctrl-C reaches the child from the terminal (and is passed on, in case it did not), SIGTERM
    is passed on: a port run finishes its step and saves a checkpoint before it exits.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(argv, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    received = []

    def forward(signum, frame):
        received.append(signum)
        process.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        while True:
            try:
                exit_status = process.wait()
                break
            except KeyboardInterrupt:
                forward(signal.SIGINT, None)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if received:
        raise Stopped(received[0])
    return exit_status


def _prepare(task, layout):
    """A fresh working directory where the run starts over (a TF 1.x program, or a port run without checkpoint)."""
    workdir = layout.workdir(task)
    if not task.tf1 and runs.RunDir(workdir).latest_step():
        return
    if os.path.isdir(workdir):
        shutil.rmtree(workdir)
    if task.tf1:
        # The programs read MNIST_data/ relative to where they run: the verified cache, not a new download.
        data = layout.data("mnist")
        os.makedirs(data, exist_ok=True)
        os.makedirs(workdir)
        os.symlink(os.path.abspath(data), os.path.join(workdir, "MNIST_data"))


def execute(task, layout, run=spawn):
    """Run ``task`` (``run`` is :func:`spawn` or a test's stand-in) and return its status, done."""
    _prepare(task, layout)
    argv, cwd, mode = command(task, layout)
    log_path = layout.path(task, ".log")
    began = time.time()
    with open(log_path, mode) as log:
        exit_status = run(argv, cwd, log)
        if task.tf1:
            log.write(f"exit status {exit_status} after {time.time() - began:.0f} s\n")
    if exit_status != 0:
        raise ReproductionError(f"{task} exited with status {exit_status}; see {log_path}")
    if task.tf1:
        return record(task, layout, tf1_metrics(task, layout))
    done = status(task, layout)
    if done.state != "done":
        raise ReproductionError(f"{task} exited with status 0 but left no metrics; see {log_path}")
    return done


def _estimate(task, walls):
    """Seconds ``task`` should take: the mean of finished runs like it, else of all runs of its kind."""
    same = walls.get((task.row.label, task.tf1)) or [w for (_, tf1), ws in walls.items() if tf1 == task.tf1 for w in ws]
    return sum(same) / len(same) if same else 300.0


def duration(seconds):
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


class Progress:
    """Expected time left, from the wall times of the runs finished so far (here or earlier)."""

    def __init__(self, statuses):
        self.walls = {}
        for task, st in statuses.items():
            if st.metrics and st.metrics.get("wall_seconds") and st.state in ("done", "from log"):
                self.add(task, st.metrics["wall_seconds"])

    def add(self, task, seconds):
        self.walls.setdefault((task.row.label, task.tf1), []).append(seconds)

    def left(self, tasks):
        return sum(_estimate(task, self.walls) for task in tasks)

    def overview(self, tasks, todo):
        return (f"{len(tasks)} runs: {len(tasks) - len(todo)} done, {len(todo)} to run "
                f"(about {duration(self.left(todo))} at the wall times so far)")


def to_run(tasks, statuses):
    return [task for task in tasks if statuses[task].state in ("run", "resume")]


def record_logs(statuses, layout):
    """Finished TF 1.x programs whose metrics were never written (a log from elsewhere): write them now."""
    for task, st in statuses.items():
        if st.state == "from log":
            statuses[task] = record(task, layout, st.metrics)
    return statuses


def run_all(tasks, layout, run=spawn, log=print, clock=time.time):
    """Run every task not done yet, with progress lines; returns the statuses after running."""
    statuses = record_logs({task: status(task, layout) for task in tasks}, layout)
    for task in tasks:
        if statuses[task].state == "stale":
            log(f"not reused, not rerun: {task}: {statuses[task].detail} (delete it to run it again)")
    todo, progress = to_run(tasks, statuses), Progress(statuses)
    log(progress.overview(tasks, todo))
    began = clock()
    for n, task in enumerate(todo, 1):
        how = statuses[task].state
        log(f"[{n}/{len(todo)}] {task} ({how}{' ' + statuses[task].detail if how == 'resume' else ''}); "
            f"elapsed {duration(clock() - began)}, about {duration(progress.left(todo[n - 1:]))} left")
        started = clock()
        statuses[task] = execute(task, layout, run)
        wall = clock() - started
        progress.add(task, statuses[task].metrics.get("wall_seconds") or wall)
        log(f"[{n}/{len(todo)}] {task}: {statuses[task].metrics['test_accuracy']:.4f} in {duration(wall)}")
    return statuses
