"""``python -m tf1_rnn.lstm.compiled``: build the LSTM op now (for images built once and run
read-only) and print where the library went."""
import sys

from tf1_rnn.lstm.compiled import build


def main():
    try:
        print(build.build())
    except build.KernelUnavailable as err:
        print(f"tf1_rnn.lstm.compiled: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
