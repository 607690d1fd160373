# TF 1.x idiom: static_bidirectional_rnn over tf.split inputs, and contrib's stacked BiRNNs.
import tensorflow as tf
from tensorflow.contrib import rnn

x = tf.placeholder(tf.float32, [None, 28, 28])
flat = tf.reshape(tf.transpose(x, [1, 0, 2]), [-1, 28])
steps = tf.split(flat, 28, 0)
with tf.variable_scope("split"):
    outputs, _, _ = tf.nn.static_bidirectional_rnn(rnn.GRUCell(4), rnn.GRUCell(4), steps, dtype=tf.float32)
stacked, states_fw, _ = rnn.stack_bidirectional_rnn([rnn.LSTMCell(3), rnn.LSTMCell(5)],
                                                    [rnn.LSTMCell(3), rnn.LSTMCell(5)], steps, dtype=tf.float32)
dynamic, _, _ = rnn.stack_bidirectional_dynamic_rnn([rnn.BasicRNNCell(2)], [rnn.BasicRNNCell(2)], x,
                                                    dtype=tf.float32, scope="dyn")
print(len(outputs), outputs[0].shape.as_list(), len(stacked), stacked[-1].shape.as_list(), len(states_fw))
print(dynamic.shape.as_list())
for v in tf.trainable_variables():
    print(v.name)
