import tensorflow as tf
cell = tf.models.rnn.rnn_cell.BasicLSTMCell(8)
