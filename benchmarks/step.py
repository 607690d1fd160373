"""Training speed of the five tutorial models (and lstm_mnist with a GRU) on equal work: tf1_rnn (cell,
fused, compiled), the plain TF 1.x graph, Keras 3 and PyTorch, against the matmul roofline.

    python -m benchmarks.step --json results/benchmark.json   # all models (docs/speed.md has a run)
    python -m benchmarks.step --models rnn,bilstm --repeats 3
    python -m benchmarks.step --quick                          # smoke test: tiny rnn model, seconds
    python -m benchmarks.step --models gru --systems compiled,tf1,keras,torch   # the GRU row

Every system trains the same model on one fixed random batch of the tutorial's shapes
(batch, 28 rows of 28 pixels, hidden units, optimizer): the work the tutorial's graph does.
Where the published readout needs less than a full bidirectional LSTM (the BiLSTM reads
``outputs[-1]``, where the backward LSTM has read one row; the BiRNN reads ``outputs[14]``),
Keras and PyTorch run exactly the steps it needs, as separate LSTMs over those rows (see
``benchmarks/workers.py``). The ``gru`` model is lstm_mnist's ``--cell gru``: tf1_rnn runs it on
the compiled GRU op only (cell and fused are LSTMs: skipped), the plain TF1 graph with
``GRUCell``, Keras with ``GRU(reset_after=False)`` (GRUCell's function), PyTorch with ``nn.GRU``
(reset after the recurrent matmul: the same FLOPs). Systems alternate: each repeat times every
system once (in rotating order) for ``--samples`` training examples; the table shows medians
over ``--repeats``.

Roofline (``benchmarks/roofline.py``): the model's FLOPs per training step (3x the forward matmuls)
over numpy's matmul throughput at the recurrent step's shape ([batch, input + H] x [input + H, 4H],
3H for the GRU), measured in the same run; a system's percentage is that ideal time over its
measured step time.
Keras 3 and PyTorch run in worker processes (Keras 3 cannot share a process with tf1_rnn);
PyTorch is skipped with a note when not installed (``pip install -e '.[bench]'``).
"""
import argparse
import dataclasses
import importlib.util
import os
import sys
import tempfile
import time

import numpy as np

from tf1_rnn import compat

compat.enable_tf1()  # an entry point: TF1 graph mode, switched on before TensorFlow loads
from benchmarks import graphs as bench_graphs  # noqa: E402
from benchmarks import roofline  # noqa: E402
from benchmarks.workers import Worker, Workload  # noqa: E402
from tf1_rnn.compat import tf  # noqa: E402
from tf1_rnn.lstm.compiled import build as kernels  # noqa: E402
from tf1_rnn.training import runs  # noqa: E402
from tf1_rnn.tutorials import configs  # noqa: E402
from tf1_rnn.tutorials.cli import OneLineParser  # noqa: E402

SYSTEMS = {"cell": "tf1_rnn cell", "fused": "tf1_rnn fused", "compiled": "tf1_rnn compiled",
           "tf1": "plain TF1 graph", "keras": "Keras 3", "torch": "PyTorch"}
PRUNED = "Keras, PyTorch: a forward LSTM over rows {fw} and a second LSTM over rows {bw} read last to first"
MODELS = {  # name: (builder, config, workload beyond the config's sizes)
    "bilstm": ("build_bilstm", configs.BiLSTMConfig(), dict(
        bw_steps=1, note="published readout outputs[-1]: the backward LSTM runs 1 step. "
        + PRUNED.format(fw="0-27", bw="27"))),
    "bilstm_ends": ("build_bilstm", configs.BiLSTMConfig(readout="ends"), dict(
        bw_steps=28, note="--readout ends: both directions run 28 steps (Keras Bidirectional, "
        "PyTorch bidirectional=True)")),
    "lstm": ("build_lstm", configs.LSTMConfig(), dict(
        note="dropout on the output, softmax twice; Keras Dropout, PyTorch F.dropout on the last output")),
    "rnn": ("build_rnn", configs.RNNConfig(), dict(optimizer="sgd", note="one LSTM, gradient descent")),
    "birnn": ("build_birnn", configs.BiRNNConfig(), dict(
        fw_steps=15, bw_steps=14, note="readout outputs[14]: forward 15 steps, backward 14. "
        + PRUNED.format(fw="0-14", bw="14-27"))),
    "dlstm": ("build_dlstm", configs.DLSTMConfig(), dict(
        bw_steps=28, note="fed sequence_length: both directions run 28 steps; Keras, PyTorch: full "
        "bidirectional LSTM, all lengths 28, no mask")),
    "gru": ("build_lstm", configs.LSTMConfig(cell="gru"), dict(
        note="lstm_mnist --cell gru: GRUCell (reset before the recurrent matmul), dropout, softmax twice; "
        "tf1_rnn on the compiled GRU op (cell, fused: LSTMs only); Keras GRU(reset_after=False); PyTorch "
        "nn.GRU resets after the recurrent matmul (same FLOPs, a slightly different function)")),
}
NO_GRU = "tf1_rnn's cell and fused implementations are LSTMs; its GRU runs on the compiled op"
QUICK = dict(models=["rnn"], batch=16, hidden=16, samples=32, warmup=1, repeats=2)


