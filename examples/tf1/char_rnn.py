"""A character-level LSTM language model, as a TensorFlow 1.2 program of mid-2017.

Written for this project in the idiom of the char-rnn ports of that year: the text becomes
batches of [batch_size, seq_length] character ids, a stack of tf.contrib.rnn.BasicLSTMCell reads
them through tf.contrib.legacy_seq2seq.rnn_decoder (a static unroll over a list of time
steps), tf.contrib.legacy_seq2seq.sequence_loss_by_example scores the next character, and the
final state of one batch is fed as the initial state of the next. A second copy of the model,
one character at a time and sharing the weights (variable_scope reuse), samples text.

The last tenth of the text is held out; the program prints the training loss, then the
held-out `perplexity: X` per character, then 200 sampled characters.

Data (--data): any text file. The default is the source of Python's own `os` module
(os.__file__, about 40,000 characters), so the program runs wherever Python does:

    python -m tf1_rnn.run_legacy --seed 1 examples/tf1/char_rnn.py [--data FILE] [--num_epochs N]
"""
import codecs
import os

import numpy as np
import tensorflow as tf

flags = tf.flags
flags.DEFINE_string("data", os.path.splitext(os.__file__)[0] + ".py",
                    "text file to learn (default: the source of Python's os module)")
flags.DEFINE_integer("rnn_size", 128, "LSTM units per layer")
flags.DEFINE_integer("num_layers", 2, "LSTM layers")
flags.DEFINE_integer("batch_size", 16, "sequences per batch")
flags.DEFINE_integer("seq_length", 50, "characters per sequence (unrolled steps)")
flags.DEFINE_integer("num_epochs", 10, "passes over the training text")
flags.DEFINE_float("learning_rate", 0.005, "Adam's learning rate")
flags.DEFINE_float("grad_clip", 5.0, "clip the gradients' global norm to this")
flags.DEFINE_integer("print_every", 50, "print the training loss every this many batches")
flags.DEFINE_integer("sample_length", 200, "characters to sample at the end")
FLAGS = flags.FLAGS


