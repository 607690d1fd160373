"""The benchmark's in-process systems: TensorFlow 1.x graphs trained by ``session.run``.

- ``tf1_rnn`` with ``lstm_impl`` ``cell``, ``fused`` or ``compiled``: the library's own builders;
- ``tf1_rnn`` compiled GRU: lstm_mnist's model with ``--cell gru`` on the compiled GRU op
  (``tf1_rnn.lstm.gru``), where the tutorial's builder runs GRUCell as a cell;
- ``plain TF1``: the tutorial's graph as a TF 1.x program wrote it (placeholders,
  ``tf.nn.rnn_cell.BasicLSTMCell`` or ``GRUCell``, ``static_rnn`` / ``static_bidirectional_rnn`` /
  ``dynamic_rnn`` with TF's own ``DropoutWrapper``, ``tf.Variable`` output layer), built from
  the workload's sizes without tf1_rnn's builders, so the two can be compared.

Each builder returns a :class:`TrainStep`: what a step runs, its feed, and the loss with the
dropout off, so two systems can be checked on the same weights.
"""
import collections
import dataclasses
import time
from typing import NamedTuple

import numpy as np

from benchmarks.workers import N_CLASSES, N_INPUT, N_STEPS, random_batch
from tf1_rnn.compat import legacy_rnn_cells, tf
from tf1_rnn.lstm import cells, impl
from tf1_rnn.lstm.gru import gru_sequence, gru_variables
from tf1_rnn.tutorials import models


class TrainStep(NamedTuple):
    train_op: tf.Operation
    feed: dict               # one fixed training batch, dropout on
    loss: tf.Tensor
    feed_no_dropout: dict    # the same batch with keep_prob 1.0


