# TF 1.x idiom: MultiRNNCell of DropoutWrapper-wrapped cells with dynamic_rnn, summaries with
# merge_all and two FileWriters, placeholders for batch size and keep_prob.
import numpy as np
import tensorflow as tf
import tensorflow.examples.tutorials.mnist.input_data as input_data

mnist = input_data.read_data_sets("MNIST_data", one_hot=True)
lr, hidden_size, layer_num, class_num = 1e-3, 16, 2, 10
_X = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, class_num])
keep_prob = tf.placeholder(tf.float32, [])
batch_size = tf.placeholder(tf.int32, [])
X = tf.reshape(_X, [-1, 28, 28])


def lstm_cell():
    cell = tf.contrib.rnn.BasicLSTMCell(num_units=hidden_size, forget_bias=1.0, state_is_tuple=True)
    return tf.contrib.rnn.DropoutWrapper(cell=cell, input_keep_prob=1.0, output_keep_prob=keep_prob)


mlstm_cell = tf.contrib.rnn.MultiRNNCell([lstm_cell() for _ in range(layer_num)], state_is_tuple=True)
init_state = mlstm_cell.zero_state(batch_size, dtype=tf.float32)
outputs, state = tf.nn.dynamic_rnn(mlstm_cell, inputs=X, initial_state=init_state, time_major=False)
h_state = outputs[:, -1, :]
W = tf.Variable(tf.truncated_normal([hidden_size, class_num], stddev=0.1), dtype=tf.float32)
bias = tf.Variable(tf.constant(0.1, shape=[class_num]), dtype=tf.float32)
y_pre = tf.nn.softmax(tf.matmul(h_state, W) + bias)
cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=y_pre, labels=y))
train_op = tf.train.AdamOptimizer(lr).minimize(cross_entropy)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(y_pre, 1), tf.argmax(y, 1)), "float"))
tf.summary.histogram("W", W)
tf.summary.histogram("bias", bias)
tf.summary.histogram("h_state", h_state)
tf.summary.scalar("cross_entropy", cross_entropy)
tf.summary.scalar("accuracy", accuracy)
merged = tf.summary.merge_all()

sess = tf.InteractiveSession()
train_writer = tf.summary.FileWriter("summaries/train", sess.graph)
test_writer = tf.summary.FileWriter("summaries/test")
sess.run(tf.global_variables_initializer())
for i in range(1, 31):
    _batch_size = 32
    batch = mnist.train.next_batch(_batch_size)
    sess.run(train_op, feed_dict={_X: batch[0], y: batch[1], keep_prob: 0.5, batch_size: _batch_size})
    if i % 10 == 0:
        summary, train_accuracy = sess.run([merged, accuracy], feed_dict={
            _X: batch[0], y: batch[1], keep_prob: 1.0, batch_size: _batch_size})
        train_writer.add_summary(summary, i)
        n = mnist.test.images.shape[0]
        summary, test_accuracy = sess.run([merged, accuracy], feed_dict={
            _X: mnist.test.images, y: mnist.test.labels, keep_prob: 1.0, batch_size: n})
        test_writer.add_summary(summary, i)
        print("step %d, train %g, test %g" % (i, train_accuracy, test_accuracy))
train_writer.close()
test_writer.close()
print(sorted(v.name for v in tf.trainable_variables()))
print(np.asarray(sess.run(h_state, {_X: mnist.test.images[:2], keep_prob: 1.0, batch_size: 2})).shape)
