"""LSTM on MNIST with TensorBoard summaries, the TF1 tutorial ported to today's TensorFlow.

BasicLSTMCell(256) run by dynamic_rnn from cell.zero_state(batch_size), where batch_size and
keep_prob are placeholders (train: 128 and 0.5; test: the whole test set and 1.0). The last
time step feeds softmax(h W + b), which the tutorial passed to
softmax_cross_entropy_with_logits_v2 as if it were logits (a double softmax, kept by default).
Adam(0.001), 2000 steps of 128; every 20 steps, training accuracy on the batch and test
accuracy on the full test set. Summaries: histograms of W, b and h_state; accuracy and loss
for train and test on one chart.

    python scripts/lstm_mnist.py                              # the tutorial, as published
    python scripts/lstm_mnist.py --no-softmax-twice           # corrected loss
    python scripts/lstm_mnist.py --layers 2                   # the author's two-layer variant
    python scripts/lstm_mnist.py --cell gru --dataset fashion_mnist

The author printed test accuracy 0.9703 at step 2000 (0.9595 to 0.9714 over the last 200 steps).
We get: see docs/results.md (our runs over seeds, with their commands).
"""
import sys

from tf1_rnn.tutorials import cli
from tf1_rnn.tutorials import configs

if __name__ == "__main__":
    sys.exit(cli.main(__file__, configs.LSTMConfig, "build_lstm", __doc__))
