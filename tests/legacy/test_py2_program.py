"""tf1_rnn.legacy.py2_imports: a Python 2 program's own modules converted as they are imported."""
import builtins
import importlib.machinery
import linecache
import os
import pickle
import shutil
import sys
import traceback

import numpy as np
import pytest

from conftest import ROOT
from tf1_rnn.legacy import era, py2, py2_imports

PROGRAM = os.path.join(ROOT, "tests", "legacy_scripts", "py2_program")
# What Python 2's cPickle.dump(batch, f, 2) writes for a CIFAR-style batch, opcode by opcode
# (pickletools documents each; NumPy 1.x pickled an array as _reconstruct + BUILD of its state):
# {'batch_label': 'training batch 1 of 5', 'labels': [6, 9], 'owner': 'caf\xe9',
#  'data': numpy.array([[0, 7, 128], [200, 254, 255]], dtype=numpy.uint8)}
PY2_PICKLE = (
    b"\x80\x02}q\x00("                                            # PROTO 2, EMPTY_DICT, BINPUT, MARK
    b"U\x0bbatch_labelq\x01U\x15training batch 1 of 5q\x02"       # SHORT_BINSTRING: Python 2's str
    b"U\x06labelsq\x03]q\x04(K\x06K\x09e"                         # EMPTY_LIST, BININT1s, APPENDS
    b"U\x05ownerq\x05U\x04caf\xe9q\x06"                           # a latin-1 byte in a str
    b"U\x04dataq\x07cnumpy.core.multiarray\n_reconstruct\nq\x08"  # GLOBAL
    b"cnumpy\nndarray\nq\x09K\x00\x85q\x0aU\x01b\x87q\x0bRq\x0c"  # _reconstruct(ndarray, (0,), 'b')
    b"(K\x01K\x02K\x03\x86q\x0d"                                  # state: (1, (2, 3),
    b"cnumpy\ndtype\nq\x0eU\x02u1K\x00K\x01\x87Rq\x0f"            #   dtype('u1'),
    b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"   #   its state, BUILD
    b"\x89U\x06\x00\x07\x80\xc8\xfe\xfftb"                        #   False, the raw bytes), BUILD
    b"u."                                                         # SETITEMS, STOP
)
BATCH_DATA = np.array([[0, 7, 128], [200, 254, 255]], dtype=np.uint8)
OUTPUT = ["label training batch 1 of 5", "owner café", "pixels 844 uint8", "mean label 7", "rows 2",
          "row means [45, 236]", "count a 2", "count b 1", "halves [0, 0, 1, 1, 2]"]


@pytest.fixture(autouse=True)
def conversion_cache(tmp_path, monkeypatch):
    """No test writes the user's conversion cache."""
    cache = py2_imports.ConversionCache(str(tmp_path / "py2-cache"))
    monkeypatch.setattr(py2_imports, "default_cache", lambda: cache)
    return cache


@pytest.fixture
def program(tmp_path):
    """The Python 2 program, copied (Python writes bytecode beside its modules), with its pickle."""
    folder = tmp_path / "py2_program"
    shutil.copytree(PROGRAM, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "data_batch.pkl").write_bytes(PY2_PICKLE)
    return folder


def run_script(folder, cache, *argv, script="train.py", python2=False, inside=None):
    """Run ``folder/script`` as the runner does: converted itself, its folder first on sys.path,
    its modules through the hook. ``inside()`` is called before the context closes."""
    path = str(folder / script)
    saved_path, saved_argv = list(sys.path), sys.argv
    sys.path.insert(0, str(folder))
    sys.argv = [path, *argv]
    try:
        with py2_imports.converting_imports([str(folder)], python2=python2, cache=cache):
            source = cache.python3(py2.read_source(path), path, python2=python2)
            try:
                exec(compile(source, path, "exec", dont_inherit=True), {"__name__": "__main__", "__file__": path})
            finally:
                if inside:
                    inside()
    finally:
        sys.path[:], sys.argv = saved_path, saved_argv


def loader(name):
    return sys.modules[name].__spec__.loader


def test_the_program_runs_with_its_own_python2_modules_converted(program, conversion_cache, monkeypatch, capsys):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    meta_path, state = list(sys.meta_path), {}

    def inside():
        sys.modules.pop("colorsys", None)
        import colorsys  # the standard library: Python's own loader
        state.update({name: (type(loader(name)).__name__, getattr(loader(name), "converted", None))
                      for name in ("helpers", "lib", "lib.stats", "colorsys")})
        state["builtins"] = all(hasattr(builtins, name) for name in ("execfile", "reload", "raw_input"))

    run_script(program, conversion_cache, inside=inside)
    assert capsys.readouterr().out.splitlines() == OUTPUT
    assert state == {"helpers": ("_ProgramLoader", True), "lib.stats": ("_ProgramLoader", True),
                     "lib": ("_ProgramLoader", False), "colorsys": ("SourceFileLoader", None), "builtins": True}
    # closed: no finder, no builtins, no cPickle, none of the program's modules
    assert sys.meta_path == meta_path
    assert not any(hasattr(builtins, name) for name in ("execfile", "reload", "raw_input"))
    assert not {"helpers", "lib", "lib.stats", "cPickle", "cStringIO", "StringIO"} & set(sys.modules)
    # converted code never becomes the file's bytecode; Python 3 modules keep theirs
    assert os.listdir(program / "lib" / "__pycache__") == [f"__init__.{sys.implementation.cache_tag}.pyc"]
    assert not (program / "__pycache__").exists()


