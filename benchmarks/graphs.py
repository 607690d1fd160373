"""The benchmark's in-process systems: TensorFlow 1.x graphs trained by ``session.run``.

- ``tf1_rnn`` with ``lstm_impl`` ``cell`` or ``fused``: the library's own builders;
- ``plain TF1``: the tutorial's graph as a TF 1.x program wrote it (placeholders,
  ``tf.nn.rnn_cell.BasicLSTMCell``, ``static_rnn`` / ``static_bidirectional_rnn`` /
  ``dynamic_rnn`` with TF's own ``DropoutWrapper``, ``tf.Variable`` output layer), built from
  the workload's sizes without tf1_rnn's builders, so the two can be compared.
"""
import collections
import dataclasses
import time

import numpy as np

from benchmarks.workers import N_CLASSES, N_INPUT, N_STEPS, random_batch
from tf1_rnn.tutorials import models
from tf1_rnn.compat import legacy_rnn_cells, tf


class GraphSystem:
    """A graph, its session and a fixed feed; ``time(n)`` trains n steps and returns seconds."""

    def __init__(self, build, warmup):
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(0)
            self.train_op, self.feed = build()
            init = tf.global_variables_initializer()
        self.sess = tf.Session(graph=self.graph)
        self.sess.run(init)
        self.time(warmup)

    def time(self, steps):
        start = time.perf_counter()
        for _ in range(steps):
            self.sess.run(self.train_op, self.feed)
        return time.perf_counter() - start

    def profile(self, steps):
        """Where a step's time goes: {op type: ms per step}, from TensorFlow's step trace.

        Times are each kernel's own compute, summed over the step; ops on two cores overlap,
        so the sum can exceed the step's wall time.
        """
        per_type = collections.Counter()
        for _ in range(steps):
            metadata = tf.RunMetadata()
            self.sess.run(self.train_op, self.feed, run_metadata=metadata,
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


def tf1_rnn_graph(builder, cfg, impl, work):
    """``models.<builder>(cfg)`` with ``lstm_impl=impl``, fed one fixed training batch."""
    def build():
        model = getattr(models, builder)(dataclasses.replace(cfg, lstm_impl=impl))
        x, labels = random_batch(work)
        return model.train_op, model.feed(x.reshape(len(x), -1), np.eye(N_CLASSES, dtype=np.float32)[labels],
                                          training=True)
    return build


def plain_tf1_graph(work):
    """The tutorial's own TF 1.x graph for ``work``."""
    def build():
        rnn = legacy_rnn_cells()  # TF1's tf.nn.rnn_cell, from tf-keras
        x = tf.placeholder(tf.float32, [None, N_STEPS, N_INPUT])
        y = tf.placeholder(tf.float32, [None, N_CLASSES])
        images, labels = random_batch(work)
        feed = {x: images, y: np.eye(N_CLASSES, dtype=np.float32)[labels]}
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
            cell = rnn.DropoutWrapper(rnn.BasicLSTMCell(h, forget_bias=1.0), output_keep_prob=keep_prob)
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
        return optimizer(work.learning_rate).minimize(loss), feed
    return build
