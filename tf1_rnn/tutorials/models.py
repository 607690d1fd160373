"""One graph builder per tutorial, plus the classifier head they share.

A builder reads only its config, adds ops to the current graph and returns a :class:`Graph`.
Everything is built under ``reuse=AUTO_REUSE`` at the caller's variable scope, so building
again in the same graph (a notebook re-running a cell, or an eval graph beside a train
graph) shares the weights instead of raising "Variable ... already exists". Variable
names are the tutorials' own, so TF1 checkpoints line up.

How an LSTM runs is decided once, by :func:`lstm_impl` (see :mod:`tf1_rnn.lstm.impl`); a builder
takes the answer (``lstm=``) and asks it. ``cell`` builds the tutorial's own graph (BasicLSTMCell
unrolled by static_rnn); ``fused`` and ``compiled`` compute the same function with the same
variables, one function per sequence (:mod:`tf1_rnn.lstm.rnn`). The ``cell`` branches are the
tutorials' graphs as they were: a seed gives the same graph, so the same run.
"""
from typing import Callable, NamedTuple, Optional

import numpy as np

from tf1_rnn.compat import TF1DefaultInitializer, legacy_rnn_cells, tf
from tf1_rnn.lstm import cells, impl
from tf1_rnn.lstm import rnn as sequence_rnn

N_STEPS = N_INPUT = 28  # an MNIST image is 28 rows of 28 pixels, one row per time step
N_CLASSES = 10


def lstm_impl(cfg):
    """How this config's LSTMs run: ``impl.choose(cfg.lstm_impl)``; ``cell`` for a model without one."""
    if getattr(cfg, "cell", "lstm") != "lstm":
        return impl.LSTMImpl("cell", cfg.batch_size)
    return impl.choose(cfg.lstm_impl, cfg.batch_size)


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


def time_major(x):
    """[batch, 28, 28] -> [28, batch, 28], the fused LSTM's input."""
    return tf.transpose(x, [1, 0, 2])


def shared_weights():
    """Scope for a model's variables: reuse them if this graph already has them.

    The initializer is TF1's default for ``get_variable``, which TF1's cells got for their
    kernels (see :class:`compat.TF1DefaultInitializer`).
    """
    return tf.variable_scope(tf.get_variable_scope(), reuse=tf.AUTO_REUSE,
                             initializer=TF1DefaultInitializer())


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


def build_bilstm(cfg, training=True, lstm=None):
    """BiLSTM tutorial: static_bidirectional_rnn over the rows, classify from outputs[-1]."""
    lstm = lstm or lstm_impl(cfg)
    with shared_weights():
        x, y = inputs()
        with tf.variable_scope("birnn"):
            if lstm.sequence_ops:
                # outputs.at(t): [batch, 2 * n_hidden]. Reading only t=27, the backward LSTM runs one step.
                read = [N_STEPS - 1] if cfg.readout == "last" else [0, N_STEPS - 1]
                outputs = sequence_rnn.bidirectional_lstm(time_major(x), cfg.n_hidden, lstm, read=read)
                first = outputs.at(0) if cfg.readout == "ends" else None
                last = outputs.at(N_STEPS - 1)
            else:
                with tf.variable_scope("fw"):
                    fw_cell = cells.make_cell("lstm", cfg.n_hidden)
                with tf.variable_scope("bw"):
                    bw_cell = cells.make_cell("lstm", cfg.n_hidden)
                # outputs: 28 x [batch, 2 * n_hidden], forward half then backward half
                outputs, _, _ = tf.nn.static_bidirectional_rnn(fw_cell, bw_cell, rows(x), dtype=tf.float32)
                first, last = outputs[0], outputs[-1]
        if cfg.readout == "last":
            features = last  # the backward LSTM has read only the last row here
        else:  # each direction's final output: forward at t=27, backward at t=0
            features = tf.concat([last[:, :cfg.n_hidden], first[:, cfg.n_hidden:]], 1)
        logits, _, _ = output_layer(features, 2 * cfg.n_hidden, tf.random_normal_initializer(),
                                    tf.random_normal_initializer())
    return classifier_head(x, y, logits, tf.train.AdamOptimizer(cfg.learning_rate), training)


