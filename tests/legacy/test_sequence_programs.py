"""The sequence example programs (examples/seq2seq, tf0/ptb_word_lm.py, tf1/char_rnn.py, the seq2seq
notebook) run end to end under ``run_legacy`` with tiny sizes, and print their final lines as documented."""
import importlib.util
import os
import re
import subprocess
import sys

import nbformat

from conftest import ROOT

EXAMPLES = os.path.join(ROOT, "examples")
NUMBER = r"(\d+\.\d+)"


def run_legacy(*args, cwd):
    return subprocess.run([sys.executable, "-m", "tf1_rnn.run_legacy", "--seed", "1", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": ROOT})


def final_value(stdout, label):
    """The number on the line ``label: X`` (the last such line), checking its format."""
    lines = [line for line in stdout.splitlines() if line.startswith(label + ":")]
    assert lines, f"no '{label}: X' line in:\n{stdout[-2000:]}"
    match = re.fullmatch(re.escape(label) + ": " + NUMBER, lines[-1])
    assert match, lines[-1]
    return float(match.group(1))


def load_make_toy_ptb():
    spec = importlib.util.spec_from_file_location("make_toy_ptb", os.path.join(EXAMPLES, "data", "make_toy_ptb.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reverse_attention_beam_decodes_every_held_out_sequence_with_the_beam(tmp_path):
    result = run_legacy(os.path.join(EXAMPLES, "seq2seq", "reverse_attention_beam.py"), "--num_steps", 3,
                        "--num_units", 8, "--embedding_size", 4, "--batch_size", 4, "--num_test", 6,
                        "--beam_width", 3, "--steps_per_stats", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert [line.split(" loss ")[0] for line in lines[:3]] == ["step 1", "step 2", "step 3"]
    shape = re.fullmatch(r"beam search output: \(batch, time\) = \((\d+), (\d+)\) for 6 held-out sequences "
                         r"\(longest (\d)\), beam width 3", lines[3])
    assert shape, lines[3]
    batch, time, longest = map(int, shape.groups())
    # the beam stops when every hypothesis has ended, at the latest after 2 * the longest source
    assert batch == 6 and 5 <= longest <= 8 and 1 <= time <= 2 * longest
    for line in lines[4:7]:
        source, hypothesis = re.fullmatch(r"source \[([\d ]+)\] -> \[([\d ]+)\]", line).groups()
        assert 5 <= len(source.split()) <= 8 and len(hypothesis.split()) == time
        assert all(0 <= int(symbol) < 13 for symbol in hypothesis.split())  # 10 symbols and <pad> <s> </s>
    assert 0.0 <= final_value(result.stdout, "token accuracy") <= 1.0
    assert 0.0 <= final_value(result.stdout, "sequence accuracy") <= 1.0
    assert lines[-2].startswith("token accuracy: ") and lines[-1].startswith("sequence accuracy: ")


def test_make_toy_ptb_writes_the_ptb_line_format(tmp_path):
    load_make_toy_ptb().main([str(tmp_path), "--train-words", "3000", "--eval-words", "400", "--seed", "2"])
    for part, at_least in (("train", 3000), ("valid", 400), ("test", 400)):
        text = (tmp_path / f"ptb.{part}.txt").read_text()
        lines = text.splitlines(keepends=True)
        assert all(line.startswith(" ") and line.endswith(" \n") and "  " not in line for line in lines)
        assert all(word == word.lower() or word == "N" for word in text.split())  # PTB's numbers are N
        words = len(text.split()) + len(lines)  # the reader adds one <eos> per line
        assert at_least <= words < at_least + 40  # stops after the sentence that reaches the count
    vocabulary = set((tmp_path / "ptb.train.txt").read_text().split())
    assert 150 < len(vocabulary) < 400 and {"<unk>", "N", "$", "the"} <= vocabulary


def test_ptb_word_lm_python2_tf0_trains_and_prints_test_perplexity(tmp_path):
    load_make_toy_ptb().main([str(tmp_path / "ptb"), "--train-words", "3000", "--eval-words", "300"])
    result = run_legacy(os.path.join(EXAMPLES, "tf0", "ptb_word_lm.py"), "--data_path", tmp_path / "ptb",
                        "--model", "test", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    vocabulary = int(re.match(r"vocabulary: (\d+) words, train: 30\d\d, valid: 30\d, test: 30\d", lines[0]).group(1))
    assert lines[1] == "Epoch: 1 Learning rate: 1.000"
    assert re.fullmatch(r"Epoch: 1 Train Perplexity: " + NUMBER, lines[-3])
    assert re.fullmatch(r"Epoch: 1 Valid Perplexity: " + NUMBER, lines[-2])
    # one short epoch already beats guessing uniformly over the vocabulary
    assert 1.0 < final_value(result.stdout, "Test Perplexity") < vocabulary
    assert lines[-1].startswith("Test Perplexity: ")


def test_char_rnn_prints_perplexity_then_a_sample_of_the_asked_length(tmp_path):
    (tmp_path / "fox.txt").write_text("the quick brown fox jumps over the lazy dog.\n" * 40)
    result = run_legacy(os.path.join(EXAMPLES, "tf1", "char_rnn.py"), "--data", "fox.txt", "--num_epochs", 2,
                        "--rnn_size", 16, "--num_layers", 1, "--batch_size", 4, "--seq_length", 10,
                        "--print_every", 10, "--sample_length", 30, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    head, sample = result.stdout.split("sample:\n")
    assert head.splitlines()[0] == "fox.txt: 1800 characters, 29 distinct; 40 training batches, 4 held-out batches"
    assert "epoch 1, batch 40/40, train_loss = " in head
    assert 1.0 < final_value(head, "perplexity") < 29  # better than uniform over the 29 characters
    assert len(sample) == 10 + 30 + 1 and sample.endswith("\n")  # the 10-character prime, 30 sampled, print's newline
    assert set(sample) <= set("the quick brown fox jumps over the lazy dog.\n")


def test_seq2seq_notebook_runs_and_its_greedy_decoder_sorts(tmp_path):
    notebook = os.path.join(EXAMPLES, "notebooks", "seq2seq_tf1.ipynb")
    source = nbformat.read(notebook, as_version=4)
    nbformat.validate(source)
    assert all(cell.outputs == [] and cell.execution_count is None for cell in source.cells if cell.cell_type == "code")

    result = run_legacy("--output", tmp_path / "ran.ipynb", notebook, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "greedy output (500, " in result.stdout
    assert final_value(result.stdout, "token accuracy") >= 0.9  # 300 steps sort 3 to 5 digits almost always
    assert 0.0 <= final_value(result.stdout, "sequence accuracy") <= 1.0
    ran = nbformat.read(tmp_path / "ran.ipynb", as_version=4)
    code = [cell for cell in ran.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert "token accuracy" in "".join(output.get("text", "") for output in code[-1].outputs)
