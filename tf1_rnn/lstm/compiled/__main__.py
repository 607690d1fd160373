"""``python -m tf1_rnn.lstm.compiled``: build the LSTM op now, even where a build failed before, check
that it loads, and print where the library went (for images built once and run read-only)."""
import argparse
import sys

from tf1_rnn import compat
from tf1_rnn.lstm.compiled import build

PROG = "tf1_rnn.lstm.compiled"


def main(argv=None):
    argparse.ArgumentParser(prog=PROG, description=__doc__.split(":", 1)[1].strip()).parse_args(argv)
    compat.enable_tf1()
    try:
        library, _ = build.build_and_load(retry_failed=True)
    except build.KernelUnavailable as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 1
    print(library)
    return 0


if __name__ == "__main__":
    sys.exit(main())
