"""tf1_rnn: the TensorFlow 1.x RNN-on-MNIST tutorials, running on today's TensorFlow.

Modules: ``compat`` (TF1 graph mode, legacy cells), ``idx``, ``provision`` and ``datasets``
(data), ``configs``, ``models`` and ``cells`` (the tutorials), ``train``, ``runs`` and
``interrupts`` (the one training loop), ``cli`` (the scripts' command line), ``legacy``
and ``run_legacy`` (unmodified TF 1.x scripts and notebooks). Importing this package loads no
TensorFlow; ``%load_ext tf1_rnn`` in Jupyter or IPython loads it (tf1_rnn.legacy.kernel).
"""
__version__ = "0.1.0"


def load_ipython_extension(ipython):
    """``%load_ext tf1_rnn``: the runner's TF 1.x namespace in this kernel (tf1_rnn.legacy.kernel)."""
    from tf1_rnn.legacy import kernel  # TensorFlow loads here, not when the package is imported

    kernel.load_ipython_extension(ipython)
