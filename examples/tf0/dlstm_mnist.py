'''
"DLSTM" on MNIST as a TensorFlow 0.6 program of late 2015 would have been written (Python 2):
each 28-pixel row is projected to 2 * n_hidden features, then read by a bidirectional LSTM that
starts from initial states fed through placeholders (0.6's concatenated [c, h] layout, zeros)
with an explicit sequence length of 28; the last output is classified.

Written for this project in that idiom (examples/tf1/dlstm_mnist.py is the TF 1.x form):

    python -m tf1_rnn.run_legacy examples/tf0/dlstm_mnist.py [--training_iters N] [--data_dir DIR]
'''

import numpy as np
import tensorflow as tf
from tensorflow.models.rnn import rnn, rnn_cell

import input_data

flags = tf.app.flags
flags.DEFINE_integer('training_iters', 100000, 'train while step * batch_size < training_iters')
flags.DEFINE_string('data_dir', '/tmp/data/', 'where the MNIST files are (or go)')
FLAGS = flags.FLAGS

mnist = input_data.read_data_sets(FLAGS.data_dir, one_hot=True)

# Parameters
learning_rate = 0.001
training_iters = FLAGS.training_iters
batch_size = 128
display_step = 10

# Network
n_input = 28     # pixels in a row
n_steps = 28     # rows, read one per time step
n_hidden = 128   # units in each direction
n_classes = 10

x = tf.placeholder("float", [None, n_steps, n_input])
istate_fw = tf.placeholder("float", [None, 2 * n_hidden])  # [c, h] of the forward cell
istate_bw = tf.placeholder("float", [None, 2 * n_hidden])
seqlen = tf.placeholder(tf.int64, [None])
y = tf.placeholder("float", [None, n_classes])

weights = {
    'hidden': tf.Variable(tf.random_normal([n_input, 2 * n_hidden])),
    'out': tf.Variable(tf.random_normal([2 * n_hidden, n_classes]))
}
biases = {
    'hidden': tf.Variable(tf.random_normal([2 * n_hidden])),
    'out': tf.Variable(tf.random_normal([n_classes]))
}


def BiRNN(_X, _istate_fw, _istate_bw, _weights, _biases):
    # [batch, steps, input] -> steps x [batch, input], through the projection
    _X = tf.transpose(_X, [1, 0, 2])
    _X = tf.reshape(_X, [-1, n_input])
    _X = tf.matmul(_X, _weights['hidden']) + _biases['hidden']
    _X = tf.split(0, n_steps, _X)

    fw_cell = rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0)
    bw_cell = rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0)
    outputs = rnn.bidirectional_rnn(fw_cell, bw_cell, _X, initial_state_fw=_istate_fw,
                                    initial_state_bw=_istate_bw, sequence_length=seqlen)
    return tf.matmul(outputs[-1], _weights['out']) + _biases['out']


pred = BiRNN(x, istate_fw, istate_bw, weights, biases)
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(pred, y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
correct_pred = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
init = tf.initialize_all_variables()


def feed(images, labels):
    n = len(images)
    return {x: images.reshape((n, n_steps, n_input)), y: labels,
            istate_fw: np.zeros((n, 2 * n_hidden)), istate_bw: np.zeros((n, 2 * n_hidden)),
            seqlen: [n_steps] * n}


with tf.Session() as sess:
    sess.run(init)
    step = 1
    while step * batch_size < training_iters:
        batch_xs, batch_ys = mnist.train.next_batch(batch_size)
        sess.run(optimizer, feed_dict=feed(batch_xs, batch_ys))
        if step % display_step == 0:
            acc, loss = sess.run([accuracy, cost], feed_dict=feed(batch_xs, batch_ys))
            print "Iter " + str(step * batch_size) + ", Minibatch Loss= " + "{:.6f}".format(loss) + \
                  ", Training Accuracy= " + "{:.5f}".format(acc)
        step += 1
    print "Optimization Finished!"

    test_len = 128
    print "Testing Accuracy:", sess.run(accuracy, feed_dict=feed(mnist.test.images[:test_len],
                                                                 mnist.test.labels[:test_len]))
