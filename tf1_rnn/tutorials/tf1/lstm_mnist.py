# LSTM with TensorBoard summaries in the TF 1.x idiom: dynamic_rnn from zero_state(batch_size),
# keep_prob and batch_size placeholders, softmax fed to a softmax loss (the original's quirk).
#     python -m tf1_rnn.run_legacy examples/tf1/lstm_mnist.py
import tensorflow as tf
from tensorflow.contrib import rnn
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets('MNIST_data', one_hot=True)
lr = 1e-3
input_size = 28
timestep_size = 28
hidden_size = 256
layer_num = 1
class_num = 10

_X = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, class_num])
batch_size = tf.placeholder(tf.int32, [])
keep_prob = tf.placeholder(tf.float32, [])
X = tf.reshape(_X, [-1, timestep_size, input_size])


def lstm_cell():
    cell = rnn.BasicLSTMCell(num_units=hidden_size, forget_bias=1.0, state_is_tuple=True)
    return rnn.DropoutWrapper(cell=cell, input_keep_prob=1.0, output_keep_prob=keep_prob)


mlstm_cell = rnn.MultiRNNCell([lstm_cell() for _ in range(layer_num)], state_is_tuple=True)
init_state = mlstm_cell.zero_state(batch_size, dtype=tf.float32)
outputs, state = tf.nn.dynamic_rnn(mlstm_cell, inputs=X, initial_state=init_state, time_major=False)
h_state = outputs[:, -1, :]

W = tf.Variable(tf.truncated_normal([hidden_size, class_num], stddev=0.1), dtype=tf.float32)
bias = tf.Variable(tf.constant(0.1, shape=[class_num]), dtype=tf.float32)
y_pre = tf.nn.softmax(tf.matmul(h_state, W) + bias)
tf.summary.histogram('W', W)
tf.summary.histogram('bias', bias)
tf.summary.histogram('h_state', h_state)

cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=y_pre, labels=y))
train_op = tf.train.AdamOptimizer(lr).minimize(cross_entropy)
correct_prediction = tf.equal(tf.argmax(y_pre, 1), tf.argmax(y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, "float"))
tf.summary.scalar('cross_entropy', cross_entropy)
tf.summary.scalar('accuracy', accuracy)
merged = tf.summary.merge_all()

sess = tf.Session()
train_writer = tf.summary.FileWriter('logs/tf1_lstm/train', sess.graph)
test_writer = tf.summary.FileWriter('logs/tf1_lstm/test')
sess.run(tf.global_variables_initializer())
for i in range(2000):
    _batch_size = 128
    batch = mnist.train.next_batch(_batch_size)
    sess.run(train_op, feed_dict={_X: batch[0], y: batch[1], keep_prob: 0.5, batch_size: _batch_size})
    if (i + 1) % 20 == 0:
        train_summary, train_accuracy = sess.run([merged, accuracy], feed_dict={
            _X: batch[0], y: batch[1], keep_prob: 1.0, batch_size: _batch_size})
        train_writer.add_summary(train_summary, i + 1)
        test_summary, test_accuracy = sess.run([merged, accuracy], feed_dict={
            _X: mnist.test.images, y: mnist.test.labels, keep_prob: 1.0, batch_size: mnist.test.images.shape[0]})
        test_writer.add_summary(test_summary, i + 1)
        print("Iter%d, step %d, training accuracy %g, test accuracy %g" % (
            mnist.train.epochs_completed, (i + 1), train_accuracy, test_accuracy))
train_writer.close()
test_writer.close()
