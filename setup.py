"""tf1_rnn: the TF 1.x RNN tutorials on today's TensorFlow, and a runner for TF 0.x/1.x programs."""
from setuptools import find_packages, setup

setup(
    name="tf1_rnn",
    version="0.2.0",
    description="Faithful ports of the TensorFlow 1.x RNN-on-MNIST tutorials, graph mode on TF 2.x",
    packages=find_packages(include=["tf1_rnn", "tf1_rnn.*"]),
    package_data={
        "tf1_rnn.lstm.compiled": ["*.cc", "*.h"],  # compiled on first use (tf1_rnn/lstm/compiled/build.py)
        "tf1_rnn.tutorials": ["tf1/*.py"],  # the tutorials' TF 1.x programs, run by the reproduction
    },
    python_requires=">=3.10",
    install_requires=[
        # The range the TensorFlow matrix (noxfile.py, docs/tensorflow.md) passes: 2.16-2.17 need NumPy < 2.
        "tensorflow>=2.18,<2.22",
        # The legacy RNN cells (tf.compat.v1.nn.rnn_cell.*) live in tf-keras on Keras 3 installs.
        "tf-keras>=2.18,<2.22",
        "numpy",
        # Not pulled in by TensorFlow 2.21: serves `tensorboard --logdir logs`, and reads events in the tests.
        "tensorboard>=2.18,<2.22",
        "filelock>=3.12",       # one provisioner per data directory at a time
        "platformdirs>=3",      # the per-user cache directory on every OS
        # The legacy runner: Python 2 sources converted in memory (lib2to3's maintained fork), and
        # tf.contrib.slim / tf.contrib.layers through their maintained successor.
        "fissix>=21",
        "tf-slim>=1.1",
    ],
    extras_require={
        # Notebooks under the runner, and %load_ext tf1_rnn in a live kernel.
        "notebook": ["nbclient>=0.10", "nbformat>=5", "ipykernel>=6", "jupyter_client>=8"],
        "plots": ["matplotlib>=3.7"],
        # python -m benchmarks.step's PyTorch column (a CPU build is enough); not needed by the tests.
        "bench": ["torch>=2"],
        "test": ["pytest>=7", "pytest-xdist>=3", "nbclient>=0.10", "nbformat>=5", "ipykernel>=6", "jupyter_client>=8",
                 "matplotlib>=3.7", "scipy>=1.10"],
    },
    entry_points={"console_scripts": [
        "tf1-rnn-fetch=tf1_rnn.data.datasets:main",
        "tf1-rnn-legacy=tf1_rnn.run_legacy:main",
    ]},
)
