"""tf1_rnn: the TensorFlow 1.x RNN-on-MNIST tutorials, running on today's TensorFlow.

Modules: ``compat`` (TF1 graph mode, legacy cells), ``idx``, ``provision`` and ``datasets``
(data), ``configs``, ``models`` and ``cells`` (the tutorials), ``train``, ``runs`` and
``interrupts`` (the one training loop), ``cli`` (the scripts' command line), ``legacy_api``
and ``run_legacy`` (unmodified TF 1.x scripts). Importing this package loads no TensorFlow.
"""
__version__ = "0.1.0"