class GraphSystem:
    """A graph, its session and a fixed feed; ``time(n)`` trains n steps and returns seconds."""

    def __init__(self, build, warmup):
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(0)
            self.step = build()
            init = tf.global_variables_initializer()
        self.sess = tf.Session(graph=self.graph)
        self.sess.run(init)
        self.time(warmup)

    def time(self, steps):
        start = time.perf_counter()
        for _ in range(steps):
            self.sess.run(self.step.train_op, self.step.feed)
        return time.perf_counter() - start

    def profile(self, steps):
        """Where a step's time goes: {op type: ms per step}, from TensorFlow's step trace.

        Times are each kernel's own compute, summed over the step; ops on two cores overlap,
        so the sum can exceed the step's wall time.
        """
        per_type = collections.Counter()
        for _ in range(steps):
            metadata = tf.RunMetadata()
            self.sess.run(self.step.train_op, self.step.feed, run_metadata=metadata,
                          options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
            for device in metadata.step_stats.dev_stats:
                for node in device.node_stats:
                    # timeline_label reads "name = OpType(inputs)"; runtime nodes have no " = ".
                    _, _, call = node.timeline_label.partition(" = ")
                    if call:
                        per_type[call.split("(")[0]] += node.op_end_rel_micros / 1000 / steps
        return dict(per_type.most_common())

    def close(self):
        self.sess.close()


def tf1_rnn_graph(builder, cfg, impl_name, work):
    """``models.<builder>(cfg)`` with ``lstm_impl=impl_name``, fed one fixed training batch."""
    def build():
        model = getattr(models, builder)(dataclasses.replace(cfg, lstm_impl=impl_name))
        x, labels = random_batch(work)
        images, one_hot = x.reshape(len(x), -1), np.eye(N_CLASSES, dtype=np.float32)[labels]
        return TrainStep(model.train_op, model.feed(images, one_hot, training=True), model.loss,
                         model.feed(images, one_hot, training=False))
    return build


def compiled_gru_graph(cfg, work):
    """``models.build_lstm``'s model with a GRU (lstm_mnist ``--cell gru``) on the compiled GRU op.

    GRUCell's variables and names (``rnn/gru_cell/...``), the batch split into parts as the
    compiled LSTM's is, the tutorial's seeded dropout on the last output, its output layer,
    double softmax and Adam.
    """
    def build():
        shards = impl.choose("compiled", cfg.batch_size).shards(cfg.n_hidden)
        with models.shared_weights():
            x, y = models.inputs()
            keep_prob = tf.placeholder(tf.float32, [], name="keep_prob")
            with tf.variable_scope("rnn"):  # where dynamic_rnn puts the cell's variables
                weights = gru_variables(N_INPUT, cfg.n_hidden)
            _, h_last = gru_sequence(models.time_major(x), *weights, shards=shards, compiled=True)
            seed = cells.dropout_seed(cfg.seed or 0, 0, tf.train.get_or_create_global_step())
            features = cells.dropout_at(h_last, keep_prob, seed, tf.constant(N_STEPS - 1, tf.int32))
            logits, _, _ = models.output_layer(features, cfg.n_hidden, tf.truncated_normal_initializer(stddev=0.1),
                                               tf.constant_initializer(0.1))
            if cfg.softmax_twice:
                logits = tf.nn.softmax(logits)
            model = models.classifier_head(x, y, logits, tf.train.AdamOptimizer(cfg.learning_rate), True)
        images, labels = random_batch(work)
        feed = {x: images, y: np.eye(N_CLASSES, dtype=np.float32)[labels]}
        return TrainStep(model.train_op, {**feed, keep_prob: cfg.keep_prob}, model.loss, {**feed, keep_prob: 1.0})
    return build


def plain_tf1_graph(work):
    """The tutorial's own TF 1.x graph for ``work``."""
    def build():
        rnn = legacy_rnn_cells()  # TF1's tf.nn.rnn_cell, from tf-keras
        x = tf.placeholder(tf.float32, [None, N_STEPS, N_INPUT])
        y = tf.placeholder(tf.float32, [None, N_CLASSES])
        images, labels = random_batch(work)
        feed = {x: images, y: np.eye(N_CLASSES, dtype=np.float32)[labels]}
        no_dropout = {}  # what feed_no_dropout changes
        h = work.hidden
        if work.projection:  # DLSTM, TF 0.6: input projection, fed states, sequence_length
            w = tf.Variable(tf.random_normal([N_INPUT, work.projection]))
            b = tf.Variable(tf.random_normal([work.projection]))
            flat = tf.reshape(tf.transpose(x, [1, 0, 2]), [-1, N_INPUT])
            rows = tf.split(tf.matmul(flat, w) + b, N_STEPS, 0)
            states = [tf.placeholder(tf.float32, [None, 2 * h]) for _ in range(2)]
            lengths = tf.placeholder(tf.int32, [None])
            feed.update({states[0]: np.zeros((work.batch, 2 * h), np.float32),
                         states[1]: np.zeros((work.batch, 2 * h), np.float32),
                         lengths: np.full(work.batch, N_STEPS, np.int32)})
            outputs, _, _ = tf.nn.static_bidirectional_rnn(
                rnn.BasicLSTMCell(h, forget_bias=1.0, state_is_tuple=False),
                rnn.BasicLSTMCell(h, forget_bias=1.0, state_is_tuple=False), rows,
                initial_state_fw=states[0], initial_state_bw=states[1], sequence_length=lengths)
            features = outputs[-1]
        elif work.bw_steps:
            outputs, _, _ = tf.nn.static_bidirectional_rnn(
                rnn.BasicLSTMCell(h, forget_bias=1.0), rnn.BasicLSTMCell(h, forget_bias=1.0),
                tf.unstack(x, N_STEPS, 1), dtype=tf.float32)
            t_fw, t_bw = work.fw_steps - 1, N_STEPS - work.bw_steps  # the times the readout reads
            features = outputs[t_fw] if t_fw == t_bw else tf.concat([outputs[t_fw][:, :h], outputs[t_bw][:, h:]], 1)
        elif work.dropout:  # the LSTM tutorial: dynamic_rnn, TF's stateful DropoutWrapper
            keep_prob = tf.placeholder(tf.float32, [])
            feed[keep_prob] = 1.0 - work.dropout
            no_dropout[keep_prob] = 1.0
            inner = rnn.GRUCell(h) if work.cell == "gru" else rnn.BasicLSTMCell(h, forget_bias=1.0)
            cell = rnn.DropoutWrapper(inner, output_keep_prob=keep_prob)
            outputs, _ = tf.nn.dynamic_rnn(cell, x, initial_state=cell.zero_state(tf.shape(x)[0], tf.float32))
            features = outputs[:, -1, :]
        else:
            outputs, _ = tf.nn.static_rnn(rnn.BasicLSTMCell(h, forget_bias=1.0), tf.unstack(x, N_STEPS, 1),
                                          dtype=tf.float32)
            features = outputs[-1]
        w_out = tf.Variable(tf.random_normal([int(features.shape[1]), N_CLASSES]))
        logits = tf.matmul(features, w_out) + tf.Variable(tf.random_normal([N_CLASSES]))
        if work.softmax_twice:
            logits = tf.nn.softmax(logits)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=y))
        optimizer = {"adam": tf.train.AdamOptimizer, "sgd": tf.train.GradientDescentOptimizer}[work.optimizer]
        return TrainStep(optimizer(work.learning_rate).minimize(loss), feed, loss, {**feed, **no_dropout})
    return build
