# A TF 0.x script in Python 2, in the idiom of the TF 0.6 tutorials, run unmodified by
# tests/test_legacy_tf0.py: print statements, xrange, iteritems, "except X, e", integer
# division, the tutorials' local "import input_data" (absent here), tensorflow.models.rnn, an
# LSTM state concatenated [c, h] and fed through a placeholder, 0.x's split/concat orders, a
# positional cross-entropy, initialize_all_variables, scalar_summary and SummaryWriter.
import sys

import numpy as np
import tensorflow as tf
from tensorflow.models.rnn import rnn, rnn_cell

import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
steps = int(sys.argv[1])
batch_size = 32
n_input, n_steps, n_hidden, n_classes = 28, 784 / 28, 16, 10  # 784 / 28 is an int in Python 2

x = tf.placeholder("float", [None, n_steps, n_input])
istate = tf.placeholder("float", [None, 2 * n_hidden])  # 0.x's concatenated [c, h]
y = tf.placeholder("float", [None, n_classes])
weights = {'hidden': tf.Variable(tf.random_normal([n_input, n_hidden])),
           'out': tf.Variable(tf.random_normal([2 * n_hidden, n_classes]))}


def RNN(_X, _istate):
    _X = tf.transpose(_X, [1, 0, 2])
    _X = tf.reshape(_X, [-1, n_input])
    _X = tf.matmul(_X, weights['hidden'])
    _X = tf.split(0, n_steps, _X)  # 0.x order: (split_dim, num_split, value)
    lstm_cell = rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0)
    outputs, states = rnn.rnn(lstm_cell, _X, initial_state=_istate)
    both = tf.concat(1, [outputs[-1], outputs[-1]])  # 0.x order: (concat_dim, values)
    return tf.matmul(both, weights['out']), states


pred, final_state = RNN(x, istate)
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(pred, y))  # 0.x: (logits, labels)
optimizer = tf.train.AdamOptimizer(learning_rate=0.01).minimize(cost)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1)), "float"))
tf.scalar_summary("minibatch loss", cost)
merged = tf.merge_all_summaries()
init = tf.initialize_all_variables()

sess = tf.Session()
sess.run(init)
writer = tf.train.SummaryWriter("logs", sess.graph_def)
first_labels = None
for step in xrange(1, steps + 1):
    batch_xs, batch_ys = mnist.train.next_batch(batch_size)
    if first_labels is None:
        first_labels = batch_ys.argmax(1)[:8]
    feed = {x: batch_xs.reshape((batch_size, n_steps, n_input)), y: batch_ys,
            istate: np.zeros((batch_size, 2 * n_hidden))}
    _, summary = sess.run([optimizer, merged], feed_dict=feed)
    writer.add_summary(summary, step)
writer.close()
print "first labels", " ".join(str(l) for l in first_labels)
print "epochs", mnist.train.epochs_completed
print "state shape", sess.run(final_state, feed_dict=feed).shape
test_len = 256
feed = {x: mnist.test.images[:test_len].reshape((-1, n_steps, n_input)), y: mnist.test.labels[:test_len],
        istate: np.zeros((test_len, 2 * n_hidden))}
print "Testing Accuracy:", sess.run(accuracy, feed_dict=feed)
counts = {}
for name in [v.name for v in tf.trainable_variables()]:
    counts[name.split("/")[0]] = counts.get(name.split("/")[0], 0) + 1
for scope, n in sorted(counts.iteritems()):
    print "scope", scope, n
try:
    mnist.train.next_batch(10 ** 6)
except ValueError, e:
    print "caught", type(e).__name__