def workload(name, cfg, extra):
    return Workload(name=name, batch=cfg.batch_size, hidden=cfg.n_hidden, learning_rate=cfg.learning_rate,
                    dropout=round(1 - getattr(cfg, "keep_prob", 1.0), 6),
                    softmax_twice=getattr(cfg, "softmax_twice", False), cell=getattr(cfg, "cell", "lstm"),
                    projection=2 * cfg.n_hidden if name == "dlstm" else 0, **extra)


def start_systems(name, systems, cfg, work, warmup, log):
    """{system: timer or the reason it is missing}; tf1_rnn graphs are built here, workers started."""
    builder = MODELS[name][0]
    started = {}
    for system in systems:
        try:
            if system == "compiled" and kernels.load() is None:
                started[system] = "the compiled kernels cannot be built here"
            elif system in ("cell", "fused") and work.cell == "gru":
                started[system] = NO_GRU
            elif system == "compiled" and work.cell == "gru":
                started[system] = bench_graphs.GraphSystem(bench_graphs.compiled_gru_graph(cfg, work), warmup)
            elif system in ("cell", "fused", "compiled"):
                started[system] = bench_graphs.GraphSystem(bench_graphs.tf1_rnn_graph(builder, cfg, system, work),
                                                           warmup)
            elif system == "tf1":
                started[system] = bench_graphs.GraphSystem(bench_graphs.plain_tf1_graph(work), warmup)
            elif system == "torch" and importlib.util.find_spec("torch") is None:
                started[system] = "torch not installed (pip install -e '.[bench]')"
            else:
                started[system] = Worker(system, work, warmup)
        except (RuntimeError, tf.errors.OpError) as err:
            started[system] = f"failed: {err}"
        if isinstance(started[system], str):
            log(f"  {SYSTEMS[system]}: skipped, {started[system]}")
    return started


def measure(name, systems, args, log):
    builder, cfg, extra = MODELS[name]
    if args.quick:
        cfg = dataclasses.replace(cfg, batch_size=QUICK["batch"], n_hidden=QUICK["hidden"])
    cfg = dataclasses.replace(cfg, seed=0)
    work = workload(name, cfg, extra)
    steps = max(1, round(args.samples / work.batch))
    log(f"{name}: batch {work.batch}, H={work.hidden}, {steps} steps per measurement")
    gflops = roofline.matmul_gflops(*roofline.matmul_shape(work))
    ideal_ms = roofline.flops(work) / gflops / 1e6
    started = start_systems(name, systems, cfg, work, args.warmup, log)
    timers = [s for s in systems if not isinstance(started[s], str)]
    times = {s: [] for s in timers}
    try:
        for repeat in range(args.repeats):
            shift = repeat % len(timers) if timers else 0
            for system in timers[shift:] + timers[:shift]:  # rotate, so no system always runs first
                times[system].append(1000 * started[system].time(steps) / steps)
        # Traced after the timing: tracing slows a step, so these show shares, not speed.
        profiles = {s: started[s].profile(args.profile) for s in timers
                    if args.profile and hasattr(started[s], "profile")}
    finally:
        for timer in started.values():
            if not isinstance(timer, str):
                timer.close()
    results = {}
    for system in systems:
        if isinstance(started[system], str):
            results[system] = {"skipped": started[system]}
            continue
        ms = float(np.median(times[system]))
        results[system] = {"ms_per_step": ms, "all_ms": times[system], "samples_per_second": work.batch * 1000 / ms,
                           "roofline_percent": 100 * ideal_ms / ms,
                           "version": getattr(started[system], "version", f"TensorFlow {tf.__version__}")}
        if system in profiles:
            results[system]["op_ms_per_step"] = profiles[system]
    return {"workload": dataclasses.asdict(work), "gflop_per_step": roofline.flops(work) / 1e9,
            "steps_per_measurement": steps, "matmul_gflops": gflops, "ideal_ms": ideal_ms, "systems": results}


def profile_lines(report, top=6):
    """Per model and traced system: the op types that took the most of a step, as shares."""
    lines = []
    for name, model in report["models"].items():
        for system, result in model["systems"].items():
            ops = result.get("op_ms_per_step")
            if ops:
                total = sum(ops.values())
                shares = ", ".join(f"{op} {100 * ms / total:.0f}%" for op, ms in list(ops.items())[:top])
                lines.append(f"- {name}, {SYSTEMS[system]}: {total:.1f} ms of kernels per traced step: {shares}")
    return lines


