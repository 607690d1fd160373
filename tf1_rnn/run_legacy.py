"""Run an unmodified TensorFlow 1.x or 0.x script, or a Jupyter notebook, on today's TensorFlow.

    python -m tf1_rnn.run_legacy [--seed N] [--no-verify] [--verbose] SCRIPT [ARGS...]
    python -m tf1_rnn.run_legacy [--seed N] [--output OUT.ipynb] NOTEBOOK.ipynb [ARGS...]
    tf1-rnn-legacy SCRIPT [ARGS...]          (the same, installed as a console command)

Inside SCRIPT, ``import tensorflow as tf`` gives TF 1.15's API in graph mode, with
``tf.contrib.rnn``, ``tensorflow.examples.tutorials.mnist.input_data`` and TF 0.x's names and
modules (see :mod:`tf1_rnn.legacy`). A script in Python 2 is converted in memory (the file is
never changed; tracebacks name its own lines). The script runs as ``__main__`` with its own ``sys.argv``,
``__file__`` and working directory, so its prints, files and exit status are its own. A TF1
name the runner cannot provide stops it with one line naming the symbol and its replacement.
A notebook's code cells run in a Jupyter kernel (see :mod:`tf1_rnn.legacy.notebook`).
"""
import argparse
import builtins
import os
import random
import sys
import traceback
import types

import numpy as np

from tf1_rnn.cli import OneLineParser

PROG = "run_legacy"


def parse(argv):
    parser = OneLineParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, help="seed TensorFlow's graph-level seed (every graph the script "
                        "makes), NumPy, Python's random and the MNIST data order before the script starts")
    parser.add_argument("--no-verify", action="store_true", help="read_data_sets uses the IDX files in the "
                        "script's data directory as they are: no checksum, no download")
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's log and deprecation lines")
    parser.add_argument("--output", metavar="PATH", help="notebooks: write the executed notebook to PATH "
                        "(default: NAME.out.ipynb beside NOTEBOOK.ipynb)")
    parser.add_argument("script", metavar="SCRIPT", help="the TF 1.x script (or NOTEBOOK.ipynb) to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="its own arguments")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.script):
        parser.error(f"no such script: {args.script}")
    return args


def _where(error, script):
    """' (script.py, line N)' for the innermost frame of the script in the error's traceback."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename) == script]
    return f" ({os.path.basename(script)}, line {frames[-1].lineno})" if frames else ""


def _run_as_main(code, script):
    """What ``runpy.run_path`` does for a file, for code compiled here (perhaps from Python 2)."""
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=script, __cached__=None, __loader__=None, __package__=None, __spec__=None,
                           __builtins__=builtins)
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = module  # tf.app.run and pickle look for the script here
    try:
        exec(code, module.__dict__)
    finally:
        sys.modules["__main__"] = saved


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.script.endswith(".ipynb"):
        from tf1_rnn.legacy import notebook  # its code cells, in a Jupyter kernel

        return notebook.run(args)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("darwin", "win32")):
        os.environ.setdefault("MPLBACKEND", "Agg")  # no display: plt.show() returns instead of failing
    script = os.path.abspath(args.script)
    from tf1_rnn import compat, datasets, legacy  # TensorFlow loads here
    from tf1_rnn.legacy import py2

    try:  # Python 2 is converted in memory; the code keeps the file's name and line numbers
        code = compile(py2.to_python3(py2.read_source(script), script), script, "exec", dont_inherit=True)
    except SyntaxError as err:
        print(f"{PROG}: error: {args.script}, line {err.lineno}: {err.msg}", file=sys.stderr)
        return 1
    except (UnicodeDecodeError, LookupError) as err:
        print(f"{PROG}: error: {args.script}: cannot decode it: {err}", file=sys.stderr)
        return 1

    compat.quiet_tensorflow(args.verbose)
    if args.seed is not None:
        np.random.seed(args.seed)
        random.seed(args.seed)
    legacy.install(seed=args.seed, verify=not args.no_verify)
    sys.argv = [args.script, *args.args]
    sys.path.insert(0, os.path.dirname(script))
    try:
        _run_as_main(code, script)
    except (legacy.LegacyAPIError, legacy.LegacyImportError, legacy.LegacyCallError, datasets.DataError) as err:
        print(f"{PROG}: error: {err}{_where(err, script)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
