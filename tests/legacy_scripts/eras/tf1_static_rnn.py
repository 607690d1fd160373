import tensorflow as tf
outputs, state = tf.nn.static_rnn(cell, inputs, dtype=tf.float32)
