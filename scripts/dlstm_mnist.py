"""'DLSTM' on MNIST, a TensorFlow 0.6 tutorial ported to today's TensorFlow.

Each 28-pixel row goes through an input projection x W_h + b_h (W_h [28, 256], random_normal),
then a bidirectional LSTM of BasicLSTMCell(128) cells starting from explicit initial states fed
through placeholders (zeros, TF 0.6's concatenated [c, h] layout) with an explicit
sequence_length of 28 for every example; logits = outputs[-1] W + b. Adam(0.001), train while
step * 128 < 100000; the final test is on the first 128 test images.

    python scripts/dlstm_mnist.py

No number survives in the post: ours is the reference, see docs/results.md.
"""
import sys

from tf1_rnn.tutorials import cli
from tf1_rnn.tutorials import configs

if __name__ == "__main__":
    sys.exit(cli.main(__file__, configs.DLSTMConfig, "build_dlstm", __doc__))
