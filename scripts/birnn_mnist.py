"""Bidirectional RNN reading the middle time step, the TF1 tutorial ported to today's TensorFlow.

Forward and backward BasicLSTMCell(128) by static_bidirectional_rnn; logits = outputs[14] W + b,
the middle of 28 steps, where both directions have read half the image (W random_normal,
b filled with 0.1). Adam(0.002), 1001 steps of 1000; every 10 steps, loss and accuracy on one
fixed batch of 1000 test images drawn once with mnist.test.next_batch(1000); a checkpoint at
the end (as every tf1_rnn run saves).

    python scripts/birnn_mnist.py

The author printed accuracy 0.992 at step 1000 (title: "99%+").
We get: see docs/results.md (our runs over seeds, with their commands).
"""
import sys

from tf1_rnn.tutorials import cli
from tf1_rnn.tutorials import configs

if __name__ == "__main__":
    sys.exit(cli.main(__file__, configs.BiRNNConfig, "build_birnn", __doc__))
