# The BiRNN tutorial's TF 1.x program shrunk for tests (n_hidden 8, a few steps): its variable
# names, its fixed next_batch(1000) test batch, and its Saver with a global step in the prefix.
#     python -m tf1_rnn.run_legacy --no-verify --seed 7 birnn_saver.py [steps]
import os
import sys

import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 15
n_hidden = 8

x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])
x_rows = tf.unstack(tf.reshape(x, [-1, 28, 28]), 28, 1)
fw_cell = tf.nn.rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0)
bw_cell = tf.nn.rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0)
outputs, _, _ = tf.nn.static_bidirectional_rnn(fw_cell, bw_cell, x_rows, dtype=tf.float32)
W = tf.Variable(tf.random_normal([2 * n_hidden, 10]))
b = tf.Variable(tf.fill([10], 0.1))
y = tf.matmul(outputs[14], W) + b

loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y))
train_step = tf.train.AdamOptimizer(0.002).minimize(loss)
correct = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
saver = tf.train.Saver()

sess = tf.InteractiveSession()
tf.global_variables_initializer().run()
test_x, test_y = mnist.test.next_batch(1000)
for i in range(steps):
    batch_x, batch_y = mnist.train.next_batch(100)
    sess.run(train_step, feed_dict={x: batch_x, y_: batch_y})
os.makedirs("2RNN/ckpt1", exist_ok=True)
saver.save(sess, "2RNN/ckpt1/mnist1.ckpt", global_step=steps)
print("Testing Accuracy:", accuracy.eval(feed_dict={x: test_x, y_: test_y}))
print("Full test set:", accuracy.eval(feed_dict={x: mnist.test.images, y_: mnist.test.labels}))
