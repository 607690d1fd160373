"""The reproduction's runs: which ones each row needs, where their files are, which are done.

A row is one tutorial configuration (a script and its flags). Each seed of a row is run by
the port, ``python -m tf1_rnn.tutorials <script> --seed S``, and, where the row has one, by the tutorial's
TF 1.x program under the runner, ``python -m tf1_rnn.run_legacy --seed S tf1_rnn/tutorials/tf1/<p>``;
each run in its own process, its output kept in a log. A run is done once its metrics file
exists, so re-running the same command continues where a stopped one ended: a stopped port
run resumes from its checkpoint (bit-identical to an uninterrupted one), a stopped TF 1.x
program, which cannot resume, starts over (running them: :mod:`tf1_rnn.reproduce.launch`).

Files, with ``out`` = results/reproduce and ``tf1_out`` = results/tf1_programs:

    out/<slug>-seed<S>.json, .log        the port's --json metrics and its output
    out/<slug>-seed<S>.curve.json        its test curve from TensorBoard, kept in git (run directories are not)
    out/logs/<slug>-seed<S>/             its run directory: checkpoints, events
    tf1_out/<program>-seed<S>.log        the program's output, closed by "exit status N after S s"
    tf1_out/<program>-seed<S>.json       what was read from that log
    tf1_out/logs/<program>-seed<S>/      its working directory (its MNIST_data/, checkpoints, events)
"""
import dataclasses
import hashlib
import json
import os
from typing import NamedTuple, Optional

from tf1_rnn import tutorials
from tf1_rnn.tutorials import cli
from tf1_rnn.data import datasets
from tf1_rnn.training import runs
from tf1_rnn.reproduce import run_logs

# Fields that decide what a run computes; run settings (eval_every, checkpoint_every) do not.
COMPARED = {"dataset", "seed"}


@dataclasses.dataclass(frozen=True)
class Author:
    """What the tutorial's author printed, for the table and the plots."""
    printed: str                           # as the table shows it: "0.9703 at step 2000", "none printed"
    accuracy: Optional[float] = None       # the number set against our seeds
    points: tuple = ()                     # ((step, accuracy), ...) marked on the curve
    span: Optional[tuple] = None           # (first step, last step, low, high): a range known by its ends


@dataclasses.dataclass(frozen=True)
class Row:
    script: str                            # the tutorial: python -m tf1_rnn.tutorials <script>
    config: type                           # its config class
    seeds: int                             # seeds 1..seeds, unless --seeds overrides
    flags: tuple = ()                      # beyond the defaults, e.g. ("--readout", "ends")
    author: Author = Author("-")
    tf1: Optional[str] = None              # its TF 1.x program (tutorials.tf1_program), run with the same seeds
    corrected: bool = False

    @property
    def label(self):
        return " ".join((self.script, *self.flags)) + (" (corrected)" if self.corrected else "")

    @property
    def slug(self):
        return self.script + "".join("-" + flag.lstrip("-") for flag in self.flags)

    def given(self, flags):
        """{field: value} that ``flags`` set, parsed as the row's script parses them."""
        args = cli.build_parser(self.config, self.script, "").parse_args(list(flags))
        return {f.name: getattr(args, f.name) for f in dataclasses.fields(self.config) if hasattr(args, f.name)}

    def config_for(self, seed):
        """The config this row's run with ``seed`` trains, as the script would build it from the flags."""
        return self.config(**{**self.given(self.flags), "seed": seed})


class Task(NamedTuple):
    row: Row
    seed: int
    tf1: bool                              # False: the port; True: the TF 1.x program

    def __str__(self):
        return f"{self.row.label}, seed {self.seed}, " + (f"TF 1.x {self.row.tf1}" if self.tf1 else "port")


