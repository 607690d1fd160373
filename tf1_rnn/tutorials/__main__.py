"""``python -m tf1_rnn.tutorials NAME [FLAGS]``: run a tutorial from an installed package.

The same command line as ``scripts/NAME.py`` (``--help`` after NAME lists the flags).
"""
import sys

from tf1_rnn.tutorials import cli, configs

TUTORIALS = {  # name: (config, builder in tutorials.models)
    "bilstm_mnist": (configs.BiLSTMConfig, "build_bilstm"),
    "lstm_mnist": (configs.LSTMConfig, "build_lstm"),
    "rnn_mnist": (configs.RNNConfig, "build_rnn"),
    "birnn_mnist": (configs.BiRNNConfig, "build_birnn"),
    "dlstm_mnist": (configs.DLSTMConfig, "build_dlstm"),
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in TUTORIALS:
        listing = "\n".join(f"  {name:<14}{config.__doc__.splitlines()[0]}"
                            for name, (config, _) in TUTORIALS.items())
        print(f"usage: python -m tf1_rnn.tutorials NAME [FLAGS]\n\ntutorials:\n{listing}", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else cli.EXIT_USAGE
    config, builder = TUTORIALS[argv[0]]
    return cli.main(argv[0], config, builder, config.__doc__, argv[1:])


if __name__ == "__main__":
    sys.exit(main())
