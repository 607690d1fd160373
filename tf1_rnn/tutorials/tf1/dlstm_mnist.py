# "DLSTM" in the TF 1.x idiom: an input projection, then a bidirectional LSTM from initial
# states fed through placeholders (TF 0.6's concatenated [c, h] layout) and explicit lengths.
#     python -m tf1_rnn.run_legacy examples/tf1/dlstm_mnist.py
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
learning_rate = 0.001
training_iters = 100000
batch_size = 128
display_step = 10
n_input = 28
n_steps = 28
n_hidden = 128
n_classes = 10

x = tf.placeholder("float", [None, n_steps, n_input])
istate_fw = tf.placeholder("float", [None, 2 * n_hidden])
istate_bw = tf.placeholder("float", [None, 2 * n_hidden])
seqlen = tf.placeholder(tf.int32, [None])
y = tf.placeholder("float", [None, n_classes])
weights = {'hidden': tf.Variable(tf.random_normal([n_input, 2 * n_hidden])),
           'out': tf.Variable(tf.random_normal([2 * n_hidden, n_classes]))}
biases = {'hidden': tf.Variable(tf.random_normal([2 * n_hidden])),
          'out': tf.Variable(tf.random_normal([n_classes]))}


def BiRNN(_X, _istate_fw, _istate_bw, _weights, _biases):
    _X = tf.transpose(_X, [1, 0, 2])
    _X = tf.reshape(_X, [-1, n_input])
    _X = tf.matmul(_X, _weights['hidden']) + _biases['hidden']
    _X = tf.split(_X, n_steps, 0)
    lstm_fw_cell = tf.nn.rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0, state_is_tuple=False)
    lstm_bw_cell = tf.nn.rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0, state_is_tuple=False)
    outputs, _, _ = tf.nn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, _X, initial_state_fw=_istate_fw,
                                                   initial_state_bw=_istate_bw, sequence_length=seqlen)
    return tf.matmul(outputs[-1], _weights['out']) + _biases['out']


pred = BiRNN(x, istate_fw, istate_bw, weights, biases)
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1)), tf.float32))


def feed(batch_x, batch_y):
    n = len(batch_x)
    return {x: batch_x.reshape((n, n_steps, n_input)), y: batch_y, seqlen: np.full(n, n_steps),
            istate_fw: np.zeros((n, 2 * n_hidden)), istate_bw: np.zeros((n, 2 * n_hidden))}


with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    step = 1
    while step * batch_size < training_iters:
        batch_xs, batch_ys = mnist.train.next_batch(batch_size)
        sess.run(optimizer, feed_dict=feed(batch_xs, batch_ys))
        if step % display_step == 0:
            acc, loss = sess.run([accuracy, cost], feed_dict=feed(batch_xs, batch_ys))
            print("Iter " + str(step * batch_size) + ", Minibatch Loss= " + "{:.6f}".format(loss) +
                  ", Training Accuracy= " + "{:.5f}".format(acc))
        step += 1
    print("Optimization Finished!")
    test_len = 128
    print("Testing Accuracy:", sess.run(accuracy, feed_dict=feed(mnist.test.images[:test_len],
                                                                  mnist.test.labels[:test_len])))
