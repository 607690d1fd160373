"""Run an unmodified TensorFlow 1.x or 0.x script, or a Jupyter notebook, on today's TensorFlow.

    python -m tf1_rnn.run_legacy [--seed N] [--no-verify] [--tf-version X.Y] [--rnn-impl auto|tf] [--verbose]
                                 SCRIPT [ARGS...]
    python -m tf1_rnn.run_legacy [--seed N] [--output OUT.ipynb] NOTEBOOK.ipynb [ARGS...]
    tf1-rnn-legacy SCRIPT [ARGS...]          (the same, installed as a console command)

Inside SCRIPT, ``import tensorflow as tf`` gives TF 1.15's API in graph mode, with ``tf.contrib``'s
RNN and seq2seq parts, ``tensorflow.examples.tutorials.mnist.input_data`` and TF 0.x's names and
modules (see :mod:`tf1_rnn.legacy`). The program runs as its era ran it: the TF version read once
from its own files (``--tf-version`` overrides; one line says which and why), Python 2 converted
in memory in every module of its own (files are never changed; tracebacks name their lines), the
NumPy and library names of its time. It runs as ``__main__`` with its own ``sys.argv``,
``__file__`` and working directory, so its prints, files and exit status are its own. A TF1
name the runner cannot provide stops it with one line naming the symbol and its replacement.
A notebook's code cells run in a Jupyter kernel (see :mod:`tf1_rnn.legacy.notebook`).
"""
import argparse
import builtins
import contextlib
import os
import random
import sys
import traceback
import types

import numpy as np

from tf1_rnn import compat
from tf1_rnn.data.idx import DataError
from tf1_rnn.legacy.namespace import LegacyAPIError, LegacyCallError, LegacyImportError
from tf1_rnn.legacy.patches import Patches
from tf1_rnn.tutorials.cli import OneLineParser

PROG = "run_legacy"


def parse(argv):
    parser = OneLineParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, help="seed TensorFlow's graph-level seed (every graph the script "
                        "makes), NumPy, Python's random and the MNIST data order before the script starts")
    parser.add_argument("--no-verify", action="store_true", help="read_data_sets uses the IDX files in the "
                        "script's data directory as they are: no checksum, no download")
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's log and deprecation lines")
    parser.add_argument("--tf-version", metavar="X.Y", help="run as TensorFlow X.Y (0.x or 1.x) whatever the "
                        "program's own files suggest (default: read from them; a line says which era and why)")
    parser.add_argument("--rnn-impl", choices=("auto", "tf"), default="auto", help="auto: the program's LSTMs "
                        "(BasicLSTMCell, LSTMCell, LSTMBlockCell; stacked, with dropout) run on the compiled kernel "
                        "where it loads, same function and variables; tf: on TensorFlow's own ops (default: auto)")
    parser.add_argument("--output", metavar="PATH", help="notebooks: write the executed notebook to PATH "
                        "(default: NAME.out.ipynb beside NOTEBOOK.ipynb)")
    parser.add_argument("script", metavar="SCRIPT", help="the TF 1.x script (or NOTEBOOK.ipynb) to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="its own arguments")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.script):
        parser.error(f"no such script: {args.script}")
    if args.tf_version:
        from tf1_rnn.legacy import era

        try:
            era.Era.from_version(args.tf_version)
        except ValueError as err:
            parser.error(f"--tf-version {args.tf_version}: {err}")
    return args


def _where(error, script):
    """' (file.py, line N)' for the innermost frame of the program's own files (the script's folder)."""
    folder = os.path.dirname(script) + os.sep
    frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename).startswith(folder)]
    if not frames:
        return ""
    return f" ({os.path.relpath(os.path.abspath(frames[-1].filename), folder)}, line {frames[-1].lineno})"


def _run_as_main(code, script):
    """What ``runpy.run_path`` does for a file, for code compiled here (perhaps from Python 2).

    The script's builtins are Python's, with ``int``/``float``/``complex`` that take a size-1
    array of any shape, as NumPy before 2.0 allowed (numpy_era.builtins_overrides).
    """
    from tf1_rnn.legacy import numpy_era

    program_builtins = types.ModuleType("builtins")
    vars(program_builtins).update(vars(builtins), **numpy_era.builtins_overrides())
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=script, __cached__=None, __loader__=None, __package__=None, __spec__=None,
                           __builtins__=program_builtins)
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = module  # tf.app.run and pickle look for the script here
    try:
        exec(code, module.__dict__)
    finally:
        sys.modules["__main__"] = saved


def _era(script, tf_version):
    """The era the program runs as: ``--tf-version``'s, else the one its own files show (era.detect)."""
    from tf1_rnn.legacy import era as eras

    detected = eras.detect(script)
    return eras.Era.from_version(tf_version, python2=detected.python2) if tf_version else detected


@contextlib.contextmanager
def as_program(script, argv):
    """The process as ``python SCRIPT ARGS`` would give it to the script; restored on exit."""
    patches = Patches()
    patches.setattr(sys, "argv", [script, *argv])
    patches.insert(sys.path, 0, os.path.dirname(os.path.abspath(script)))
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("darwin", "win32")):
        if "MPLBACKEND" not in os.environ:
            patches.setenv("MPLBACKEND", "Agg")  # no display: plt.show() returns instead of failing
    try:
        yield
    finally:
        patches.undo()


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.script.endswith(".ipynb"):
        from tf1_rnn.legacy import notebook  # its code cells, in a Jupyter kernel

        return notebook.run(args)
    script = os.path.abspath(args.script)
    from tf1_rnn.legacy import py2, py2_imports

    try:  # Python 2 is converted in memory; the code keeps the file's name and line numbers
        era = _era(script, args.tf_version)
        source = py2_imports.default_cache().python3(py2.read_source(script), script, python2=era.python2)
        code = compile(source, script, "exec", dont_inherit=True)
    except SyntaxError as err:
        print(f"{PROG}: error: {args.script}, line {err.lineno}: {err.msg}", file=sys.stderr)
        return 1
    except (UnicodeDecodeError, LookupError) as err:
        print(f"{PROG}: error: {args.script}: cannot decode it: {err}", file=sys.stderr)
        return 1
    if era.notice():
        print(f"{PROG}: {era.notice()}", file=sys.stderr)

    compat.enable_tf1(args.verbose)  # TensorFlow loads here
    from tf1_rnn.legacy import install

    if args.seed is not None:
        np.random.seed(args.seed)
        random.seed(args.seed)
    try:
        with install.installed(seed=args.seed, verify=not args.no_verify, era=era, rnn_impl=args.rnn_impl), \
                as_program(args.script, args.args), \
                py2_imports.converting_imports([os.path.dirname(script)], python2=era.python2):
            _run_as_main(code, script)
    except (LegacyAPIError, LegacyImportError, LegacyCallError, DataError) as err:
        print(f"{PROG}: error: {err}{_where(err, script)}", file=sys.stderr)
        return 1
    return 0