def load_text(path):
    with codecs.open(path, "r", encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    vocab = dict((c, i) for i, c in enumerate(chars))
    return np.array([vocab[c] for c in text], dtype=np.int32), chars, vocab


def make_batches(ids, batch_size, seq_length):
    """(x, y) pairs [batch_size, seq_length]; y is x one character later; row b reads its own stretch."""
    num_batches = (len(ids) - 1) // (batch_size * seq_length)
    if num_batches == 0:
        raise ValueError("not enough text for one batch: make batch_size or seq_length smaller")
    n = num_batches * batch_size * seq_length
    # [n] -> [batch_size, num_batches * seq_length] -> num_batches x [batch_size, seq_length]
    xs = np.split(ids[:n].reshape(batch_size, -1), num_batches, 1)
    ys = np.split(ids[1:n + 1].reshape(batch_size, -1), num_batches, 1)
    return list(zip(xs, ys))


class Model(object):
    def __init__(self, vocab_size, batch_size, seq_length, training=True):
        cells = [tf.contrib.rnn.BasicLSTMCell(FLAGS.rnn_size) for _ in range(FLAGS.num_layers)]
        self.cell = cell = tf.contrib.rnn.MultiRNNCell(cells)

        self.input_data = tf.placeholder(tf.int32, [batch_size, seq_length])
        self.targets = tf.placeholder(tf.int32, [batch_size, seq_length])
        self.initial_state = cell.zero_state(batch_size, tf.float32)

        with tf.variable_scope("rnnlm"):
            softmax_w = tf.get_variable("softmax_w", [FLAGS.rnn_size, vocab_size])
            softmax_b = tf.get_variable("softmax_b", [vocab_size])
            embedding = tf.get_variable("embedding", [vocab_size, FLAGS.rnn_size])
            inputs = tf.nn.embedding_lookup(embedding, self.input_data)  # [batch, seq_length, rnn_size]
            # seq_length tensors [batch, rnn_size]
            inputs = [tf.squeeze(step, [1]) for step in tf.split(inputs, seq_length, 1)]

        outputs, self.final_state = tf.contrib.legacy_seq2seq.rnn_decoder(
            inputs, self.initial_state, cell, scope="rnnlm")
        # seq_length x [batch, rnn_size] -> [batch * seq_length, rnn_size], row b * seq_length + t
        output = tf.reshape(tf.concat(outputs, 1), [-1, FLAGS.rnn_size])
        self.logits = tf.matmul(output, softmax_w) + softmax_b
        self.probs = tf.nn.softmax(self.logits)
        loss = tf.contrib.legacy_seq2seq.sequence_loss_by_example(
            [self.logits], [tf.reshape(self.targets, [-1])], [tf.ones([batch_size * seq_length])])
        self.cost = tf.reduce_sum(loss) / batch_size / seq_length  # nats per character

        if not training:
            return
        tvars = tf.trainable_variables()
        grads, _ = tf.clip_by_global_norm(tf.gradients(self.cost, tvars), FLAGS.grad_clip)
        optimizer = tf.train.AdamOptimizer(FLAGS.learning_rate)
        self.train_op = optimizer.apply_gradients(zip(grads, tvars))

    def feed_state(self, feed, state):
        for i, (c, h) in enumerate(self.initial_state):
            feed[c] = state[i].c
            feed[h] = state[i].h
        return feed


def run_epoch(sess, model, batches, train_op=None, epoch=0):
    """Mean cost (nats per character) over the batches; the state flows from batch to batch."""
    state = sess.run(model.initial_state)
    fetches = [model.cost, model.final_state] + ([train_op] if train_op is not None else [])
    costs = []
    for b, (x, y) in enumerate(batches):
        feed = model.feed_state({model.input_data: x, model.targets: y}, state)
        results = sess.run(fetches, feed)
        cost, state = results[0], results[1]
        costs.append(cost)
        if train_op is not None and (b + 1) % FLAGS.print_every == 0:
            print("epoch %d, batch %d/%d, train_loss = %.3f" % (epoch, b + 1, len(batches), cost))
    return float(np.mean(costs))


def sample(sess, model, chars, vocab, num, prime):
    state = sess.run(model.initial_state)
    for c in prime[:-1]:
        state = sess.run(model.final_state, model.feed_state({model.input_data: [[vocab[c]]]}, state))
    text, c = prime, prime[-1]
    for _ in range(num):
        feed = model.feed_state({model.input_data: [[vocab[c]]]}, state)
        probs, state = sess.run([model.probs, model.final_state], feed)
        p = probs[0].astype(np.float64)
        c = chars[np.random.choice(len(chars), p=p / p.sum())]
        text += c
    return text


def main(_):
    ids, chars, vocab = load_text(FLAGS.data)
    split = int(len(ids) * 0.9)
    train_batches = make_batches(ids[:split], FLAGS.batch_size, FLAGS.seq_length)
    valid_batches = make_batches(ids[split:], FLAGS.batch_size, FLAGS.seq_length)
    print("%s: %d characters, %d distinct; %d training batches, %d held-out batches"
          % (FLAGS.data, len(ids), len(chars), len(train_batches), len(valid_batches)))

    with tf.variable_scope("model"):
        model = Model(len(chars), FLAGS.batch_size, FLAGS.seq_length)
    with tf.variable_scope("model", reuse=True):
        sampler = Model(len(chars), 1, 1, training=False)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(FLAGS.num_epochs):
            train_loss = run_epoch(sess, model, train_batches, model.train_op, epoch)
            print("epoch %d: train loss %.3f" % (epoch, train_loss))
        valid_loss = run_epoch(sess, model, valid_batches)
        print("held-out loss: %.3f" % valid_loss)
        print("perplexity: %.3f" % np.exp(valid_loss))
        print("sample:")
        prime = "".join(chars[i] for i in ids[split:split + 10])  # the held-out text's start
        print(sample(sess, sampler, chars, vocab, FLAGS.sample_length, prime))


if __name__ == "__main__":
    tf.app.run()
