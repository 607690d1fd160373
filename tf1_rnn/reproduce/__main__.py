"""``python -m tf1_rnn.reproduce``: see :mod:`tf1_rnn.reproduce.cli`."""
import sys

from tf1_rnn.reproduce.cli import main

if __name__ == "__main__":
    sys.exit(main())
