"""All five tutorials over several seeds, each beside its TF 1.x program, against the authors.

    python scripts/reproduce.py --dry-run     # what is done, what would run, and for how long
    python scripts/reproduce.py               # run what is missing, then the table and the plots
    python scripts/reproduce.py --report      # only the table and the plots, from what is done

The same as ``python -m tf1_rnn.reproduce``; the rows are in tf1_rnn/reproduce/catalogue.py,
the results in docs/results.md.
"""
import sys

from tf1_rnn.reproduce.cli import main

if __name__ == "__main__":
    sys.exit(main())
