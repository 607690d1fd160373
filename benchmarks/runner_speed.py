"""Third-party programs under the runner with their RNNs on the compiled kernels and on TensorFlow's ops.

    python -m benchmarks.runner_speed                    # the programs of SIZED, seeds 1 2 3; resumes
    python -m benchmarks.runner_speed --only chiphuyen-char-rnn-gist --seeds 1
    python -m benchmarks.runner_speed --corpus-shrinks --results results/runner_speed.json \
        --only aymericdamien-dynamic-rnn hunkim-lab12-4-rnn-long-char   # the corpus's own shrinks

By default each program of ``SIZED`` runs at its own model size, with only its number of steps
(or its data) cut so that training, not start-up, is what a run spends its time on; the cut is
there beside the program, and replaces the corpus's shrink. With ``--corpus-shrinks`` any corpus
program runs as ``benchmarks/corpus.py`` runs it (short, start-up heavy). Either way a program runs
as ``python -m tf1_rnn.run_legacy --rnn-impl auto|tf --seed S PROGRAM``, whole, once per seed and
implementation. The two implementations alternate, and which goes first alternates from seed to seed,
so a drift of the machine falls on both. Reported per program: the median wall time of each, their
ratio, and the program's own final number (the manifest's ``metric_regex``) over the seeds, with the
runner's line naming what ran on the kernel. Wall time is the whole process: Python, TensorFlow's
import, the data, graph building, the kernel's load and the training, as a user waits for it.
Results (JSON, resumable) and a markdown table beside them; logs (their first 100 and last 400
lines) in NAME_logs/.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile

from benchmarks import corpus

DEFAULT_RESULTS = "results/runner_speed_sized.json"

# Programs at their own model sizes: {the id results use: (the corpus entry, what replaces its
# fields)}; "args" are added to its arguments. LSTM and GRU, static and dynamic, char-level, seq2seq.
SHAKESPEARE = "sherjilozair__char-rnn-tensorflow/head/data/tinyshakespeare/input.txt"
SIZED = {
    # static_rnn LSTM(64) with sequence_length, batch 128: 3,000 of its 10,000 steps
    "aymericdamien-dynamic-rnn": ("aymericdamien-dynamic-rnn", {
        "shrink": [{"sed": "s/training_steps = 10000/training_steps = 3000/"}]}),
    # dynamic_rnn LSTM(256), batch 500 x 200 steps, T unknown at graph time: 1 of its 10 epochs
    "udacity-sentiment-rnn-nb": ("udacity-sentiment-rnn-nb", {"shrink": [{"sed": "s/epochs = 10/epochs = 1/"}]}),
    # dynamic_rnn GRU(200), batch 64 x 50, T unknown: one pass over 1.1 MB (tinyshakespeare as one line)
    "chiphuyen-char-rnn-gist": ("chiphuyen-char-rnn-gist", {
        "stand_in": [{"file": "../data/arvix_abstracts.txt", "src": SHAKESPEARE}],
        "shrink": [{"file": "../data/arvix_abstracts.txt", "sed": ":a;N;$!ba;s/\\n/ /g"}]}),
    # rnn_decoder over 2 x LSTM(128), batch 50 x 50: 1 epoch of the whole tinyshakespeare (446 batches)
    "sherjilozair-char-rnn-train": ("sherjilozair-char-rnn-train", {"shrink": [{"mkdir": "save"}],
                                                                    "args": ["--num_epochs", "1"]}),
    # rnn_decoder over 3 x LSTM(128), batch 100 x 50: 1 of its 10 epochs
    "nfmcclure-stacked-lstm-shakespeare": ("nfmcclure-stacked-lstm-shakespeare", {
        "shrink": [{"sed": "s/^epochs = 10 /epochs = 1 /"}]}),
    # rnn_decoder over 2 x GRU(256), words, batch 50 x 25: its own --model gru, 3 epochs of 3,000 lines
    "hunkim-word-rnn-train-gru": ("hunkim-word-rnn-train", {
        "shrink": [{"mkdir": "save"}, {"file": "data/tinyshakespeare/input.txt", "sed": "3001,$d"}],
        "args": ["--model", "gru", "--num_epochs", "3"]}),
    # seq2seq: dynamic_rnn encoder and decoder, LSTM(20), batch 100: all of its 3,001 batches
    "ematvey-1-seq2seq-nb": ("ematvey-1-seq2seq-nb", {"shrink": []}),
    # seq2seq: 2 x LSTM(50) encoder (dynamic_rnn), contrib.seq2seq decoder: 10 of its 60 epochs
    "nelsonzhao-seq2seq-char-nb": ("nelsonzhao-seq2seq-char-nb", {"shrink": [{"sed": "s/epochs = 60/epochs = 10/"}]}),
}

IMPLS = ("tf", "auto")
ACCELERATED = re.compile(r"^run_legacy: (.+) on the compiled kernel", re.MULTILINE)


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", default=corpus.DEFAULT_MANIFEST, help="the corpus manifest")
    parser.add_argument("--results", default=DEFAULT_RESULTS, help=f"results JSON (default {DEFAULT_RESULTS})")
    parser.add_argument("--only", nargs="+", metavar="ID", help="the programs to time (default: all of SIZED)")
    parser.add_argument("--corpus-shrinks", action="store_true",
                        help="run corpus programs with the corpus's shrinks instead of SIZED's cuts")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3], help="runner seeds (default 1 2 3)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run (default 900)")
    return parser.parse_args(argv)


def run_once(entry, corpus_dir, impl, seed, timeout, log_dir):
    """One whole run of ``entry`` with ``--rnn-impl impl``; its record."""
    scratch = tempfile.mkdtemp(prefix=f"speed-{entry['id']}-")
    try:
        program, cwd = corpus.prepare(entry, corpus_dir, scratch)
        argv = corpus.command(entry, program, seed)
        argv[3:3] = ["--rnn-impl", impl]  # after "-m tf1_rnn.run_legacy"
        status, seconds, output = corpus.execute(argv, cwd, corpus.environment(entry, program), entry.get("stdin"),
                                                 timeout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    with open(os.path.join(log_dir, f"{entry['id']}-{impl}-seed{seed}.log"), "w") as f:
        f.write(shortened(output))
    accelerated = ACCELERATED.findall(output)
    return {"id": entry["id"], "impl": impl, "seed": seed, "exit_status": status, "wall_s": round(seconds, 2),
            "metric": corpus.scrape_metric(entry.get("metric_regex"), output),
            "accelerated": accelerated[-1] if accelerated else None}


def shortened(output, head=100, tail=400):
    """A log's first and last lines (a program that prints every step writes megabytes)."""
    lines = output.splitlines(keepends=True)
    if len(lines) <= head + tail:
        return output
    return "".join(lines[:head] + [f"[... {len(lines) - head - tail} lines left out ...]\n"] + lines[-tail:])


