import tensorflow as tf
outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
