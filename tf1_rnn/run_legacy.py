"""Run an unmodified TensorFlow 1.x script on today's TensorFlow.

    python -m tf1_rnn.run_legacy [--seed N] [--no-verify] [--verbose] SCRIPT [ARGS...]
    tf1-rnn-legacy SCRIPT [ARGS...]          (the same, installed as a console command)

Inside SCRIPT, ``import tensorflow as tf`` gives TF 1.15's API in graph mode, with
``tf.contrib.rnn`` and ``tensorflow.examples.tutorials.mnist.input_data`` (see
:mod:`tf1_rnn.legacy_api`). The script runs as ``__main__`` with its own ``sys.argv``,
``__file__`` and working directory, so its prints, files and exit status are its own. A TF1
name the runner cannot provide stops it with one line naming the symbol and its replacement.
"""
import argparse
import os
import random
import runpy
import sys
import traceback

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
    parser.add_argument("script", metavar="SCRIPT", help="the TF 1.x script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="its own arguments")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.script):
        parser.error(f"no such script: {args.script}")
    return args


def _where(error, script):
    """' (script.py, line N)' for the innermost frame of the script in the error's traceback."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename) == script]
    return f" ({os.path.basename(script)}, line {frames[-1].lineno})" if frames else ""


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    script = os.path.abspath(args.script)
    try:
        source = open(script, encoding="utf-8").read()
        compile(source, script, "exec")
    except SyntaxError as err:
        hint = " (Python 2 syntax? convert it with 2to3 first)" if "print" in (err.text or "") else ""
        print(f"{PROG}: error: {args.script}, line {err.lineno}: {err.msg}{hint}", file=sys.stderr)
        return 1
    from tf1_rnn import compat, legacy_api  # TensorFlow loads here

    compat.quiet_tensorflow(args.verbose)
    if args.seed is not None:
        np.random.seed(args.seed)
        random.seed(args.seed)
    legacy_api.install(seed=args.seed, verify=not args.no_verify)
    sys.argv = [args.script, *args.args]
    sys.path.insert(0, os.path.dirname(script))
    try:
        runpy.run_path(script, run_name="__main__")
    except (legacy_api.LegacyAPIError, legacy_api.LegacyImportError, legacy_api.datasets.DataError) as err:
        print(f"{PROG}: error: {err}{_where(err, script)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
