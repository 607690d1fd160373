"""The runner against a corpus of third-party TF 0.x/1.x RNN programs, each run unmodified but shrunk.

    python -m benchmarks.corpus --list                       # the programs in the manifest
    python -m benchmarks.corpus --only hunkim-lab12-1-hello-rnn  # one program (or several ids)
    python -m benchmarks.corpus                              # every program not yet in the results
    python -m benchmarks.corpus --rerun --timeout 600        # all again, a longer limit each

The manifest (default /work/corpus/manifest.json) lists each program: where its copy lies, the
command-line arguments, and how to shrink its training to a short run. Each run
copies the program's repository folder into a scratch directory, puts its data stand-ins in place
(``stand_in``: corpus files copied to the paths the program reads), applies the shrink (``sed``
expressions on the working copy, extra flags), and runs

    python -m tf1_rnn.run_legacy --seed 1 PROGRAM ARGS

from the program's folder (or ``cwd`` relative to it), with ``stdin`` fed and ``pythonpath``
entries added where given. The results (exit status, wall time, the last lines of output, the
runner's one-line error, the number ``metric_regex`` finds last) go to a JSON file that later runs
resume from, and a markdown table beside it (full logs in NAME_logs/). A failure the manifest gives a
``known_issue`` for (broken as published, on TF 1.x too) is marked so. Python's standard library only.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

DEFAULT_MANIFEST = "/work/corpus/manifest.json"
DEFAULT_RESULTS = "results/corpus.json"
TAIL_LINES = 15
RUNNER_ERROR = re.compile(r"^run_legacy: error: .*$", re.MULTILINE)


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", default=DEFAULT_MANIFEST,
                        help=f"the corpus manifest (default {DEFAULT_MANIFEST})")
    parser.add_argument("--results", default=DEFAULT_RESULTS, help="results JSON; the table goes beside it as .md, "
                        f"full logs in NAME_logs/ (default {DEFAULT_RESULTS})")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these ids (default: all)")
    parser.add_argument("--rerun", action="store_true", help="run ids that already have results again")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per program (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="the runner's --seed (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep each scratch copy and print where it is")
    parser.add_argument("--list", action="store_true", help="list the manifest's programs and exit")
    return parser.parse_args(argv)


def load_manifest(path):
    with open(path) as f:
        return json.load(f)


def load_results(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {result["id"]: result for result in json.load(f)}


def save_results(path, manifest, results):
    """The JSON results in manifest order, and the markdown table beside them."""
    ordered = [results[entry["id"]] for entry in manifest if entry["id"] in results]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(ordered, f, indent=1, ensure_ascii=False)
    with open(os.path.splitext(path)[0] + ".md", "w") as f:
        f.write(table(manifest, results))


def prepare(entry, corpus, scratch):
    """Copy the program's repository folder into ``scratch``; returns (program, working directory)."""
    top = entry["path"].split("/")[0]  # owner__repo: programs may read ../ inside their repository
    shutil.copytree(os.path.join(corpus, top), os.path.join(scratch, top), symlinks=True)
    program = os.path.join(scratch, entry["path"])
    folder = os.path.dirname(program)
    for stand_in in entry["stand_in"]:
        target = os.path.normpath(os.path.join(folder, stand_in["file"]))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(corpus, stand_in["src"]), target)
    for step in entry["shrink"]:
        if "mkdir" in step:  # a folder the repository had empty, which git does not keep
            os.makedirs(os.path.join(folder, step["mkdir"]), exist_ok=True)
        if "sed" in step:
            target = os.path.join(folder, step.get("file", os.path.basename(program)))
            subprocess.run(["sed", "-i", "-e", step["sed"], target], check=True)
    return program, os.path.normpath(os.path.join(folder, entry.get("cwd") or "."))


def command(entry, program, seed):
    extra = [arg for step in entry["shrink"] for arg in step.get("args", [])]
    return [sys.executable, "-m", "tf1_rnn.run_legacy", "--seed", str(seed), program, *entry["args"], *extra]


def environment(entry, program):
    """This environment, with the entry's pythonpath (relative to the program) and tf1_rnn importable."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folder = os.path.dirname(program)
    paths = [os.path.normpath(os.path.join(folder, p)) for p in entry["pythonpath"]] + [repo_root]
    env["PYTHONPATH"] = os.pathsep.join(paths + [env["PYTHONPATH"]] if env.get("PYTHONPATH") else paths)
    return env


def execute(argv, cwd, env, stdin_text, timeout):
    """Run ``argv``; returns (exit status or None on timeout, seconds, combined output)."""
    start = time.monotonic()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE if stdin_text else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = process.communicate(stdin_text.encode() if stdin_text else None, timeout=timeout)
        status = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the runner's notebook kernel is a child: end the whole group
        output, _ = process.communicate()
        status = None
    return status, time.monotonic() - start, output.decode("utf-8", errors="replace")


def scrape_metric(regex, output):
    """The last match of ``regex``'s first group in ``output``, as a float where it is one."""
    if not regex:
        return None
    matches = re.findall(regex, output, flags=re.MULTILINE)
    if not matches:
        return None
    last = matches[-1][0] if isinstance(matches[-1], tuple) else matches[-1]
    try:
        return float(last)
    except ValueError:
        return last.strip()


