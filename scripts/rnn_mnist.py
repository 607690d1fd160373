"""Plain LSTM classifier with static_rnn, the TF1 tutorial ported to today's TensorFlow.

BasicLSTMCell(128, forget_bias=1.0) over the 28 rows unstacked in time; logits =
outputs[-1] W + b (random_normal); gradient descent at 0.001, 20000 steps of 128, a line
every 100 steps; the final test is on the first 6000 test images.

    python scripts/rnn_mnist.py

The author printed no final number: ours is the reference, see docs/results.md.
"""
import sys

from tf1_rnn.tutorials import cli
from tf1_rnn.tutorials import configs

if __name__ == "__main__":
    sys.exit(cli.main(__file__, configs.RNNConfig, "build_rnn", __doc__))