def summary(entry, records):
    """One table row (medians, ratio, the metric over seeds, what the kernel ran), and the ratio
    (None where either implementation has no successful run)."""
    by_impl = {impl: [r for r in records if r["impl"] == impl and r["exit_status"] == 0] for impl in IMPLS}
    walls = {impl: statistics.median(r["wall_s"] for r in rows) if rows else None for impl, rows in by_impl.items()}
    ratio = walls["tf"] / walls["auto"] if walls["tf"] and walls["auto"] else None

    def spread(rows):
        values = [r["metric"] for r in rows if isinstance(r["metric"], float)]
        if not values:
            return "-"
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.4g} ± {sd:.2g} ({len(values)})"
    accelerated = next((r["accelerated"] for r in by_impl["auto"] if r["accelerated"]), "nothing")
    failed = [f"{r['impl']} seed {r['seed']}" for r in records if r["exit_status"] != 0]
    row = (f"| {entry['id']} | {entry['kind']} | {accelerated} | {_s(walls['tf'])} | {_s(walls['auto'])} | "
           f"{f'{ratio:.2f}x' if ratio else '-'} | {spread(by_impl['tf'])} | {spread(by_impl['auto'])} | "
           f"{', '.join(failed) or '-'} |")
    return row, ratio


def _s(value):
    return "-" if value is None else f"{value:.1f}"


def table(manifest, results):
    rows = ["| program | kind | on the kernel (auto) | wall s, tf (median) | wall s, auto (median) | speed-up | "
            "final number, tf: mean ± sd (seeds) | final number, auto | failed runs |",
            "|---|---|---|---|---|---|---|---|---|"]
    ratios = []
    for entry in manifest:
        records = [r for r in results if r["id"] == entry["id"]]
        if records:
            row, ratio = summary(entry, records)
            rows.append(row)
            if ratio:
                ratios.append(ratio)
    if ratios:
        rows.append(f"\nMedian speed-up over {len(ratios)} programs: {statistics.median(ratios):.2f}x "
                    f"(each program's ratio of median wall times, tf over auto).")
    return "\n".join(rows) + "\n"


def sized(manifest):
    """SIZED's programs as manifest entries: each its corpus entry, cut as SIZED says."""
    by_id = {entry["id"]: entry for entry in manifest}
    entries = []
    for name, (source, changes) in SIZED.items():
        if source in by_id:
            entry = dict(by_id[source], id=name, **{k: v for k, v in changes.items() if k != "args"})
            entry["args"] = entry["args"] + changes.get("args", [])
            entries.append(entry)
    return entries


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    manifest = corpus.load_manifest(args.manifest)
    if not args.corpus_shrinks:
        manifest = sized(manifest)
    args.only = args.only or [entry["id"] for entry in manifest]
    if not corpus.known_ids(manifest, args.only, args.manifest, "runner_speed"):
        return 2
    corpus_dir = os.path.dirname(os.path.abspath(args.manifest))
    log_dir = corpus.logs_beside(args.results)
    results = json.load(open(args.results)) if os.path.exists(args.results) else []
    done = {(r["id"], r["impl"], r["seed"]) for r in results}
    chosen = [e for e in manifest if e["id"] in args.only]
    for entry in chosen:
        for turn, seed in enumerate(args.seeds):
            for impl in (IMPLS if turn % 2 == 0 else IMPLS[::-1]):  # who goes first alternates
                if (entry["id"], impl, seed) in done:
                    continue
                record = run_once(entry, corpus_dir, impl, seed, args.timeout, log_dir)
                print(f"{entry['id']} {impl} seed {seed}: exit {record['exit_status']}, {record['wall_s']} s, "
                      f"metric {record['metric']}, kernel: {record['accelerated']}", flush=True)
                results.append(record)
                with open(args.results, "w") as f:  # after each run: an interrupted benchmark resumes here
                    json.dump(results, f, indent=1)
    with open(os.path.splitext(args.results)[0] + ".md", "w") as f:
        f.write(table(manifest, results))
    print(table(manifest, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
