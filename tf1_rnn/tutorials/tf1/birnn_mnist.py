# Bidirectional RNN reading the middle time step, TF 1.x idiom: a fixed batch of 1000 test
# images drawn once with next_batch, a line every 10 steps, a Saver checkpoint at the end.
#     python -m tf1_rnn.run_legacy examples/tf1/birnn_mnist.py
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
learning_rate = 0.002
n_hidden = 128

x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])
x_rows = tf.unstack(tf.reshape(x, [-1, 28, 28]), 28, 1)
fw_cell = tf.nn.rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0)
bw_cell = tf.nn.rnn_cell.BasicLSTMCell(n_hidden, forget_bias=1.0)
outputs, _, _ = tf.nn.static_bidirectional_rnn(fw_cell, bw_cell, x_rows, dtype=tf.float32)
W = tf.Variable(tf.random_normal([2 * n_hidden, 10]))
b = tf.Variable(tf.fill([10], 0.1))
y = tf.matmul(outputs[14], W) + b  # the middle step: both directions have read half the image

loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y))
train_step = tf.train.AdamOptimizer(learning_rate).minimize(loss)
correct = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
saver = tf.train.Saver()

sess = tf.InteractiveSession()
tf.global_variables_initializer().run()
test_x, test_y = mnist.test.next_batch(1000)
for i in range(1001):
    batch_x, batch_y = mnist.train.next_batch(1000)
    sess.run(train_step, feed_dict={x: batch_x, y_: batch_y})
    if i % 10 == 0:
        test_loss, acc = sess.run([loss, accuracy], feed_dict={x: test_x, y_: test_y})
        print("step %d, loss %.4f, accuracy %.4f" % (i, test_loss, acc))
saver.save(sess, "birnn_model/model.ckpt")
print("Testing Accuracy:", accuracy.eval(feed_dict={x: test_x, y_: test_y}))
