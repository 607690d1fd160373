"""``python -m tf1_rnn.run_legacy SCRIPT``: the runner's command (see :mod:`tf1_rnn.legacy.runner`)."""
import sys

from tf1_rnn.legacy.runner import main

if __name__ == "__main__":
    sys.exit(main())
