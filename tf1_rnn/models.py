"""One graph builder per tutorial, plus the classifier head they share.

A builder reads only its config, adds ops to the current graph and returns a :class:`Graph`.
Everything is built under ``reuse=AUTO_REUSE`` at the caller's variable scope, so building
again in the same graph (a notebook re-running a cell, or an eval graph beside a train
graph) shares the weights instead of raising "Variable ... already exists". Variable
names are the tutorials' own, so TF1 checkpoints line up.
"""
from typing import Callable, NamedTuple, Optional

from tf1_rnn.compat import legacy_rnn_cells, tf

N_STEPS = N_INPUT = 28  # an MNIST image is 28 rows of 28 pixels, one row per time step
N_CLASSES = 10


def _no_extra_feed(batch_size, training):
    return {}


class Graph(NamedTuple):
    x: tf.Tensor                 # [batch, 28, 28] rows as time steps
    y: tf.Tensor                 # [batch, 10] one-hot, as the tutorials fed it
    logits: tf.Tensor            # [batch, 10] what the classifier outputs (see lstm's softmax quirk)
    loss: tf.Tensor              # scalar, mean softmax cross-entropy
    accuracy: tf.Tensor          # scalar, fraction of the batch classified right
    train_op: Optional[tf.Operation]   # None for a graph built with training=False
    global_step: tf.Variable
    # Placeholders beyond x and y (batch size, keep_prob, initial states): their feed values.
    extra_feed: Callable[[int, bool], dict] = _no_extra_feed
    summaries: Optional[tf.Tensor] = None   # merged histogram summaries for the train writer

    def feed(self, images, labels, training):
        feed = {self.x: images.reshape(-1, N_STEPS, N_INPUT), self.y: labels}
        feed.update(self.extra_feed(len(images), training))
        return feed


def inputs():
    x = tf.placeholder(tf.float32, [None, N_STEPS, N_INPUT], name="x")
    y = tf.placeholder(tf.float32, [None, N_CLASSES], name="y")
    return x, y


def rows(x):
    """[batch, 28, 28] -> list of 28 tensors [batch, 28], the input static_rnn wants."""
    return tf.unstack(x, N_STEPS, axis=1)


def shared_weights():
    """Scope for a model's variables: reuse them if this graph already has them.

    The initializer is TF1's default for ``get_variable``, which TF1's cells got for their
    kernels. Without it tf-keras substitutes its own glorot_uniform with a random seed, and
    the graph-level seed no longer fixes the initial weights.
    """
    return tf.variable_scope(tf.get_variable_scope(), reuse=tf.AUTO_REUSE,
                             initializer=tf.glorot_uniform_initializer())


def classifier_head(x, y, logits, optimizer, training, **extras):
    """Loss, accuracy and (when training) the optimizer step: the part all tutorials share."""
    global_step = tf.train.get_or_create_global_step()
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=y))
    with tf.name_scope("accuracy"):
        correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1))
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    train_op = optimizer.minimize(loss, global_step=global_step) if training else None
    return Graph(x, y, logits, loss, accuracy, train_op, global_step, **extras)


def build_bilstm(cfg, training=True):
    """BiLSTM tutorial: static_bidirectional_rnn over the rows, classify from outputs[-1]."""
    rnn_cell = legacy_rnn_cells()
    with shared_weights():
        x, y = inputs()
        with tf.variable_scope("birnn"):
            with tf.variable_scope("fw"):
                fw_cell = rnn_cell.BasicLSTMCell(cfg.n_hidden, forget_bias=1.0)
            with tf.variable_scope("bw"):
                bw_cell = rnn_cell.BasicLSTMCell(cfg.n_hidden, forget_bias=1.0)
            # outputs: 28 x [batch, 2 * n_hidden], forward half then backward half
            outputs, _, _ = tf.nn.static_bidirectional_rnn(fw_cell, bw_cell, rows(x), dtype=tf.float32)
        if cfg.readout == "last":
            features = outputs[-1]  # the backward LSTM has read only the last row here
        else:  # each direction's final output: forward at t=27, backward at t=0
            features = tf.concat([outputs[-1][:, :cfg.n_hidden], outputs[0][:, cfg.n_hidden:]], 1)
        # The tutorial made these with tf.Variable, which named them so; a TF1 checkpoint matches.
        weights = tf.get_variable("Variable", [2 * cfg.n_hidden, N_CLASSES],
                                  initializer=tf.random_normal_initializer())
        biases = tf.get_variable("Variable_1", [N_CLASSES], initializer=tf.random_normal_initializer())
        logits = tf.matmul(features, weights) + biases  # [batch, 10]
    return classifier_head(x, y, logits, tf.train.AdamOptimizer(cfg.learning_rate), training)
