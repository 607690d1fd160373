"""All five tutorials over several seeds, each beside its TF 1.x program, against the authors.

    python -m tf1_rnn.reproduce --dry-run     # what is done, what would run, and for how long
    python -m tf1_rnn.reproduce               # run what is missing, then the table and the plots
    python -m tf1_rnn.reproduce --report      # only the table and the plots, from what is done

Every row runs its seeds (5 for the tutorials with a published number, 3 for the others;
``--seeds N`` for 1..N everywhere) with ``python -m tf1_rnn.tutorials <tutorial>`` and, with
the same seeds, the tutorial's own TF 1.x program (``tf1_rnn/tutorials/tf1/<tutorial>.py``)
under the runner. Each run is a process of its own with its log kept; a run whose metrics
exist is not run again, so a stopped reproduction (Ctrl-C, SIGTERM, a reboot) continues when
the same command is given again. Corrections get rows of their own. The catalogue of rows is
tf1_rnn/reproduce/catalogue.py.

Writes results/reproduce.md (the table), results/reproduce.json (every number), and with
matplotlib (``pip install -e '.[plots]'``) results/<tutorial>.png and results/summary.png.
See tf1_rnn/reproduce/rows.py for the files each run leaves.
"""
import argparse
import dataclasses
import functools
import os
import shlex
import sys

from tf1_rnn.reproduce import launch, report, rows
from tf1_rnn.reproduce.catalogue import ROWS
from tf1_rnn.training import runs
from tf1_rnn.tutorials import cli, configs


def parse(argv):
    parser = cli.OneLineParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, help="seeds 1..N for every row (default: each row's own, 5 or 3)")
    parser.add_argument("--only", nargs="+", metavar="ROW", help="rows to run, by name (the table keeps every "
                        "row that has finished runs): "
                        + ", ".join(row.slug for row in ROWS) + " (default: all)")
    parser.add_argument("--port-only", action="store_true", help="run the port's seeds only, not the TF 1.x "
                        "programs (their finished runs are still tabulated)")
    parser.add_argument("--dry-run", action="store_true", help="list what is done and what would run; run nothing")
    parser.add_argument("--report", action="store_true", help="write the table and plots from the finished "
                        "runs; run nothing")
    parser.add_argument("--out", default="results/reproduce", help="the port's logs and metrics (default: "
                        "results/reproduce; table in <out>.md, plots beside it)")
    parser.add_argument("--tf1-out", default="results/tf1_programs", help="the TF 1.x programs' logs and "
                        "metrics (default: results/tf1_programs)")
    parser.add_argument("--data-dir", help="root holding mnist/ and fashion_mnist/ (default: the per-user cache)")
    parser.add_argument("--port-flags", default="", metavar="FLAGS", help="run settings added to every new port "
                        "run, e.g. --port-flags='--lstm-impl cell' (they leave the model as published, so earlier runs count)")
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        parser.error("--seeds must be at least 1")
    unknown = sorted(set(args.only or ()) - {row.slug for row in ROWS})
    if unknown:
        parser.error(f"no row named {', '.join(unknown)}; rows: {', '.join(row.slug for row in ROWS)}")
    for row in ROWS:
        tutorial = {f.name for f in dataclasses.fields(row.config) if f.metadata.get("tutorial")}
        changed = sorted(configs.flag(name) for name in row.given(shlex.split(args.port_flags)) if name in tutorial)
        if changed:
            parser.error(f"--port-flags takes run settings only; {', '.join(changed)} changes the model "
                         "(give it a row of its own)")
    return args


def dry_run(tasks, layout):
    statuses = {task: rows.status(task, layout) for task in tasks}
    for task, st in statuses.items():
        accuracy = f"{st.metrics['test_accuracy']:.4f}" if st.state == "done" else ""
        print("  ".join(part for part in (f"{st.state:>9}", str(task), accuracy, st.detail) if part))
    print(launch.Progress(statuses).overview(tasks, launch.to_run(tasks, statuses)))


def write_report(tasks, statuses, layout, out):
    results = [r for r in report.collect(tasks, statuses, layout) if r.port or r.tf1]
    summaries = [report.summarise_row(r) for r in results]
    markdown = report.table(summaries)
    runs.atomic_write(out + ".md", markdown.encode())
    runs.write_json(out + ".json", [{**s, "runs": {"port": r.port, "tf1": r.tf1}} for s, r in zip(summaries, results)])
    print(markdown)
    try:
        from tf1_rnn.reproduce import plots
    except ImportError:
        print("reproduce: no plots: matplotlib is not installed (pip install 'tf1_rnn[plots]')", file=sys.stderr)
        return
    folder = os.path.dirname(out) or "."
    # results/<tutorial>.png for the default --out; another --out prefixes its name, so as not to overwrite them
    prefix = "" if os.path.basename(out) == "reproduce" else os.path.basename(out) + "-"
    faithful = [r for r in results if r.row.tf1]
    names = [prefix + r.row.script + ".png" for r in faithful]
    for result, name in zip(faithful, names):
        plots.tutorial_figure(result, os.path.join(folder, name))
    if faithful:
        plots.summary_figure(faithful, os.path.join(folder, prefix + "summary.png"))
    print(f"plots: {', '.join(names)} and {prefix}summary.png in {folder}/")


def main(argv=None):
    args = parse(argv)
    chosen = [row for row in ROWS if args.only is None or row.slug in args.only]
    layout = rows.Layout(args.out.rstrip("/"), args.tf1_out.rstrip("/"), args.data_dir,
                         tuple(shlex.split(args.port_flags)))
    tasks = rows.plan(chosen, args.seeds)
    if args.dry_run:
        dry_run([task for task in tasks if not (args.port_only and task.tf1)], layout)
        return 0
    if not args.report:
        os.makedirs(layout.out, exist_ok=True)
        os.makedirs(layout.tf1_out, exist_ok=True)
        try:
            launch.run_all([task for task in tasks if not (args.port_only and task.tf1)], layout,
                           log=functools.partial(print, flush=True))
        except launch.ReproductionError as err:
            print(f"reproduce: {err}", file=sys.stderr)
            return 1
        except launch.Stopped as stop:
            print(f"reproduce: stopped ({stop}); give the same command again to continue", file=sys.stderr)
            return stop.exit_status
    # The table covers every row that has finished runs, whatever --only ran: a partial run never cuts it down.
    tasks = rows.plan(ROWS, args.seeds)
    statuses = launch.record_logs({task: rows.status(task, layout) for task in tasks}, layout)
    write_report(tasks, statuses, layout, layout.out)
    return 0

