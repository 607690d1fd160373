"""benchmarks/runner_speed.py: the order runs alternate in, resuming, and the table's arithmetic."""
import json

from benchmarks import runner_speed

ENTRY = {"id": "prog", "kind": "char-rnn", "args": ["--x"], "path": "p/prog.py", "metric_regex": "loss ([0-9.]+)"}


def test_implementations_alternate_who_goes_first_and_a_rerun_skips_what_is_done(tmp_path, monkeypatch):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps([ENTRY]))
    calls = []

    def fake_run(entry, corpus_dir, impl, seed, timeout, log_dir):
        calls.append((impl, seed))
        return {"id": entry["id"], "impl": impl, "seed": seed, "exit_status": 0,
                "wall_s": {"tf": 20.0, "auto": 10.0}[impl] + seed, "metric": 1.0 + seed / 10, "accelerated": None
                if impl == "tf" else "2 LSTM layers"}
    monkeypatch.setattr(runner_speed, "run_once", fake_run)
    results = tmp_path / "speed.json"
    argv = ["--manifest", str(manifest), "--results", str(results), "--only", "prog", "--seeds", "1", "2", "3"]
    assert runner_speed.main(argv) == 0
    assert calls == [("tf", 1), ("auto", 1), ("auto", 2), ("tf", 2), ("tf", 3), ("auto", 3)]
    calls.clear()
    assert runner_speed.main(argv) == 0
    assert calls == []  # all six already recorded
    row = (tmp_path / "speed.md").read_text().splitlines()[2]
    # medians 22 and 12 (seeds 1-3 add 1-3 s), ratio 1.83; the metric's mean and sd over the 3 seeds
    assert row == ("| prog | char-rnn | 2 LSTM layers | 22.0 | 12.0 | 1.83x | 1.2 ± 0.1 (3) | 1.2 ± 0.1 (3) | - |")
