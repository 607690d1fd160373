"""The benchmarks run as modules from the repository root: a smoke test of each, on tiny work."""
import dataclasses
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

if ROOT not in sys.path:  # the benchmarks are not installed; they import from the repository root
    sys.path.insert(0, ROOT)
from benchmarks import roofline  # noqa: E402
from benchmarks.workers import N_INPUT, N_STEPS, Workload  # noqa: E402


def run_module(name, *args):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", name, *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_benchmark_quick_times_fused_and_keras(tmp_path):
    """python -m benchmarks.step --quick end to end: a tf1_rnn graph, a Keras 3 worker process, the JSON."""
    out = tmp_path / "bench.json"
    done = run_module("benchmarks.step", "--quick", "--systems", "fused,tf1,keras", "--profile", "1", "--json", out)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| rnn |" in done.stdout and "Keras 3" in done.stdout
    systems = json.loads(out.read_text())["models"]["rnn"]["systems"]
    assert systems["keras"]["version"].startswith("Keras 3")
    for result in systems.values():
        assert len(result["all_ms"]) == 2 and result["ms_per_step"] > 0 and 0 < result["roofline_percent"] < 100
    # --profile traces the TensorFlow graph only; the fused backward's step kernel is among its ops.
    assert "op_ms_per_step" not in systems["keras"]
    ops = systems["fused"]["op_ms_per_step"]
    assert ops["LSTMBlockCellGrad"] > 0 and any("MatMul" in op for op in ops)
    assert "- rnn, tf1_rnn fused:" in done.stdout


def test_benchmark_quick_gru_row_times_the_compiled_gru_and_the_tf1_graph(tmp_path):
    """The gru model: lstm_mnist --cell gru on the compiled GRU op and TF1's GRUCell; cell/fused skipped."""
    out = tmp_path / "bench.json"
    done = run_module("benchmarks.step", "--quick", "--models", "gru", "--systems", "fused,compiled,tf1",
                      "--json", out)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| gru |" in done.stdout and "nn.GRU resets after the recurrent matmul" in done.stdout
    model = json.loads(out.read_text())["models"]["gru"]
    assert model["workload"]["cell"] == "gru" and model["workload"]["dropout"] == 0.5
    assert model["workload"]["softmax_twice"]
    assert "LSTMs" in model["systems"]["fused"]["skipped"]
    for system in ("compiled", "tf1"):
        result = model["systems"][system]
        assert len(result["all_ms"]) == 2 and result["ms_per_step"] > 0 and result["roofline_percent"] > 0


def test_roofline_counts_three_gate_blocks_for_a_gru():
    lstm = Workload("x", batch=128, hidden=256, dropout=0.5)
    gru = dataclasses.replace(lstm, cell="gru")
    head = roofline.flops(dataclasses.replace(lstm, fw_steps=0))  # the readout's matmuls alone
    assert roofline.flops(gru) - head == 3 * 2 * 128 * (N_INPUT + 256) * 3 * 256 * N_STEPS
    assert roofline.flops(gru) - head == 3 / 4 * (roofline.flops(lstm) - head)
    assert roofline.matmul_shape(gru) == (128, N_INPUT + 256, 3 * 256)


def test_compiled_gru_and_tf1_gru_cell_graphs_agree_on_the_same_weights():
    """The benchmark's compiled GRU graph and plain TF1 GRUCell graph compute the same loss and step.

    Batch 64: on two or more cores the compiled GRU runs as two parts of the batch.
    """
    from tf1_rnn.compat import tf
    from tf1_rnn.lstm.compiled import build
    from benchmarks import graphs
    from benchmarks.step import MODELS, workload

    if build.load() is None:
        pytest.skip("the compiled kernels cannot be built here")
    _, cfg, extra = MODELS["gru"]
    cfg = dataclasses.replace(cfg, batch_size=64, n_hidden=16, seed=0, softmax_twice=False)
    work = workload("gru", cfg, extra)
    compiled = graphs.GraphSystem(graphs.compiled_gru_graph(cfg, work), warmup=0)
    tf1 = graphs.GraphSystem(graphs.plain_tf1_graph(work), warmup=0)
    try:
        # The TF1 graph's weights (its output layer random_normal: logits far from uniform) into the compiled one.
        with tf1.graph.as_default():
            weights = {v.op.name: tf1.sess.run(v) for v in tf.trainable_variables()}
        with compiled.graph.as_default():
            variables = {v.op.name: v for v in tf.trainable_variables()}
        assert sorted(variables) == sorted(weights)  # GRUCell's names: rnn/gru_cell/..., Variable, Variable_1
        for name, variable in variables.items():
            variable.load(weights[name], compiled.sess)
        losses = []
        for system in (compiled, tf1):
            before = system.sess.run(system.step.loss, system.step.feed_no_dropout)
            system.sess.run(system.step.train_op, system.step.feed_no_dropout)
            losses.append((before, system.sess.run(system.step.loss, system.step.feed_no_dropout)))
    finally:
        compiled.close()
        tf1.close()
    (compiled_before, compiled_after), (tf1_before, tf1_after) = losses
    assert abs(compiled_before - tf1_before) < 1e-5 and abs(compiled_after - tf1_after) < 1e-5
    assert abs(compiled_after - compiled_before) > 1e-3  # the loss moves with the weights: the check can fail


def test_step_matmul_benchmark_prints_both_kernels_and_refuses_bad_shapes():
    done = run_module("benchmarks.step_matmul", "--shapes", "8x3,4x2", "--repeats", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line.split("|") for line in done.stdout.splitlines() if line.startswith("| 8 ") or line.startswith("| 4 ")]
    assert [(r[1].strip(), r[2].strip()) for r in rows] == [("8", "3"), ("4", "2")]
    assert all(float(r[6]) > 0 for r in rows)  # the 2-D over batched ratio of measured times
    bad = run_module("benchmarks.step_matmul", "--shapes", "256xbig")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "HxBATCH" in bad.stderr
