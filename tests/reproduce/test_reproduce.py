"""The reproduction without training: statistics, log parsing, skip/resume with a stand-in runner, table, plots."""
import dataclasses
import importlib.util
import json
import os

import numpy as np
import pytest

from conftest import ROOT
from tf1_rnn.tutorials import configs
from tf1_rnn.reproduce import catalogue, launch, report, rows, run_logs, stats
from tf1_rnn.reproduce import cli as reproduce_cli
from tf1_rnn.reproduce.rows import Author, Row

# --- statistics ------------------------------------------------------------------------------


@pytest.mark.parametrize("df, expected", [(1, 12.706204736174694), (2, 4.302652729749462), (4, 2.7764451051977934),
                                          (5.882352941176471, 2.458823709699146), (30, 2.0422724563012378),
                                          (1000, 1.9623390808264083)])
def test_t_quantile_matches_published_values(df, expected):
    assert stats.t_quantile(0.975, df) == pytest.approx(expected, rel=1e-7)
    assert stats.t_quantile(0.025, df) == pytest.approx(-expected, rel=1e-7)


def test_welch_interval_of_hand_made_samples():
    # means 3 and 6, variances 2.5 and 10, n 5 each: se^2 = 2.5, df = 6.25 / 1.0625
    d = stats.welch_interval([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert d.estimate == -3 and d.df == pytest.approx(5.882352941176471)
    assert (d.low, d.high) == pytest.approx((-6.887741643736975, 0.887741643736975), rel=1e-7)
    assert stats.welch_interval([0.98], [0.97, 0.99]) is None  # one seed: no interval
    assert stats.welch_interval([0.98, 0.98], [0.97, 0.97]) == pytest.approx((0.01, 0.01, 0.01, None))


def test_summary_and_percentile_rank():
    s = stats.summarise([0.9575, 0.9606, 0.9651, 0.9632, 0.9618])
    assert (s.n, s.min, s.max) == (5, 0.9575, 0.9651) and s.mean == pytest.approx(0.96164)
    assert s.sd == pytest.approx((3.2652e-5 / 4) ** 0.5, rel=1e-9)  # squared deviations sum to 3.2652e-5
    assert stats.summarise([0.5]).sd is None
    values = [0.95, 0.96, 0.97, 0.98]
    assert [stats.percentile_rank(values, x) for x in (0.94, 0.96, 0.965, 0.99)] == [0, 37.5, 50, 100]


def test_draw_spread_is_the_exact_hypergeometric_and_agrees_with_sampled_draws():
    pmf = stats.errors_in_draw(160, 10000, 1000)
    assert sum(pmf.values()) == pytest.approx(1) and sum(k * p for k, p in pmf.items()) == pytest.approx(16)
    spread = stats.draw_spread([0.984], 10000, 1000, author=0.992)
    assert spread.share_at_or_above == pytest.approx(0.0166949481264977, rel=1e-9)  # P(X <= 8), SciPy's value
    wrong = np.zeros(10000, bool)
    wrong[:160] = True
    rng = np.random.default_rng(0)
    sampled = np.array([1 - wrong[rng.choice(10000, 1000, replace=False)].mean() for _ in range(3000)])
    assert (sampled >= 0.992).mean() == pytest.approx(spread.share_at_or_above, abs=0.008)
    assert np.quantile(sampled, [0.025, 0.975]) == pytest.approx([spread.low, spread.high], abs=0.0011)
    assert spread.sd == pytest.approx(sampled.std(), rel=0.08)
    pooled = stats.draw_spread([0.984, 0.9838], 10000, 1000, author=0.992)
    assert pooled.share_at_or_above == pytest.approx(np.mean(pooled.per_model_share))


# --- what the programs printed ---------------------------------------------------------------

TF1_LOGS = {
    "bilstm": ("Extracting /tmp/data/train-images-idx3-ubyte\nIter1280,Minibatch Loss = 2.485254, Training Accuracy "
               "= 0.25000\nIter2560,Minibatch Loss = 1.373112, Training Accuracy = 0.52344\nOptimization Finished!\n"
               "Testing Accuracy: 0.9864\nexit status 0 after 357 s\n", 0.9864, [], [(10, 0.25), (20, 0.52344)]),
    "dlstm": ("Iter 1280, Minibatch Loss= 3.847802, Training Accuracy= 0.38281\nOptimization Finished!\n"
              "Testing Accuracy: 0.96875\nexit status 0 after 140 s\n", 0.96875, [], [(10, 0.38281)]),
    "rnn": ("Step 1, Minibatch Loss= 2.8605, Training Accuracy= 0.125\nStep 100, Minibatch Loss= 2.1763, Training "
            "Accuracy= 0.320\nOptimization Finished!\nTesting Accuracy: 0.925\nexit status 0 after 632 s\n", 0.925, [],
            [(1, 0.125), (100, 0.32)]),
    "lstm": ("Iter0, step 20, training accuracy 0.367188, test accuracy 0.3288\nIter4, step 1980, training accuracy "
             "0.992188, test accuracy 0.9696\nIter4, step 2000, training accuracy 0.976562, test accuracy 0.9693\n"
             "exit status 0 after 571 s\n", 0.9693, [(20, 0.3288), (1980, 0.9696), (2000, 0.9693)],
             [(20, 0.367188), (1980, 0.992188), (2000, 0.976562)]),
    "birnn": ("step 0, loss 2.7347, accuracy 0.1640\nstep 10, loss 0.8619, accuracy 0.7300\nstep 1000, loss 0.0528, "
              "accuracy 0.9830\nTesting Accuracy: 0.983\nexit status 0 after 223 s\n", 0.983,
              [(0, 0.164), (10, 0.73), (1000, 0.983)], []),
}


@pytest.mark.parametrize("program", list(TF1_LOGS))
def test_tf1_program_logs_parse(program):
    text, final, test, train = TF1_LOGS[program]
    printed = run_logs.parse(text)
    assert printed.complete and printed.final_accuracy == final
    assert printed.test_curve == test and printed.train_curve == train
    assert not run_logs.parse(text.rsplit("exit status", 1)[0]).complete  # stopped before the end


def test_port_logs_parse_and_a_resumed_run_counts_each_step_once():
    text = ("Run directory results/reproduce/logs/birnn_mnist-seed1 (seed 1); TensorBoard: ...\n"
            "step 10, loss 0.9271, accuracy 0.7030\nstep 20, loss 0.5703, accuracy 0.8260\n"
            "Resuming results/reproduce/logs/birnn_mnist-seed1 at step 10 of 1001 (seed 1)\n"
            "step 20, loss 0.5703, accuracy 0.8261\nstep 30, loss 0.3991, accuracy 0.8830\n"
            "Testing Accuracy: 0.9830  (draw:1000 of the test set)\nFull test set (10000 images): 0.9843\n")
    printed = run_logs.parse(text)
    assert printed.test_curve == [(10, 0.703), (20, 0.8261), (30, 0.883)]
    assert (printed.final_accuracy, printed.full_accuracy, printed.exit_status) == (0.983, 0.9843, None)
    lstm = run_logs.parse("Iter2560, step 20, training accuracy 0.4141, test accuracy 0.3398\nTesting Accuracy: 0.9575")
    assert lstm.test_curve == [(20, 0.3398)] and lstm.final_accuracy == 0.9575


@pytest.mark.parametrize("program, final", [("bilstm_mnist", 0.9864), ("lstm_mnist", 0.9693), ("rnn_mnist", 0.925),
                                            ("birnn_mnist", 0.983), ("dlstm_mnist", 0.96875)])
def test_the_kept_tf1_logs_give_the_readme_numbers(program, final):
    printed = run_logs.read(os.path.join(ROOT, "results", "tf1_programs", f"{program}-seed1.log"))
    assert printed.complete and printed.final_accuracy == final


# --- planning, skipping, resuming with a stand-in for the processes ----------------------------

BIRNN = Row("birnn_mnist", configs.BiRNNConfig, seeds=2, tf1="birnn_mnist.py",
            author=Author("0.992 at step 1000", 0.992, points=((1000, 0.992),)))
ENDS = Row("bilstm_mnist", configs.BiLSTMConfig, seeds=1, flags=("--readout", "ends"), corrected=True)


class FakeRuns:
    """Stands in for the processes: writes what a port script or a TF 1.x program would leave."""

    def __init__(self, fail=None):
        self.argvs, self.fail = [], fail

    def __call__(self, argv, cwd, log):
        self.argvs.append(argv)
        if self.fail and self.fail in argv:
            log.write("Traceback: boom\n")
            return 1
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
        if "tf1_rnn.run_legacy" in argv:
            assert os.path.islink(os.path.join(cwd, "MNIST_data"))
            log.write("step 0, loss 2.7, accuracy 0.1640\nstep 1000, loss 0.05, accuracy 0.9830\n"
                      f"Testing Accuracy: {0.98 + seed / 1000}\n")
            return 0
        row = BIRNN if argv[3] == "birnn_mnist" else ENDS  # python -m tf1_rnn.tutorials NAME ...
        full = round(0.984 + 2 * seed / 10000, 4)
        log.write(f"step 10, loss 0.9, accuracy 0.7\nstep 1000, loss 0.05, accuracy {full}\n")
        metrics = {"test_accuracy": 0.982 + seed / 1000, "full_test_accuracy": full, "seed": seed,
                   "wall_seconds": 280.0, "config": dataclasses.asdict(row.config_for(seed)), "run_dir": "gone"}
        with open(argv[argv.index("--json") + 1], "w") as f:
            json.dump(metrics, f)
        return 0


def layout(tmp_path):
    return rows.Layout(str(tmp_path / "reproduce"), str(tmp_path / "tf1"), str(tmp_path / "data"))


def test_plan_runs_seed_by_seed_with_each_rows_own_count_or_the_override():
    tasks = rows.plan([BIRNN, ENDS])
    assert [(t.row.slug, t.seed, t.tf1) for t in tasks] == [
        ("birnn_mnist", 1, False), ("birnn_mnist", 1, True), ("bilstm_mnist-readout-ends", 1, False),
        ("birnn_mnist", 2, False), ("birnn_mnist", 2, True)]
    assert len(rows.plan([BIRNN, ENDS], seeds=3)) == 9
    assert ENDS.label == "bilstm_mnist --readout ends (corrected)" and ENDS.config_for(4).readout == "ends"


def test_a_finished_reproduction_runs_nothing_again(tmp_path):
    where, runner, lines = layout(tmp_path), FakeRuns(), []
    os.makedirs(where.out), os.makedirs(where.tf1_out)
    tasks = rows.plan([BIRNN, ENDS])
    statuses = launch.run_all(tasks, where, run=runner, log=lines.append)
    assert len(runner.argvs) == 5 and all(s.state == "done" for s in statuses.values())
    assert lines[0].startswith("5 runs: 0 done, 5 to run") and lines[1].startswith("[1/5] birnn_mnist, seed 1, port")
    assert "left" in lines[1] and lines[2].startswith("[1/5] birnn_mnist, seed 1, port: 0.9830 in ")
    tf1 = json.load(open(os.path.join(where.tf1_out, "birnn_mnist-seed2.json")))
    assert tf1["test_accuracy"] == 0.982 and tf1["test_points_printed"] == 2 and len(tf1["program_sha256"]) == 64
    log = open(os.path.join(where.tf1_out, "birnn_mnist-seed2.log")).read()
    assert log.splitlines()[-1].startswith("exit status 0 after ")
    again = FakeRuns()
    launch.run_all(tasks, where, run=again, log=lines.append)
    assert again.argvs == [] and lines[-1].startswith("5 runs: 5 done, 0 to run")


def test_a_stopped_port_run_resumes_and_a_stopped_program_starts_over(tmp_path):
    where = layout(tmp_path)
    port, program = rows.plan([BIRNN])[:2]
    checkpoints = os.path.join(where.workdir(port), "checkpoints")
    os.makedirs(checkpoints)
    open(os.path.join(checkpoints, "checkpoint"), "w").write('model_checkpoint_path: "model.ckpt-500"\n')
    open(os.path.join(checkpoints, "state-500.npz"), "wb").close()
    os.makedirs(where.tf1_out)
    open(where.path(program, ".log"), "w").write("step 0, loss 2.7, accuracy 0.1640\n")  # no closing line
    assert rows.status(port, where) == ("resume", "from step 500", None)
    assert rows.status(program, where).state == "run"
    argv, cwd, mode = launch.command(port, where)
    assert argv[4:6] == ["--resume", where.workdir(port)] and "--seed" not in argv and mode == "a"
    runner = FakeRuns()
    launch.run_all([port, program], where, run=runner, log=lambda line: None)
    assert "--resume" in runner.argvs[0] and "tf1_rnn.run_legacy" in runner.argvs[1]
    assert os.path.isdir(checkpoints)  # resumed in place, not wiped


def test_a_fresh_port_run_gets_flags_seed_and_an_empty_run_directory(tmp_path):
    where = layout(tmp_path)
    task = rows.Task(ENDS, 3, False)
    os.makedirs(where.workdir(task))
    open(os.path.join(where.workdir(task), "config.json"), "w").write("{}")  # stopped before its first checkpoint
    launch._prepare(task, where)
    argv, _, mode = launch.command(task, where)
    assert not os.path.exists(where.workdir(task)) and mode == "w"
    assert argv[1:4] == ["-m", "tf1_rnn.tutorials", "bilstm_mnist"]
    assert argv[4:] == ["--readout", "ends", "--seed", "3", "--json", os.path.abspath(where.path(task, ".json")),
                        "--logdir", where.workdir(task), "--data-dir", str(tmp_path / "data" / "mnist")]


def test_a_complete_log_is_recorded_without_running_and_other_settings_are_left_alone(tmp_path):
    where = layout(tmp_path)
    port, program = rows.plan([BIRNN])[:2]
    os.makedirs(where.out), os.makedirs(where.tf1_out)
    open(where.path(program, ".log"), "w").write("step 1000, loss 0.05, accuracy 0.9830\nTesting Accuracy: 0.983\n"
                                                 "exit status 0 after 223 s\n")
    other = dataclasses.asdict(dataclasses.replace(BIRNN.config_for(1), n_hidden=64))
    json.dump({"test_accuracy": 0.9, "config": other, "seed": 1}, open(where.path(port, ".json"), "w"))
    assert rows.status(program, where).metrics["test_accuracy"] == 0.983
    runner, lines = FakeRuns(), []
    statuses = launch.run_all([port, program], where, run=runner, log=lines.append)
    assert runner.argvs == [] and statuses[port].state == "stale" and "n_hidden=128 (now 64)" not in lines[0]
    assert "n_hidden=64 (now 128)" in lines[0] and statuses[program].state == "done"
    assert json.load(open(where.path(program, ".json")))["wall_seconds"] == 223


def test_a_failed_run_stops_the_reproduction_naming_its_log(tmp_path):
    where = layout(tmp_path)
    os.makedirs(where.out), os.makedirs(where.tf1_out)
    with pytest.raises(launch.ReproductionError, match=r"birnn_mnist-seed1\.log"):
        launch.run_all(rows.plan([BIRNN]), where, run=FakeRuns(fail="tf1_rnn.run_legacy"), log=lambda _: None)


# --- the table and the plots -----------------------------------------------------------------

def finished(tmp_path):
    where, tasks = layout(tmp_path), rows.plan([BIRNN, ENDS])
    os.makedirs(where.out), os.makedirs(where.tf1_out)
    return where, tasks, launch.run_all(tasks, where, run=FakeRuns(), log=lambda _: None)


def test_table_has_statistics_percentiles_and_the_draw_sentence(tmp_path):
    where, tasks, statuses = finished(tmp_path)
    results = report.collect(tasks, statuses, where)
    assert results[0].port_curves == [(1, [(10, 0.7), (1000, 0.9842)]), (2, [(10, 0.7), (1000, 0.9844)])]
    assert results[0].tf1_curves[0][1] == [(0, 0.164), (1000, 0.983)]
    summaries = [report.summarise_row(r) for r in results]
    markdown = report.table(summaries)
    birnn = markdown.splitlines()[2]
    assert "| 0.992 at step 1000 (one next_batch(1000) of the test set) |" in birnn
    assert "| 0.9835 ± 0.0007 [0.9830, 0.9840], 2 seeds | 0.9815 ± 0.0007 [0.9810, 0.9820], 2 seeds |" in birnn
    assert "| +0.0020 [-0.0010, +0.0050] | 100th / 100th | 0.9843 |" in birnn  # Welch: df 2, t = 4.303
    assert "| `bilstm_mnist --readout ends (corrected)` | - (full test set) | 0.9830 (1 seed) | - | - | - |" in markdown
    assert "of draws reach the author's 0.992 (per model: " in markdown
    assert summaries[0]["draw"]["models"] == 2 and summaries[0]["author_percentile_port"] == 100


def test_plots_are_written(tmp_path):
    plots = pytest.importorskip("tf1_rnn.reproduce.plots")
    where, tasks, statuses = finished(tmp_path)
    results = report.collect(tasks, statuses, where)
    plots.tutorial_figure(results[0], str(tmp_path / "birnn_mnist.png"))
    plots.summary_figure(results[:1], str(tmp_path / "summary.png"))
    for name in ("birnn_mnist.png", "summary.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / name).stat().st_size > 20000


def test_script_dry_run_lists_and_report_writes_table_and_plots(tmp_path, capsys, monkeypatch):
    script = reproduce_cli
    tutorials = {"bilstm_mnist", "lstm_mnist", "birnn_mnist", "rnn_mnist", "dlstm_mnist"}
    assert {row.slug for row in catalogue.ROWS if row.tf1} == tutorials
    assert [row.seeds for row in catalogue.ROWS if row.author.accuracy is not None] == [5, 5, 5]
    assert all(os.path.exists(rows.program_path(row)) for row in catalogue.ROWS if row.tf1)  # shipped in the package
    where, _, _ = finished(tmp_path)
    monkeypatch.setattr(reproduce_cli, "ROWS", [BIRNN, ENDS])
    flags = ["--out", where.out, "--tf1-out", where.tf1_out]
    assert script.main(flags + ["--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "     done  birnn_mnist, seed 2, TF 1.x birnn_mnist.py  0.9820" in out and "5 runs: 5 done, 0 to run" in out
    assert script.main(flags + ["--dry-run", "--port-only"]) == 0
    out = capsys.readouterr().out
    assert "TF 1.x" not in out and "birnn_mnist, seed 2, port" in out
    assert script.main(flags + ["--report", "--only", "birnn_mnist"]) == 0
    assert "`birnn_mnist`" in open(where.out + ".md").read()
    assert json.load(open(where.out + ".json"))[0]["runs"]["tf1"][0]["seed"] == 1
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "birnn_mnist.png").exists() and (tmp_path / "summary.png").exists()
    with pytest.raises(SystemExit) as stop:
        script.main(["--only", "nope"])
    assert stop.value.code == 2 and "no row named nope" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        script.main(["--port-flags", "--n-hidden 8", "--dry-run"])
    assert stop.value.code == 2 and "--n-hidden changes the model" in capsys.readouterr().err


def test_port_flags_reach_new_runs_only(tmp_path):
    where = dataclasses.replace(layout(tmp_path), port_flags=("--eval-every", "5"))
    argv, _, _ = launch.command(rows.Task(BIRNN, 1, False), where)
    assert argv[4:8] == ["--eval-every", "5", "--seed", "1"]


def test_port_curve_comes_from_the_run_directory_events_and_is_kept(tmp_path):
    import time
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    where, tasks, statuses = finished(tmp_path)
    port = tasks[0]
    writer = EventFileWriter(str(tmp_path / "run" / "test"))
    for step, value in ((50, 0.5), (100, 0.75)):
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="accuracy", simple_value=value)])
        writer.add_event(event_pb2.Event(step=step, wall_time=time.time(), summary=summary))
    writer.close()
    metrics = dict(statuses[port].metrics, run_dir=str(tmp_path / "run"))
    assert report.port_curve(port, where, metrics) == [(50, 0.5), (100, 0.75)]
    kept = json.load(open(where.path(port, ".curve.json")))
    assert kept["test_accuracy"] == [[50, 0.5], [100, 0.75]]
