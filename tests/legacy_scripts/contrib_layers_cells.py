# tf.contrib beyond rnn in the TF 1.x idiom: slim, contrib.layers and the block cells,
# run unmodified by tests/test_legacy_contrib.py. Prints the loss and the trainable variables.
import numpy as np
import tensorflow as tf
import tensorflow.contrib.slim as slim
from tensorflow.contrib import layers, rnn

tf.set_random_seed(0)
rng = np.random.RandomState(0)
n_steps, n_input, n_hidden, n_classes, batch_size = 6, 5, 8, 3, 32

x = tf.placeholder(tf.float32, [None, n_steps, n_input])
y = tf.placeholder(tf.int64, [None])
is_training = tf.placeholder(tf.bool, [])


def last_output(cell, scope):
    with tf.variable_scope(scope):
        outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    return outputs[:, -1]


with tf.variable_scope("fused"):
    fused_outputs, fused_state = rnn.LSTMBlockFusedCell(n_hidden)(tf.transpose(x, [1, 0, 2]), dtype=tf.float32)
features = tf.concat([last_output(rnn.LSTMBlockCell(n_hidden), "lstm_block"),
                      last_output(rnn.GRUBlockCell(n_hidden), "gru_block"),
                      last_output(rnn.GRUBlockCellV2(n_hidden), "gru_block_v2"),
                      last_output(rnn.LayerNormBasicLSTMCell(n_hidden), "ln_lstm"),
                      fused_state.h], 1)
with slim.arg_scope([slim.fully_connected], weights_regularizer=layers.l2_regularizer(1e-3)):
    hidden = tf.contrib.layers.fully_connected(features, 16)
    hidden = layers.batch_norm(hidden, is_training=is_training)
    hidden = slim.dropout(hidden, 0.9, is_training=is_training)
    logits = slim.fully_connected(hidden, n_classes, activation_fn=None, scope="logits",
                                  weights_initializer=layers.xavier_initializer())
loss = tf.losses.sparse_softmax_cross_entropy(y, logits) + tf.add_n(tf.losses.get_regularization_losses())
global_step = tf.contrib.framework.get_or_create_global_step()
train_op = layers.optimize_loss(loss, global_step, learning_rate=0.02, optimizer="Adam")


def batch():
    inputs = rng.randn(batch_size, n_steps, n_input).astype(np.float32)
    return {x: inputs, y: inputs[:, :, :n_classes].sum(axis=1).argmax(axis=1), is_training: True}


with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    data = [batch() for _ in range(4)]
    losses = [sess.run([train_op, loss], feed_dict=data[step % 4])[1] for step in range(20)]
    moving_mean = [v for v in tf.global_variables() if v.name == "BatchNorm/moving_mean:0"][0]
    print("loss", losses[0], losses[-1])
    print("global_step", sess.run(global_step), "moving_mean_moved", bool(np.abs(sess.run(moving_mean)).sum() > 0))
for v in tf.trainable_variables():
    print(v.name)
