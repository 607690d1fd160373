import tensorflow as tf
cell = tf.nn.rnn_cell.BasicLSTMCell(8)
