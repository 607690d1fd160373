"""The runner: the ``tensorflow`` a TF 1.x (or 0.x) program sees under the runner or ``%load_ext tf1_rnn``.

``install.installed`` puts namespaces in ``sys.modules`` so that, unedited, a program's

    import tensorflow as tf
    from tensorflow.contrib import rnn
    from tensorflow.examples.tutorials.mnist import input_data

get TF 1.15's API in graph mode: ``tf.compat.v1`` (legacy cells routed to tf-keras), then the
parts TensorFlow dropped, each in its own module:

    namespace.py   the module-like namespaces and the one-line errors for what has no port
    contrib.py     tf.contrib.rnn, tf.contrib.layers
    input_data.py  tensorflow.examples.tutorials.mnist.input_data, ``import input_data`` (TF 0.x)
                   and tf.keras.datasets.mnist on the verified data
    tf0.py         TF 0.x's names (tf.mul, tf.concat(dim, values), tf.scalar_summary, ...)
    tf0_rnn.py     TF 0.x's RNN API (tensorflow.models.rnn, tf.nn.rnn, concatenated LSTM states)
    py2.py         Python 2 source converted in memory (used by the runner and the kernel)
    install.py     the namespace assembled and installed, as one context undone on exit
    patches.py     every change to the process recorded, so that leaving that context undoes it

``runner.py`` runs a script or notebook inside :func:`installed`; ``ipython.py`` is the IPython
extension (``%load_ext tf1_rnn``), ``notebook.py`` runs a notebook's cells in a Jupyter kernel.
"""
