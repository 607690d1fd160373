import tensorflow as tf
outputs, state = tf.nn.rnn(cell, inputs, dtype=tf.float32)