def table(report, systems):
    """Markdown: ms/step and samples/s per system, the roofline, and fused's speed-ups."""
    head = ["model", "GFLOP/step", "roofline ms"] + [SYSTEMS[s] for s in systems]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, model in report["models"].items():
        cells = [name, f"{model['gflop_per_step']:.2f}", f"{model['ideal_ms']:.1f}"]
        for system in systems:
            r = model["systems"][system]
            cells.append("skipped" if "skipped" in r else
                         f"{r['ms_per_step']:.1f} ms, {r['samples_per_second']:.0f}/s, {r['roofline_percent']:.0f}%")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Cells: median ms per training step, samples/s, % of the matmul roofline. Work per model:")
    lines += [f"- {name}: {model['workload']['note']}" for name, model in report["models"].items()]
    for base in [s for s in ("fused", "compiled") if s in systems]:
        lines += ["", f"{base} speed-up (other system's ms/step over {base}'s):"]
        for name, model in report["models"].items():
            ms = model["systems"][base].get("ms_per_step")
            ratios = [f"{SYSTEMS[s]} {model['systems'][s]['ms_per_step'] / ms:.2f}x" for s in systems
                      if s != base and ms and "ms_per_step" in model["systems"][s]]
            lines.append(f"- {name}: " + (", ".join(ratios) or "-"))
    return "\n".join(lines)


def checkpoint_seconds():
    """Median seconds of one tf1_rnn checkpoint of the BiLSTM (weights, Adam slots, data-order state)."""
    from tf1_rnn.tutorials import models
    from tf1_rnn.training import loop as train

    with tempfile.TemporaryDirectory() as tmp:
        session = train.TrainingSession(models.build_bilstm, configs.BiLSTMConfig(seed=0), runs.RunDir(tmp))
        state = {"order": np.arange(55000), "index_in_epoch": 0, "epochs_completed": 0,
                 "rng": np.random.default_rng(0).bit_generator.state}
        saves = []
        for step in range(1, 6):
            start = time.perf_counter()
            session.checkpoint(step, state)
            saves.append(time.perf_counter() - start)
        session.close()
    return float(np.median(saves))


def names(parser, text, known, flag):
    chosen = [n for n in text.split(",") if n]
    if not chosen or any(n not in known for n in chosen):
        parser.error(f"{flag} takes a comma-separated list of {', '.join(known)}; got {text!r}")
    return chosen


def main(argv=None):
    parser = OneLineParser(prog="benchmark", description=__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", help=f"comma-separated, of {', '.join(MODELS)} (default: all; "
                        "with --quick: rnn)")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated, of {', '.join(SYSTEMS)} (default: all)")
    parser.add_argument("--samples", type=int, default=3840,
                        help="training examples per measurement (default: 3840, 30 steps at batch 128)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps per system first (default: 10)")
    parser.add_argument("--repeats", type=int, default=5, help="measurements per system, alternating (default: 5)")
    parser.add_argument("--no-checkpoint", action="store_true", help="skip timing a checkpoint")
    parser.add_argument("--quick", action="store_true", help="smoke test: batch 16, H=16, 2 steps, 2 repeats, "
                        "no checkpoint, the rnn model unless --models says otherwise")
    parser.add_argument("--profile", type=int, default=0, metavar="STEPS",
                        help="also trace STEPS steps of each TensorFlow graph and report the time per op type")
    parser.add_argument("--json", metavar="PATH", help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    if min(args.samples, args.warmup + 1, args.repeats) < 1:
        parser.error("--samples and --repeats must be at least 1, --warmup at least 0")
    default_models = QUICK["models"] if args.quick else list(MODELS)
    models_ = names(parser, args.models, MODELS, "--models") if args.models else default_models
    systems = names(parser, args.systems, SYSTEMS, "--systems")
    if args.quick:
        args.samples, args.warmup, args.repeats = QUICK["samples"], QUICK["warmup"], QUICK["repeats"]
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731 (progress; the table is stdout)
    report = {"cpu_count": os.cpu_count(), "tensorflow": tf.__version__, "samples": args.samples,
              "warmup": args.warmup, "repeats": args.repeats, "quick": args.quick,
              "models": {name: measure(name, systems, args, log) for name in models_}}
    if not (args.quick or args.no_checkpoint):
        report["checkpoint_seconds"] = checkpoint_seconds()
    print(table(report, systems))
    if args.profile:
        print("\nWhere the time goes (TensorFlow's step trace; kernels on two cores overlap):")
        print("\n".join(profile_lines(report)))
    if "checkpoint_seconds" in report:
        print(f"\nOne tf1_rnn checkpoint of the BiLSTM: {1000 * report['checkpoint_seconds']:.0f} ms")
    if args.json:
        runs.write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
