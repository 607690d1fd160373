"""The reproduction's results: each row's port seeds beside its TF 1.x program's and the author's number.

:func:`collect` gathers the finished runs and their test curves, :func:`summarise_row` the
statistics (see :mod:`tf1_rnn.reproduce.stats`), :func:`table` the Markdown the README shows.
"""
import json
import os
import statistics
from typing import NamedTuple

from tf1_rnn.training import runs
from tf1_rnn.reproduce import rows, run_logs, stats

TEST_IMAGES = 10000  # the MNIST and Fashion-MNIST test sets, which a draw:N subset is drawn from


class RowResult(NamedTuple):
    row: object                 # reproduction.Row
    port: list                  # metrics of the finished port runs, by seed
    tf1: list                   # metrics of the finished TF 1.x program runs, by seed
    port_curves: list           # [(seed, [(step, test accuracy)])], on the port's eval_subset
    tf1_curves: list            # the same for the program, as it printed them


def _event_curve(event_dir):
    from tf1_rnn.compat import tf  # noqa: F401  TensorFlow loads here, its start-up log hidden, before tensorboard
    from tensorboard.backend.event_processing import event_accumulator
    accumulator = event_accumulator.EventAccumulator(event_dir, size_guidance={event_accumulator.SCALARS: 0})
    accumulator.Reload()
    if "accuracy" not in accumulator.Tags()["scalars"]:
        return []
    return [(e.step, e.value) for e in accumulator.Scalars("accuracy")]


def port_curve(task, layout, metrics):
    """The port's test curve: kept from its TensorBoard events, else the test lines its log printed."""
    kept = layout.path(task, ".curve.json")
    if os.path.exists(kept):
        with open(kept) as f:
            return [tuple(point) for point in json.load(f)["test_accuracy"]]
    events = os.path.join(metrics.get("run_dir") or layout.workdir(task), "test")
    if os.path.isdir(events):
        points = _event_curve(events)
        if points:
            runs.write_json(kept, {"source": events, "test_accuracy": points})
            return points
    log = layout.path(task, ".log")
    return run_logs.read(log, metrics["config"]["batch_size"]).test_curve if os.path.exists(log) else []


def collect(tasks, statuses, layout):
    """One RowResult per row of ``tasks``, from the runs whose status is done."""
    results = {}
    for task in tasks:
        result = results.setdefault(task.row.label, RowResult(task.row, [], [], [], []))
        st = statuses[task]
        if st.state != "done":
            continue
        if task.tf1:
            result.tf1.append(st.metrics)
            curve = run_logs.read(layout.path(task, ".log"), task.row.config_for(task.seed).batch_size).test_curve
            if curve:
                result.tf1_curves.append((task.seed, curve))
        else:
            result.port.append(st.metrics)
            curve = port_curve(task, layout, st.metrics)
            if curve:
                result.port_curves.append((task.seed, curve))
    return list(results.values())


def summarise_row(result):
    """Everything the table and the JSON say about one row."""
    row = result.row
    port = [m["test_accuracy"] for m in result.port]
    tf1 = [m["test_accuracy"] for m in result.tf1]
    author = row.author.accuracy
    summary = {
        "label": row.label, "author_printed": row.author.printed, "author_accuracy": author,
        "test_subset": row.config.TEST_SUBSET, "tf1_program": row.tf1 and rows.program_label(row),
        "port": stats.summarise(port)._asdict() if port else None,
        "tf1": stats.summarise(tf1)._asdict() if tf1 else None,
        "port_seeds": [m["seed"] for m in result.port], "tf1_seeds": [m["seed"] for m in result.tf1],
    }
    difference = stats.welch_interval(port, tf1)
    summary["port_minus_tf1"] = difference._asdict() if difference else None
    if author is not None:
        summary["author_percentile_port"] = stats.percentile_rank(port, author) if port else None
        summary["author_percentile_tf1"] = stats.percentile_rank(tf1, author) if tf1 else None
    full = [m["full_test_accuracy"] for m in result.port if m.get("full_test_accuracy") is not None]
    summary["port_full_test_accuracy"] = statistics.fmean(full) if full else None
    for side, runs_ in (("port", result.port), ("tf1", result.tf1)):
        walls = [m["wall_seconds"] for m in runs_ if m.get("wall_seconds")]
        summary[f"{side}_wall_seconds"] = statistics.fmean(walls) if walls else None
    kind, _, count = row.config.TEST_SUBSET.partition(":")
    if kind == "draw" and full:
        summary["draw"] = stats.draw_spread(full, TEST_IMAGES, int(count), author)._asdict()
    return summary


def subset_words(spec):
    kind, _, count = spec.partition(":")
    return {"full": "full test set", "head": f"first {count} test images",
            "draw": f"one next_batch({count}) of the test set"}[kind]


def _accuracies(s):
    if s is None:
        return "-"
    if s["n"] == 1:
        return f"{s['mean']:.4f} (1 seed)"
    return f"{s['mean']:.4f} ± {s['sd']:.4f} [{s['min']:.4f}, {s['max']:.4f}], {s['n']} seeds"


def _ordinal(value):
    n = round(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _percentiles(s):
    if s["author_accuracy"] is None:
        return "-"
    return " / ".join("-" if s[key] is None else _ordinal(s[key])
                      for key in ("author_percentile_port", "author_percentile_tf1"))


def _minutes(seconds):
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def table(summaries):
    """The Markdown table, then a sentence for each draw:N row."""
    lines = ["| tutorial | author printed (on) | port: mean ± sd [min, max] | TF 1.x program: mean ± sd "
             "[min, max] | port − TF 1.x (95% Welch interval) | author's percentile: port / TF 1.x "
             "| port, full test set (mean) | minutes per run: port / TF 1.x |",
             "|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        d = s["port_minus_tf1"]
        difference = "-" if d is None else f"{d['estimate']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}]"
        full = "-" if s["port_full_test_accuracy"] is None else f"{s['port_full_test_accuracy']:.4f}"
        lines.append(f"| `{s['label']}` | {s['author_printed']} ({subset_words(s['test_subset'])}) "
                     f"| {_accuracies(s['port'])} | {_accuracies(s['tf1'])} | {difference} | {_percentiles(s)} "
                     f"| {full} | {_minutes(s['port_wall_seconds'])} / {_minutes(s['tf1_wall_seconds'])} |")
    lines += ["", "sd: standard deviation over seeds. Percentile: where the author's number falls among our "
              "seeds (the share below it, ties counting half)."]
    for s in summaries:
        if s.get("draw"):
            lines += ["", draw_sentence(s)]
    return "\n".join(lines) + "\n"


def draw_sentence(s):
    d = s["draw"]
    text = (f"`{s['label']}` is scored on {subset_words(s['test_subset'])}. Which {d['n']} images are drawn "
            f"alone moves a model's accuracy by ±{d['sd']:.4f} (sd): our {d['models']} models, each scored on "
            f"every possible draw of {d['n']} of the {TEST_IMAGES} test images (exactly, from its errors on all "
            f"of them), score {d['low']:.3f} to {d['high']:.3f} on 95% of draws")
    if d["share_at_or_above"] is None:
        return text + "."
    shares = ", ".join(f"{share:.1%}" for share in d["per_model_share"])
    return (text + f", and {d['share_at_or_above']:.1%} of draws reach the author's {s['author_accuracy']} "
            f"(per model: {shares}).")
