# A TF 1.x script in the tutorials' idiom, run unmodified by tests/test_legacy.py.
from __future__ import print_function

import os
import sys

import tensorflow as tf
from tensorflow.contrib import rnn
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)

learning_rate = 0.01
training_steps = int(sys.argv[1]) if len(sys.argv) > 1 else 40
batch_size = 64
n_hidden = 16

x = tf.placeholder("float", [None, 28, 28])
y = tf.placeholder("float", [None, 10])
weights = {'out': tf.Variable(tf.random_normal([2 * n_hidden, 10]))}
biases = {'out': tf.Variable(tf.random_normal([10]))}


def BiRNN(x, weights, biases, reuse=None):
    x = tf.unstack(x, 28, 1)
    with tf.variable_scope("birnn", reuse=reuse):
        lstm_fw_cell = rnn.BasicLSTMCell(n_hidden, forget_bias=1.0)
        lstm_bw_cell = rnn.BasicLSTMCell(n_hidden, forget_bias=1.0)
        outputs, _, _ = rnn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, x, dtype=tf.float32)
    return tf.matmul(outputs[-1], weights['out']) + biases['out']


pred = BiRNN(x, weights, biases)
eval_pred = BiRNN(x, weights, biases, reuse=True)  # the variable_scope fix for a second build
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
correct_pred = tf.equal(tf.argmax(eval_pred, 1), tf.argmax(y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
init = tf.global_variables_initializer()
saver = tf.train.Saver()

with tf.Session() as sess:
    sess.run(init)
    step = 1
    while step <= training_steps:
        batch_x, batch_y = mnist.train.next_batch(batch_size)
        batch_x = batch_x.reshape((batch_size, 28, 28))
        sess.run(optimizer, feed_dict={x: batch_x, y: batch_y})
        if step % 10 == 0:
            acc, loss = sess.run([accuracy, cost], feed_dict={x: batch_x, y: batch_y})
            print("Iter " + str(step * batch_size) + ", Minibatch Loss= " + "{:.6f}".format(loss) +
                  ", Training Accuracy= " + "{:.5f}".format(acc))
        step += 1
    print("epochs_completed", mnist.train.epochs_completed)
    path = saver.save(sess, os.path.join("model", "bilstm.ckpt"))
    test_data = mnist.test.images[:100].reshape((-1, 28, 28))
    test_acc = sess.run(accuracy, feed_dict={x: test_data, y: mnist.test.labels[:100]})
    print("Testing Accuracy:", test_acc)

with tf.Session() as sess:
    saver.restore(sess, path)
    print("Restored Accuracy:", sess.run(accuracy, feed_dict={x: test_data, y: mnist.test.labels[:100]}))
print([v.name for v in tf.trainable_variables()])