def test_installed_modules_are_never_converted_but_folders_the_program_adds_are(tmp_path, conversion_cache):
    for folder, name in (("site-packages", "oldlib"), ("extra", "extra_mod")):
        os.makedirs(tmp_path / folder)
        (tmp_path / folder / f"{name}.py").write_text('print "old"\nVALUE = 7 / 2\n')
    (tmp_path / "prog").mkdir()
    saved = list(sys.path)
    try:
        with py2_imports.converting_imports([str(tmp_path / "prog")], cache=conversion_cache):
            sys.path[:0] = [str(tmp_path / "site-packages"), str(tmp_path / "extra")]  # as the program would
            import extra_mod
            assert extra_mod.VALUE == 3
            with pytest.raises(SyntaxError):
                import oldlib  # noqa: F401 -- installed: Python 3 reads it as it is
    finally:
        sys.path[:] = saved
    assert "extra_mod" not in sys.modules and conversion_cache.conversions == 1


def test_a_traceback_through_a_converted_module_names_its_file_and_line(program, conversion_cache, capsys):
    with pytest.raises(ValueError, match="^depth 3$") as error:
        run_script(program, conversion_cache, "fail")
    frames = traceback.extract_tb(error.value.__traceback__)[-2:]
    helpers = str(program / "helpers.py")
    raise_line = open(helpers).read().splitlines().index('    raise ValueError, "depth %d" % depth') + 1
    call_line = (program / "train.py").read_text().splitlines().index("    helpers.fail_deep(3)") + 1
    assert [(f.filename, f.lineno, f.line) for f in frames] == [
        (str(program / "train.py"), call_line, "helpers.fail_deep(3)"),
        (helpers, raise_line, 'raise ValueError, "depth %d" % depth')]
    assert linecache.getline(helpers, raise_line).strip() == 'raise ValueError, "depth %d" % depth'
    assert capsys.readouterr().out.splitlines()[-1] == "failing at depth 3"


def test_conversions_are_cached_by_content_so_a_second_run_converts_nothing(program, conversion_cache,
                                                                           monkeypatch, capsys):
    run_script(program, conversion_cache)
    assert conversion_cache.conversions == 3  # train.py, helpers.py, lib/stats.py
    on_disk = sorted(os.listdir(conversion_cache.directory))
    assert len(on_disk) == 3 and all(name.endswith(".py") for name in on_disk)  # no temporary left behind

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again")

    with monkeypatch.context() as patch:
        patch.setattr(py2, "to_python3", no_conversion)
        second_process = py2_imports.ConversionCache(conversion_cache.directory)  # memory empty: disk only
        run_script(program, second_process)
        run_script(program, conversion_cache)  # this process: from memory
    assert (second_process.conversions, conversion_cache.conversions) == (0, 3)
    assert capsys.readouterr().out.splitlines() == OUTPUT * 3
    with open(program / "helpers.py", "a") as f:
        f.write("# edited\n")
    run_script(program, second_process)
    assert second_process.conversions == 1  # only the file that changed


def test_era_detection_converts_the_program_once_for_the_hook(program, conversion_cache, capsys):
    detected = era.detect(str(program / "train.py"))
    assert (detected.version, detected.python2) == ("1.x", True)  # no TensorFlow in it
    assert conversion_cache.conversions == 4  # the three Python 2 files, and lib/__init__.py as Python 2
    run_script(program, conversion_cache, python2=detected.python2)
    assert conversion_cache.conversions == 4
    assert capsys.readouterr().out.splitlines() == OUTPUT


def test_a_python2_program_converts_its_modules_that_parse_as_python3_too(tmp_path, conversion_cache, capsys):
    (tmp_path / "shared.py").write_text("def show(a, b):\n    print(a, b)\n    return a / b\n")
    (tmp_path / "main.py").write_text("import shared\nprint(shared.show(7, 2))\n")
    run_script(tmp_path, conversion_cache, script="main.py")
    run_script(tmp_path, conversion_cache, script="main.py", python2=True)
    assert capsys.readouterr().out.splitlines() == ["7 2", "3.5", "(7, 2)", "3"]


def test_implicit_relative_imports_inside_a_package(tmp_path, conversion_cache, capsys):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "helper.py").write_text("VALUE = 21\n")
    (tmp_path / "pkg" / "core.py").write_text('import helper\nprint "core"\nANSWER = helper.VALUE * 2\n')
    (tmp_path / "main.py").write_text("from pkg import core\nprint(core.ANSWER)\n")
    run_script(tmp_path, conversion_cache, script="main.py")
    assert capsys.readouterr().out.splitlines() == ["core", "42"]


