"""A word-level LSTM language model on PTB, as a TensorFlow 0.10 program of mid-2016 (Python 2).

Written for this project in the idiom of the PTB tutorial that shipped with TensorFlow 0.x
(Zaremba et al. 2014, "Recurrent Neural Network Regularization"): the reader from
tensorflow.models.rnn.ptb, LSTM cells whose state is one concatenated [c, h] tensor
(state_is_tuple=False), a static tf.nn.rnn over a Python list of time steps, the final state
fed back as the next batch's initial state, gradients clipped by global norm, plain SGD whose
learning rate decays after a few epochs. Training, validation and test models share their
weights through variable_scope reuse; the test model reads one word at a time.

Data: the "data" folder of simple-examples.tgz, or a synthetic corpus in its format:

    python examples/data/make_toy_ptb.py /tmp/toy_ptb
    python -m tf1_rnn.run_legacy --seed 1 examples/tf0/ptb_word_lm.py --data_path /tmp/toy_ptb

Configurations (--model): "toy" (the default, sized for the toy corpus), "small" (the
tutorial's small model for real PTB) and "test" (tiny, for smoke tests).
"""
import time

import numpy as np
import tensorflow as tf
from tensorflow.models.rnn.ptb import reader

flags = tf.flags
flags.DEFINE_string("model", "toy", "configuration: toy, small or test")
flags.DEFINE_string("data_path", None, "folder with ptb.train.txt, ptb.valid.txt and ptb.test.txt")
FLAGS = flags.FLAGS


class ToyConfig(object):
    """For the synthetic corpus of make_toy_ptb.py (a few hundred word types)."""
    init_scale = 0.1
    learning_rate = 1.0
    max_grad_norm = 5
    num_layers = 2
    num_steps = 20
    hidden_size = 128
    max_epoch = 3        # epochs at the full learning rate
    max_max_epoch = 6    # epochs in all
    lr_decay = 0.5
    batch_size = 20
    vocab_size = 10000   # replaced by the data's


class SmallConfig(object):
    """The tutorial's small model for the real PTB."""
    init_scale = 0.1
    learning_rate = 1.0
    max_grad_norm = 5
    num_layers = 2
    num_steps = 20
    hidden_size = 200
    max_epoch = 4
    max_max_epoch = 13
    lr_decay = 0.5
    batch_size = 20
    vocab_size = 10000


class TestConfig(object):
    """Tiny: one short epoch, to check that everything runs."""
    init_scale = 0.1
    learning_rate = 1.0
    max_grad_norm = 1
    num_layers = 1
    num_steps = 2
    hidden_size = 2
    max_epoch = 1
    max_max_epoch = 1
    lr_decay = 0.5
    batch_size = 20
    vocab_size = 10000


class PTBModel(object):
    """The graph of one model; is_training adds the learning rate and the train op."""

    def __init__(self, is_training, config):
        self.batch_size = batch_size = config.batch_size
        self.num_steps = num_steps = config.num_steps
        size = config.hidden_size
        vocab_size = config.vocab_size

        self.input_data = tf.placeholder(tf.int32, [batch_size, num_steps])
        self.targets = tf.placeholder(tf.int32, [batch_size, num_steps])

        lstm_cell = tf.nn.rnn_cell.BasicLSTMCell(size, forget_bias=0.0, state_is_tuple=False)
        cell = tf.nn.rnn_cell.MultiRNNCell([lstm_cell] * config.num_layers, state_is_tuple=False)
        # one tensor [batch_size, num_layers * 2 * size]: each layer's c, then h
        self.initial_state = cell.zero_state(batch_size, tf.float32)

        with tf.device("/cpu:0"):
            embedding = tf.get_variable("embedding", [vocab_size, size])
            inputs = tf.nn.embedding_lookup(embedding, self.input_data)  # [batch, num_steps, size]

        # num_steps tensors [batch, size]: TF 0.x's split(dim, num, value)
        inputs = [tf.squeeze(step, [1]) for step in tf.split(1, num_steps, inputs)]
        outputs, state = tf.nn.rnn(cell, inputs, initial_state=self.initial_state)

        # [batch, num_steps * size] -> [batch * num_steps, size], row b * num_steps + t
        output = tf.reshape(tf.concat(1, outputs), [-1, size])
        softmax_w = tf.get_variable("softmax_w", [size, vocab_size])
        softmax_b = tf.get_variable("softmax_b", [vocab_size])
        logits = tf.matmul(output, softmax_w) + softmax_b
        loss = tf.nn.seq2seq.sequence_loss_by_example(
            [logits], [tf.reshape(self.targets, [-1])], [tf.ones([batch_size * num_steps])])
        self.cost = tf.reduce_sum(loss) / batch_size
        self.final_state = state

        if not is_training:
            self.train_op = tf.no_op()
            return
        self.lr = tf.Variable(0.0, trainable=False)
        tvars = tf.trainable_variables()
        grads, _ = tf.clip_by_global_norm(tf.gradients(self.cost, tvars), config.max_grad_norm)
        optimizer = tf.train.GradientDescentOptimizer(self.lr)
        self.train_op = optimizer.apply_gradients(zip(grads, tvars))

    def assign_lr(self, session, lr_value):
        session.run(tf.assign(self.lr, lr_value))