def outcome(status, runner_error):
    if status is None:
        return "timeout"
    if status == 0:
        return "pass"
    return "runner-error" if runner_error else "fail"


def run_entry(entry, corpus, args, log_dir):
    """Prepare, run and judge one program; returns its result record."""
    scratch = tempfile.mkdtemp(prefix=f"corpus-{entry['id']}-")
    try:
        program, cwd = prepare(entry, corpus, scratch)
        argv = command(entry, program, args.seed)
        status, seconds, output = execute(argv, cwd, environment(entry, program), entry.get("stdin"), args.timeout)
    finally:
        if args.keep:
            print(f"  scratch copy kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    with open(os.path.join(log_dir, entry["id"] + ".log"), "w") as f:
        f.write(output)
    errors = RUNNER_ERROR.findall(output)
    return {"id": entry["id"], "outcome": outcome(status, errors), "exit_status": status, "wall_s": round(seconds, 1),
            "runner_era": runner_era(output),
            "runner_error": errors[-1] if errors else None, "known_issue": entry.get("known_issue"),
            "metric": scrape_metric(entry.get("metric_regex"), output),
            "command": " ".join(argv[1:]).replace(scratch + "/", ""), "tail": output.splitlines()[-TAIL_LINES:]}


def runner_era(output):
    """The era the runner chose, from its line (``run_legacy: running as TF 0.x: ...``); none printed is 1.x."""
    found = re.search(r"^run_legacy: running as ([^:]+):", output, flags=re.MULTILINE)
    return found.group(1) if found else "TF 1.x"


def era(entry):
    return (entry.get("tf_era_claimed") or "?").split(" (")[0]


def number(value):
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def brief(line, width=100):
    """The runner's error line without its prefix, cut to ``width`` characters for the table."""
    text = line.replace("run_legacy: error: ", "", 1).replace("|", "/")
    return text if len(text) <= width else text[:width - 3] + "..."


def table(manifest, results):
    """Markdown: one row per program that has a result, then counts by outcome."""
    rows = ["| id | repo | kind | era claimed | runner ran it as | outcome | final number vs author's | wall s |",
            "|---|---|---|---|---|---|---|---|"]
    counts = {}
    for entry in manifest:
        result = results.get(entry["id"])
        if result is None:
            continue
        counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
        author = (entry.get("author_number") or {}).get("value")
        shown = result["outcome"] + (f": `{brief(result['runner_error'])}`" if result["runner_error"] else "")
        if result["outcome"] != "pass" and entry.get("known_issue"):
            shown += " (known issue as published)"
        rows.append(f"| {entry['id']} | {entry['repo']} | {entry['kind']} | {era(entry)} | "
                    f"{result.get('runner_era', '-')} | {shown} | "
                    f"{number(result['metric'])} vs {number(author)} | {result['wall_s']} |")
    summary = ", ".join(f"{name}: {count}" for name, count in sorted(counts.items()))
    return "\n".join(rows) + f"\n\n{sum(counts.values())} programs run ({summary}).\n"


def known_ids(manifest, ids, manifest_path, prog):
    """True when every id is in the manifest; else False after one error line naming the others."""
    unknown = sorted(set(ids) - {entry["id"] for entry in manifest})
    if unknown:
        print(f"{prog}: error: no such id in {manifest_path}: {', '.join(unknown)}", file=sys.stderr)
    return not unknown


def logs_beside(results_path):
    """The folder for the full logs, beside the results file (made if missing)."""
    log_dir = os.path.splitext(results_path)[0] + "_logs"
    os.makedirs(log_dir, exist_ok=True)
    return log_dir


def list_entries(manifest):
    for entry in manifest:
        kind = "notebook" if entry["path"].endswith(".ipynb") else "script"
        print(f"{entry['id']:45} {entry['kind']:22} {era(entry):10} py{entry['python']} {kind:8} {entry['repo']}")
    print(f"{len(manifest)} programs from {len({e['repo'] for e in manifest})} repositories")


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    manifest = load_manifest(args.manifest)
    if args.list:
        list_entries(manifest)
        return 0
    if not known_ids(manifest, args.only or [], args.manifest, "corpus"):
        return 2
    corpus = os.path.dirname(os.path.abspath(args.manifest))
    log_dir = logs_beside(args.results)
    results = load_results(args.results)
    wanted = [e for e in manifest if not args.only or e["id"] in args.only]
    chosen = [e for e in wanted if args.rerun or e["id"] not in results]
    if len(chosen) < len(wanted):
        print(f"{len(wanted) - len(chosen)} already in {args.results}: skipped (--rerun runs them again)")
    for index, entry in enumerate(chosen, 1):
        print(f"[{index}/{len(chosen)}] {entry['id']} ...", flush=True)
        results[entry["id"]] = run_entry(entry, corpus, args, log_dir)
        result = results[entry["id"]]
        print(f"  {result['outcome']} in {result['wall_s']} s, metric {number(result['metric'])}"
              + (f"\n  {result['runner_error']}" if result["runner_error"] else ""), flush=True)
        save_results(args.results, manifest, results)  # after each program: an interrupted run resumes here
    save_results(args.results, manifest, results)
    print(table(manifest, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
