"""The five tutorials: their hyperparameters (``configs``), graphs (``models``) and command line (``cli``).

``tf1/`` holds each tutorial's TF 1.x program, unmodified, for the runner and the reproduction.
"""
import os

TF1_PROGRAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf1")


def tf1_program(name):
    """The path of a tutorial's TF 1.x program, shipped with the package (``bilstm_mnist.py``)."""
    return os.path.join(TF1_PROGRAMS, name)