def output_layer(features, n_in, weights_init, biases_init):
    """``(features @ W + b, W, b)``, W and b named as the tutorials' tf.Variable calls named them.

    Those names (Variable, Variable_1) let a TF1 checkpoint of the tutorial restore here.
    """
    weights = tf.get_variable("Variable", [n_in, N_CLASSES], initializer=weights_init)
    biases = tf.get_variable("Variable_1", [N_CLASSES], initializer=biases_init)
    return tf.matmul(features, weights) + biases, weights, biases  # logits: [batch, 10]


def build_lstm(cfg, training=True, lstm=None):
    """LSTM tutorial: dynamic_rnn from zero_state(batch_size), dropout on each layer's output."""
    lstm = lstm or lstm_impl(cfg)
    with shared_weights():
        x, y = inputs()
        batch_size = tf.placeholder(tf.int32, [], name="batch_size")
        keep_prob = tf.placeholder(tf.float32, [], name="keep_prob")
        step = tf.train.get_or_create_global_step()
        if lstm.sequence_ops:
            seeds = [cells.dropout_seed(cfg.seed or 0, i, step) for i in range(cfg.layers)]
            # [batch, n_hidden]
            h_state = sequence_rnn.dropout_lstm(time_major(x), cfg.n_hidden, lstm, keep_prob, seeds)[-1]
        else:
            h_state = _dropout_rnn(cfg, x, batch_size, keep_prob, step)
        logits, weights, biases = output_layer(h_state, cfg.n_hidden, tf.truncated_normal_initializer(stddev=0.1),
                                               tf.constant_initializer(0.1))
        if cfg.softmax_twice:
            logits = tf.nn.softmax(logits)  # the tutorial's y_pre, fed again to a softmax loss
        summaries = tf.summary.merge([tf.summary.histogram("weights", weights),
                                      tf.summary.histogram("biases", biases),
                                      tf.summary.histogram("h_state", h_state)])

    def extra_feed(n, training):
        return {batch_size: n, keep_prob: cfg.keep_prob if training else 1.0}
    return classifier_head(x, y, logits, tf.train.AdamOptimizer(cfg.learning_rate), training,
                           extra_feed=extra_feed, summaries=summaries)


def _dropout_rnn(cfg, x, batch_size, keep_prob, step):
    """The tutorial's cells under dynamic_rnn; the last time step's dropped output [batch, n_hidden]."""
    layers = [cells.SeededDropoutWrapper(cells.make_cell(cfg.cell, cfg.n_hidden), keep_prob,
                                         cells.dropout_seed(cfg.seed or 0, i, step))
              for i in range(cfg.layers)]
    cell = layers[0] if cfg.layers == 1 else legacy_rnn_cells().MultiRNNCell(layers, state_is_tuple=True)
    initial_state = cell.zero_state(batch_size, tf.float32)
    outputs, _ = tf.nn.dynamic_rnn(cell, x, initial_state=initial_state, time_major=False)
    return outputs[:, -1, :]  # the last time step


def build_rnn(cfg, training=True, lstm=None):
    """Plain RNN tutorial: one BasicLSTMCell by static_rnn, gradient descent."""
    lstm = lstm or lstm_impl(cfg)
    with shared_weights():
        x, y = inputs()
        if lstm.sequence_ops:  # 28 x [batch, n_hidden]; the 27 unread ones cost nothing
            outputs, _ = sequence_rnn.lstm(time_major(x), cfg.n_hidden, lstm)
        else:
            cell = cells.make_cell("lstm", cfg.n_hidden)
            outputs, _ = tf.nn.static_rnn(cell, rows(x), dtype=tf.float32)  # 28 x [batch, n_hidden]
        logits, _, _ = output_layer(outputs[-1], cfg.n_hidden, tf.random_normal_initializer(),
                                    tf.random_normal_initializer())
    return classifier_head(x, y, logits, tf.train.GradientDescentOptimizer(cfg.learning_rate), training)


