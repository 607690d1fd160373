# Bidirectional LSTM on MNIST in the TF 1.x tutorials' own idiom: contrib.rnn, input_data,
# placeholders and a Session. Runs unmodified on today's TensorFlow with
#     python -m tf1_rnn.run_legacy examples/tf1/bilstm_mnist.py
from __future__ import print_function

import tensorflow as tf
from tensorflow.contrib import rnn
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)

learning_rate = 0.01
training_iters = 400000
batch_size = 128
display_step = 10
n_input = 28    # pixels per row
n_steps = 28    # rows, one per time step
n_hidden = 256  # units per direction
n_classes = 10

x = tf.placeholder("float", [None, n_steps, n_input])
y = tf.placeholder("float", [None, n_classes])
weights = {'out': tf.Variable(tf.random_normal([2 * n_hidden, n_classes]))}
biases = {'out': tf.Variable(tf.random_normal([n_classes]))}


def BiRNN(x, weights, biases):
    x = tf.unstack(x, n_steps, 1)
    with tf.variable_scope("birnn"):
        with tf.variable_scope("fw"):
            lstm_fw_cell = rnn.BasicLSTMCell(n_hidden, forget_bias=1.0)
        with tf.variable_scope("bw"):
            lstm_bw_cell = rnn.BasicLSTMCell(n_hidden, forget_bias=1.0)
        outputs, _, _ = rnn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, x, dtype=tf.float32)
    return tf.matmul(outputs[-1], weights['out']) + biases['out']


pred = BiRNN(x, weights, biases)
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
correct_pred = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
init = tf.global_variables_initializer()

with tf.Session() as sess:
    sess.run(init)
    step = 1
    while step * batch_size < training_iters:
        batch_x, batch_y = mnist.train.next_batch(batch_size)
        batch_x = batch_x.reshape((batch_size, n_steps, n_input))
        sess.run(optimizer, feed_dict={x: batch_x, y: batch_y})
        if step % display_step == 0:
            acc, loss = sess.run([accuracy, cost], feed_dict={x: batch_x, y: batch_y})
            print("Iter" + str(step * batch_size) + ",Minibatch Loss = " + "{:.6f}".format(loss) +
                  ", Training Accuracy = " + "{:.5f}".format(acc))
        step += 1
    print("Optimization Finished!")
    test_data = mnist.test.images.reshape((-1, n_steps, n_input))
    print("Testing Accuracy:", sess.run(accuracy, feed_dict={x: test_data, y: mnist.test.labels}))