def run_epoch(session, m, data, verbose=False):
    """One pass over data; returns the perplexity. The state runs on from batch to batch."""
    epoch_size = ((len(data) // m.batch_size) - 1) // m.num_steps
    start_time = time.time()
    costs = 0.0
    iters = 0
    state = m.initial_state.eval()
    for step, (x, y) in enumerate(reader.ptb_iterator(data, m.batch_size, m.num_steps)):
        cost, state, _ = session.run([m.cost, m.final_state, m.train_op],
                                     {m.input_data: x, m.targets: y, m.initial_state: state})
        costs += cost
        iters += m.num_steps
        if verbose and epoch_size >= 10 and step % (epoch_size // 10) == 10:
            print "%.3f perplexity: %.3f speed: %.0f wps" % (
                step * 1.0 / epoch_size, np.exp(costs / iters),
                iters * m.batch_size / (time.time() - start_time))
    return np.exp(costs / iters)


def get_config():
    configs = {"toy": ToyConfig, "small": SmallConfig, "test": TestConfig}
    if FLAGS.model not in configs:
        raise ValueError("Invalid model: %s" % FLAGS.model)
    return configs[FLAGS.model]()


def main(_):
    if not FLAGS.data_path:
        raise ValueError("Must set --data_path to PTB data directory")

    train_data, valid_data, test_data, vocab_size = reader.ptb_raw_data(FLAGS.data_path)
    print "vocabulary: %d words, train: %d, valid: %d, test: %d" % (
        vocab_size, len(train_data), len(valid_data), len(test_data))

    config = get_config()
    config.vocab_size = vocab_size
    eval_config = get_config()
    eval_config.vocab_size = vocab_size
    eval_config.batch_size = 1
    eval_config.num_steps = 1

    with tf.Graph().as_default(), tf.Session() as session:
        initializer = tf.random_uniform_initializer(-config.init_scale, config.init_scale)
        with tf.variable_scope("model", reuse=None, initializer=initializer):
            m = PTBModel(is_training=True, config=config)
        with tf.variable_scope("model", reuse=True, initializer=initializer):
            mvalid = PTBModel(is_training=False, config=config)
            mtest = PTBModel(is_training=False, config=eval_config)

        tf.initialize_all_variables().run()

        for i in xrange(config.max_max_epoch):
            lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)
            m.assign_lr(session, config.learning_rate * lr_decay)

            print "Epoch: %d Learning rate: %.3f" % (i + 1, session.run(m.lr))
            train_perplexity = run_epoch(session, m, train_data, verbose=True)
            print "Epoch: %d Train Perplexity: %.3f" % (i + 1, train_perplexity)
            valid_perplexity = run_epoch(session, mvalid, valid_data)
            print "Epoch: %d Valid Perplexity: %.3f" % (i + 1, valid_perplexity)

        test_perplexity = run_epoch(session, mtest, test_data)
        print "Test Perplexity: %.3f" % test_perplexity


if __name__ == "__main__":
    tf.app.run()