def build_birnn(cfg, training=True, lstm=None):
    """BiRNN tutorial: classify from outputs[14], where both directions have read half the image."""
    lstm = lstm or lstm_impl(cfg)
    with shared_weights():
        x, y = inputs()
        if lstm.sequence_ops:  # forward LSTM runs steps 0..14, backward 27..14
            outputs = sequence_rnn.bidirectional_lstm(time_major(x), cfg.n_hidden, lstm, read=[N_STEPS // 2])
            middle = outputs.at(N_STEPS // 2)  # [batch, 2 * n_hidden]
        else:
            fw_cell, bw_cell = cells.make_cell("lstm", cfg.n_hidden), cells.make_cell("lstm", cfg.n_hidden)
            outputs, _, _ = tf.nn.static_bidirectional_rnn(fw_cell, bw_cell, rows(x), dtype=tf.float32)
            middle = outputs[N_STEPS // 2]  # [batch, 2 * n_hidden]
        logits, _, _ = output_layer(middle, 2 * cfg.n_hidden, tf.random_normal_initializer(),
                                    tf.constant_initializer(0.1))
    return classifier_head(x, y, logits, tf.train.AdamOptimizer(cfg.learning_rate), training)


def build_dlstm(cfg, training=True, lstm=None):
    """DLSTM tutorial (TF 0.6): input projection, BiLSTM from fed initial states, fixed lengths."""
    n_projected = 2 * cfg.n_hidden
    lstm = lstm or lstm_impl(cfg)
    with shared_weights():
        x, y = inputs()
        # TF 0.6 cells kept c and h in one [batch, 2 * n_hidden] tensor.
        initial_fw = tf.placeholder(tf.float32, [None, 2 * cfg.n_hidden], name="istate_fw")
        initial_bw = tf.placeholder(tf.float32, [None, 2 * cfg.n_hidden], name="istate_bw")
        lengths = tf.placeholder(tf.int32, [None], name="sequence_length")
        flat = tf.reshape(tf.transpose(x, [1, 0, 2]), [-1, N_INPUT])  # [28 * batch, 28], time-major
        w_hidden = tf.get_variable("weights_hidden", [N_INPUT, n_projected],
                                   initializer=tf.random_normal_initializer())
        b_hidden = tf.get_variable("biases_hidden", [n_projected], initializer=tf.random_normal_initializer())
        if lstm.sequence_ops:
            projected = tf.reshape(tf.matmul(flat, w_hidden) + b_hidden, [N_STEPS, -1, n_projected])
            last = sequence_rnn.bidirectional_lstm(projected, cfg.n_hidden, lstm, initial_fw, initial_bw, lengths,
                                                   state_is_tuple=False).at(N_STEPS - 1)
        else:
            projected = tf.split(tf.matmul(flat, w_hidden) + b_hidden, N_STEPS, 0)  # 28 x [batch, 2 * n_hidden]
            fw_cell = cells.make_cell("lstm", cfg.n_hidden, state_is_tuple=False)
            bw_cell = cells.make_cell("lstm", cfg.n_hidden, state_is_tuple=False)
            outputs, _, _ = tf.nn.static_bidirectional_rnn(
                fw_cell, bw_cell, projected, initial_state_fw=initial_fw, initial_state_bw=initial_bw,
                sequence_length=lengths)
            last = outputs[-1]
        w_out = tf.get_variable("weights_out", [2 * cfg.n_hidden, N_CLASSES],
                                initializer=tf.random_normal_initializer())
        b_out = tf.get_variable("biases_out", [N_CLASSES], initializer=tf.random_normal_initializer())
        logits = tf.matmul(last, w_out) + b_out  # [batch, 10]

    def extra_feed(n, training):
        zeros = np.zeros((n, 2 * cfg.n_hidden), np.float32)
        return {initial_fw: zeros, initial_bw: zeros, lengths: np.full(n, N_STEPS, np.int32)}
    return classifier_head(x, y, logits, tf.train.AdamOptimizer(cfg.learning_rate), training,
                           extra_feed=extra_feed)
