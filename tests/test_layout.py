"""The package's shape: no import cycle, no module importing a higher layer, short files."""
import glob
import os
import subprocess
import sys

from conftest import ROOT

MAX_LINES = 330  # "about 300": a module past it wants splitting by concept


def test_no_import_cycle_and_no_layer_violation():
    done = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "import_graph.py")], capture_output=True,
                          text=True, timeout=300)  # an ast walk; slow only on a loaded machine
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip().splitlines()[-1].endswith(" 0 cycles, 0 layer violations")


def test_the_checker_sees_a_cycle_and_a_violation(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        import import_graph
    finally:
        sys.path.remove(os.path.join(ROOT, "scripts"))
    package = tmp_path / "tf1_rnn"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "__init__.py").write_text("")
    (package / "data" / "a.py").write_text("from tf1_rnn.data import b\nfrom tf1_rnn.training import loop\n")
    (package / "data" / "b.py").write_text("import tf1_rnn.data.a\n")
    (package / "training").mkdir()
    (package / "training" / "__init__.py").write_text("")
    (package / "training" / "loop.py").write_text("def f():\n    from tf1_rnn.data import a\n")
    edges = import_graph.graph(str(package))
    assert import_graph.cycles(edges) == [("tf1_rnn.data.a", "tf1_rnn.data.b")]
    assert import_graph.violations(edges) == [("tf1_rnn.data.a", "tf1_rnn.training.loop")]
    assert ("tf1_rnn.data.a", True) in edges["tf1_rnn.training.loop"]  # lazy: inside a function


def test_no_module_over_about_300_lines():
    long = {path: n for path in glob.glob(os.path.join(ROOT, "tf1_rnn", "**", "*.py"), recursive=True)
            if (n := sum(1 for _ in open(path))) > MAX_LINES}
    assert long == {}
