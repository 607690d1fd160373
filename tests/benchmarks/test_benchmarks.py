"""The benchmarks run as modules from the repository root: a smoke test of each, on tiny work."""
import json
import os
import subprocess
import sys

from conftest import ROOT


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


def test_step_matmul_benchmark_prints_both_kernels_and_refuses_bad_shapes():
    done = run_module("benchmarks.step_matmul", "--shapes", "8x3,4x2", "--repeats", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line.split("|") for line in done.stdout.splitlines() if line.startswith("| 8 ") or line.startswith("| 4 ")]
    assert [(r[1].strip(), r[2].strip()) for r in rows] == [("8", "3"), ("4", "2")]
    assert all(float(r[6]) > 0 for r in rows)  # the 2-D over batched ratio of measured times
    bad = run_module("benchmarks.step_matmul", "--shapes", "256xbig")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "HxBATCH" in bad.stderr
