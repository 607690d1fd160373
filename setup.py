"""tf1_rnn: the TF 1.x MNIST RNN tutorials, running unchanged on today's TensorFlow."""
from setuptools import find_packages, setup

setup(
    name="tf1_rnn",
    version="0.1.0",
    description="Faithful ports of the TensorFlow 1.x RNN-on-MNIST tutorials, graph mode on TF 2.x",
    packages=find_packages(include=["tf1_rnn", "tf1_rnn.*"]),
    python_requires=">=3.10",
    install_requires=[
        "tensorflow>=2.16,<2.22",
        # The legacy RNN cells (tf.compat.v1.nn.rnn_cell.*) live in tf-keras on Keras 3 installs.
        "tf-keras>=2.16,<2.22",
        "numpy",
        # Not pulled in by TensorFlow 2.21: serves `tensorboard --logdir logs`, and reads events in the tests.
        "tensorboard>=2.16",
        "filelock>=3.12",       # one provisioner per data directory at a time
        "platformdirs>=3",      # the per-user cache directory on every OS
    ],
    extras_require={"test": ["pytest>=7"]},
    entry_points={"console_scripts": [
        "tf1-rnn-fetch=tf1_rnn.datasets:main",
        "tf1-rnn-legacy=tf1_rnn.run_legacy:main",
    ]},
)