def test_execfile_reload_raw_input_and_python2_modules_for_code_that_parses_as_python3(
        tmp_path, conversion_cache, monkeypatch, capsys):
    (tmp_path / "config.py").write_text('print "config"\nrate = 10 / 4\n')
    (tmp_path / "counter.py").write_text('print "loading counter"\n')
    monkeypatch.setattr(builtins, "input", lambda prompt="": f"typed after {prompt!r}")
    monkeypatch.syspath_prepend(str(tmp_path))
    with py2_imports.converting_imports([str(tmp_path)], cache=conversion_cache):
        namespace = {}
        execfile(str(tmp_path / "config.py"), namespace)  # noqa: F821 -- the builtin the context adds
        caller = {"path": str(tmp_path / "config.py")}
        exec("execfile(path)", caller)  # no namespace given: the caller's
        import counter
        reload(counter)  # noqa: F821
        answer = raw_input("? ")  # noqa: F821
        import cPickle
        import cStringIO
        import StringIO
        assert cPickle.loads(PY2_PICKLE)["owner"] == "café"
        assert cStringIO.StringIO(b"\x89PNG").read() == b"\x89PNG" and StringIO.StringIO("ab").read() == "ab"
    assert (namespace["rate"], caller["rate"], answer) == (2, 2, "typed after '? '")
    assert capsys.readouterr().out.splitlines() == ["config", "config", "loading counter", "loading counter"]
    with pytest.raises(ModuleNotFoundError):
        import cPickle  # noqa: F401,F811 -- gone with the context


def test_python2_pickles_read_as_python2_wrote_them(tmp_path):
    with pytest.raises(UnicodeDecodeError):
        pickle.loads(PY2_PICKLE)  # Python 3's default: ASCII
    batch = py2_imports.cPickle.loads(PY2_PICKLE)
    assert {k: v for k, v in batch.items() if k != "data"} == {
        "batch_label": "training batch 1 of 5", "labels": [6, 9], "owner": "café"}
    assert batch["data"].dtype == np.uint8 and np.array_equal(batch["data"], BATCH_DATA)
    (tmp_path / "batch.pkl").write_bytes(PY2_PICKLE)
    source = ("import pickle\n"
              "from cPickle import (loads as from_bytes,\n"
              "                     load)\n"
              "import os, cPickle as cp\n"
              "with open(path) as text_file:  # Python 2 opened pickles in text mode\n"
              "    via_text = pickle.load(text_file)\n"
              "print 'loaded', len(from_bytes(data)), len(cp.loads(data)), len(load(open(path, 'rb')))\n"
              "cp.dump(via_text, open(copy, 'w'), 2)\n")
    converted = py2.to_python3(source, "loader.py")
    assert len(converted.splitlines()) == len(source.splitlines())
    namespace = {"path": str(tmp_path / "batch.pkl"), "data": PY2_PICKLE, "copy": str(tmp_path / "copy.pkl")}
    with py2_imports.converting_imports([str(tmp_path)]):  # converted code runs where the runner runs it
        exec(compile(converted, "loader.py", "exec"), namespace)
        with pytest.raises(ImportError, match="cannot import name 'nothing' from 'cPickle'"):
            exec(compile(py2.to_python3("from cPickle import nothing\nprint 1\n", "bad.py"), "bad.py", "exec"), {})
    assert namespace["via_text"]["owner"] == "café"
    assert np.array_equal(pickle.loads((tmp_path / "copy.pkl").read_bytes())["data"], BATCH_DATA)


def test_a_kernel_converts_what_a_notebook_imports_and_runs(program, conversion_cache, monkeypatch, capsys):
    InteractiveShell = pytest.importorskip("IPython.core.interactiveshell").InteractiveShell

    shell = InteractiveShell.instance()
    monkeypatch.chdir(program)
    monkeypatch.syspath_prepend(str(program))
    magics = shell.magics_manager.registry["ExecutionMagics"]
    try:
        hook = py2_imports.install_in_kernel(shell, cache=conversion_cache)
        assert py2_imports.install_in_kernel(shell, cache=conversion_cache) is not hook  # replaced, not stacked
        shell.run_line_magic("run", "train.py")
        shell.run_cell("import helpers\nprint(helpers.mean([3, 4]))")
        assert sum(isinstance(f, py2_imports._ProgramFinder) for f in sys.meta_path) == 1
    finally:
        py2_imports.uninstall_from_kernel()
        InteractiveShell.clear_instance()
    assert capsys.readouterr().out.splitlines() == OUTPUT + ["3"]
    assert magics.default_runner is None
    assert not any(isinstance(f, py2_imports._ProgramFinder) for f in sys.meta_path)
    assert importlib.machinery.PathFinder in sys.meta_path