@dataclasses.dataclass(frozen=True)
class Layout:
    out: str = "results/reproduce"
    tf1_out: str = "results/tf1_programs"
    data_dir: Optional[str] = None         # root holding mnist/ and fashion_mnist/; default: the cache
    port_flags: tuple = ()                 # run settings for every new port run, e.g. ("--lstm-impl", "fused")

    def name(self, task):
        return f"{os.path.splitext(task.row.tf1)[0] if task.tf1 else task.row.slug}-seed{task.seed}"

    def path(self, task, suffix):
        return os.path.join(self.tf1_out if task.tf1 else self.out, self.name(task) + suffix)

    def workdir(self, task):
        return os.path.join(self.tf1_out if task.tf1 else self.out, "logs", self.name(task))

    def data(self, dataset):
        return os.path.join(self.data_dir, dataset) if self.data_dir else datasets.default_data_dir(dataset)


def plan(rows, seeds=None):
    """Every run the rows need, seed by seed, so a stopped reproduction has every row's first seeds."""
    tasks = []
    for seed in range(1, max((seeds or row.seeds) for row in rows) + 1):
        for row in rows:
            if seed <= (seeds or row.seeds):
                tasks.append(Task(row, seed, False))
                if row.tf1:
                    tasks.append(Task(row, seed, True))
    return tasks


class Status(NamedTuple):
    state: str                  # done, stale, from log, resume, run
    detail: str = ""
    metrics: Optional[dict] = None


def program_path(row):
    return tutorials.tf1_program(row.tf1)


def program_label(row):
    """How tables and metrics name a row's TF 1.x program."""
    return f"tf1_rnn/tutorials/tf1/{row.tf1}"


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _load(path):
    with open(path) as f:
        return json.load(f)


def status(task, layout):
    """Where ``task`` stands: ``done`` ones are reused, ``stale`` ones (other settings) are left alone."""
    metrics_path = layout.path(task, ".json")
    if task.tf1:
        if os.path.exists(metrics_path):
            metrics = _load(metrics_path)
            if metrics.get("program_sha256") != _sha256(program_path(task.row)):
                return Status("stale", f"{program_label(task.row)} changed since {metrics_path}", metrics)
            return Status("done", metrics_path, metrics)
        log = layout.path(task, ".log")
        if os.path.exists(log) and run_logs.read(log).complete:
            return Status("from log", f"{log} is complete: its metrics are read from it, nothing runs",
                          tf1_metrics(task, layout))
        return Status("run")
    if os.path.exists(metrics_path):
        metrics = _load(metrics_path)
        expected = dataclasses.asdict(task.row.config_for(task.seed))
        compared = COMPARED | {f.name for f in dataclasses.fields(task.row.config) if f.metadata.get("tutorial")}
        differ = [f"{name}={metrics['config'][name]} (now {expected[name]})" for name in sorted(compared)
                  if name in metrics["config"] and metrics["config"][name] != expected[name]]
        if differ:
            return Status("stale", f"{metrics_path} was made with " + ", ".join(differ), metrics)
        return Status("done", metrics_path, metrics)
    step = runs.RunDir(layout.workdir(task)).latest_step()
    return Status("resume", f"from step {step}") if step else Status("run")


def tf1_metrics(task, layout):
    """The metrics of a finished TF 1.x program, as read from its log (``status`` "from log" carries them)."""
    log = layout.path(task, ".log")
    printed = run_logs.read(log, task.row.config_for(task.seed).batch_size)
    return {"program": program_label(task.row), "program_sha256": _sha256(program_path(task.row)),
            "seed": task.seed, "log": os.path.basename(log), "test_accuracy": printed.final_accuracy,
            "test_subset": task.row.config.TEST_SUBSET, "wall_seconds": printed.wall_seconds,
            "test_points_printed": len(printed.test_curve)}


def record(task, layout, metrics):
    """Write a TF 1.x program's metrics beside its log: from then on the run is done."""
    runs.write_json(layout.path(task, ".json"), metrics)
    return Status("done", layout.path(task, ".json"), metrics)
