"""Bidirectional LSTM classifier on MNIST, the TF1 tutorial ported to today's TensorFlow.

Each 28x28 image is read as 28 rows, one per time step, by a forward and a backward
BasicLSTMCell(256) (static_bidirectional_rnn); the classifier reads outputs[-1], the
concatenated forward and backward outputs at the last step. Adam(0.01), batch 128,
train while step * 128 < 400000 (3124 steps).

    python scripts/bilstm_mnist.py               # the tutorial, as published
    python scripts/bilstm_mnist.py --readout ends   # corrected: each direction's final output
    tensorboard --logdir logs

The tutorial printed  Testing Accuracy: 0.9849  (TF 1.4).
We get: see docs/results.md (our runs over seeds, with their commands).
"""
import sys

from tf1_rnn.tutorials import cli
from tf1_rnn.tutorials import configs

if __name__ == "__main__":
    sys.exit(cli.main(__file__, configs.BiLSTMConfig, "build_bilstm", __doc__))
