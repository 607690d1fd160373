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
    argv = ["--manifest", str(manifest), "--results", str(results), "--only", "prog", "--seeds", "1", "2", "3",
            "--corpus-shrinks"]
    assert runner_speed.main(argv) == 0
    assert calls == [("tf", 1), ("auto", 1), ("auto", 2), ("tf", 2), ("tf", 3), ("auto", 3)]
    calls.clear()
    assert runner_speed.main(argv) == 0
    assert calls == []  # all six already recorded
    row = (tmp_path / "speed.md").read_text().splitlines()[2]
    # medians 22 and 12 (seeds 1-3 add 1-3 s), ratio 1.83; the metric's mean and sd over the 3 seeds
    assert row == ("| prog | char-rnn | 2 LSTM layers | 22.0 | 12.0 | 1.83x | 1.2 ± 0.1 (3) | 1.2 ± 0.1 (3) | - |")


def test_a_sized_program_is_its_corpus_entry_with_the_cut_in_place_of_the_shrink(monkeypatch):
    corpus_entry = dict(ENTRY, shrink=[{"sed": "s/steps = 9/steps = 1/"}], stand_in=[{"file": "a", "src": "b"}])
    monkeypatch.setattr(runner_speed, "SIZED", {
        "prog-gru": ("prog", {"shrink": [{"sed": "s/steps = 9/steps = 5/"}], "args": ["--model", "gru"]}),
        "elsewhere": ("not-in-this-manifest", {"shrink": []})})
    (entry,) = runner_speed.sized([corpus_entry])
    assert entry["id"] == "prog-gru" and entry["path"] == "p/prog.py"
    assert entry["stand_in"] == [{"file": "a", "src": "b"}]
    assert entry["shrink"] == [{"sed": "s/steps = 9/steps = 5/"}] and entry["args"] == ["--x", "--model", "gru"]
    assert corpus_entry["args"] == ["--x"]  # the corpus entry itself is untouched


def test_an_unknown_program_is_one_line_and_exit_2(tmp_path, capsys):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps([ENTRY]))
    assert runner_speed.main(["--manifest", str(manifest), "--results", str(tmp_path / "r.json"),
                              "--only", "prog"]) == 2  # prog is in the corpus, not in SIZED
    assert "no such id" in capsys.readouterr().err


def test_a_long_log_keeps_its_first_and_last_lines():
    output = "".join(f"line {k}\n" for k in range(1000))
    kept = runner_speed.shortened(output, head=3, tail=2).splitlines()
    assert kept == ["line 0", "line 1", "line 2", "[... 995 lines left out ...]", "line 998", "line 999"]
    assert runner_speed.shortened("a\nb\n", head=1, tail=1) == "a\nb\n"
