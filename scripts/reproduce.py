"""Run all five tutorials with their defaults for several seeds, and tabulate against the authors.

    python scripts/reproduce.py --seeds 2        # about 45 minutes per seed on 2 CPU cores

Each run is ``python scripts/<tutorial>.py --seed S --json ...`` in its own process; its log
and metrics land in ``--out`` (default results/reproduce/). A run whose metrics file exists is
not run again, so an interrupted reproduction continues where it stopped. The table goes to
``<out>.md`` and everything to ``<out>.json``. Corrected variants get rows of their own.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from tf1_rnn import runs

SCRIPTS = os.path.dirname(os.path.abspath(__file__))

# label, script, extra flags, what the author printed, on which test images
RUNS = [
    ("bilstm_mnist", "bilstm_mnist", [], "0.9849", "full test set"),
    ("bilstm_mnist --readout ends (corrected)", "bilstm_mnist", ["--readout", "ends"], "-", "full test set"),
    ("lstm_mnist", "lstm_mnist", [], "0.9703 at step 2000", "full test set"),
    ("lstm_mnist --no-softmax-twice (corrected)", "lstm_mnist", ["--no-softmax-twice"], "-", "full test set"),
    ("lstm_mnist --dataset fashion_mnist", "lstm_mnist", ["--dataset", "fashion_mnist"], "-", "full test set"),
    ("rnn_mnist", "rnn_mnist", [], "none printed", "first 6000 test images"),
    ("birnn_mnist", "birnn_mnist", [], "0.992 at step 1000", "one next_batch(1000) of the test set"),
    ("dlstm_mnist", "dlstm_mnist", [], "none survives", "first 128 test images"),
]


def slug(label):
    return label.split(" (")[0].replace(" --", "-").replace(" ", "-")


def run_one(label, script, flags, seed, out, data_dir):
    metrics_path = os.path.join(out, f"{slug(label)}-seed{seed}.json")
    if os.path.exists(metrics_path):
        return json.load(open(metrics_path)), "kept"
    command = [sys.executable, os.path.join(SCRIPTS, script + ".py"), *flags, "--seed", str(seed),
               "--json", metrics_path, "--logdir", os.path.join(out, "logs", f"{slug(label)}-seed{seed}")]
    if data_dir:
        command += ["--data-dir", os.path.join(data_dir, "fashion_mnist" if "fashion" in label else "mnist")]
    with open(metrics_path[:-5] + ".log", "w") as log:
        status = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT)
    if status != 0:
        raise SystemExit(f"reproduce: {' '.join(command)} exited with {status}; see {log.name}")
    return json.load(open(metrics_path)), "ran"


def summarise(values):
    return f"{statistics.mean(values):.4f} [{min(values):.4f}, {max(values):.4f}]"


def table(rows, seeds):
    lines = [f"| tutorial | author printed (on) | ours, same test images: mean [min, max] over {seeds} seeds "
             "| ours, full 10000-image test set (mean) | wall time per run (mean) |",
             "|---|---|---|---|---|"]
    for label, author, subset, results in rows:
        same = summarise([r["test_accuracy"] for r in results])
        full = statistics.mean(r["full_test_accuracy"] for r in results)
        wall = statistics.mean(r["wall_seconds"] for r in results)
        lines.append(f"| `{label}` | {author} ({subset}) | {same} | {full:.4f} | {wall / 60:.1f} min |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=2, help="seeds 1..N for every tutorial (default: 2)")
    parser.add_argument("--only", nargs="*", default=None, metavar="ROW",
                        help="rows to run, by name: " + ", ".join(slug(r[0]) for r in RUNS) + " (default: all)")
    parser.add_argument("--out", default="results/reproduce", help="folder for logs and metrics "
                        "(default: results/reproduce; table in results/reproduce.md)")
    parser.add_argument("--data-dir", help="root holding mnist/ and fashion_mnist/ (default: the cache)")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    chosen = [r for r in RUNS if args.only is None or slug(r[0]) in args.only]
    os.makedirs(args.out, exist_ok=True)
    rows, total, began = [], len(chosen) * args.seeds, time.time()
    for i, (label, script, flags, author, subset) in enumerate(chosen):
        results = []
        for seed in range(1, args.seeds + 1):
            n = i * args.seeds + seed
            print(f"[{n}/{total}] {label}, seed {seed} ...", flush=True)
            metrics, how = run_one(label, script, flags, seed, args.out, args.data_dir)
            print(f"[{n}/{total}] {label}, seed {seed}: {metrics['test_accuracy']:.4f} "
                  f"({metrics['wall_seconds']:.0f} s, {how}; {time.time() - began:.0f} s so far)", flush=True)
            results.append(metrics)
        rows.append((label, author, subset, results))
    markdown = table(rows, args.seeds)
    runs.atomic_write(args.out.rstrip("/") + ".md", markdown.encode())
    runs.write_json(args.out.rstrip("/") + ".json", [
        {"label": label, "author_printed": author, "test_subset": subset, "runs": results}
        for label, author, subset, results in rows])
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
