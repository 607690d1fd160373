"""tf1_rnn: the TensorFlow 1.x RNN tutorials on today's TensorFlow, and a runner for TF 0.x/1.x programs.

Subpackages, from the bottom up (each imports only those above it in this list, and ``compat``):

    compat      TF1's API (``tf``), loaded on first use; ``enable_tf1()`` for entry points
    data        IDX files, their sources, verified provisioning, TF1's DataSet / read_data_sets
    lstm        BasicLSTMCell's function as cells, fused TensorFlow ops or a compiled op; ``impl.choose``
    training    the one training loop, evaluation, checkpoints, run directories, summaries, signals
    tutorials   one config and one graph builder per tutorial, the command line, the TF 1.x programs
    legacy      the runner for unmodified TF 0.x/1.x programs and notebooks; ``%load_ext tf1_rnn``
    reproduce   the tutorials over seeds beside their TF 1.x programs: catalogue, statistics, plots

Importing any of it changes nothing in the process (no environment, eager mode, warning filter
or TensorFlow module is touched); entry points switch TF1 mode on with ``compat.enable_tf1()``.
"""
__version__ = "0.2.0"


def load_ipython_extension(shell):
    """``%load_ext tf1_rnn``: the runner's TF 1.x namespace in this kernel (tf1_rnn.legacy.ipython)."""
    from tf1_rnn.legacy import ipython  # TensorFlow loads here, not when the package is imported

    ipython.load_ipython_extension(shell)


def unload_ipython_extension(shell):
    """``%unload_ext tf1_rnn``: the kernel's ``tensorflow`` is TensorFlow's own again."""
    from tf1_rnn.legacy import ipython

    ipython.unload()
