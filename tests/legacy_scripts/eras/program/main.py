import tensorflow as tf

import model

cell = tf.nn.rnn_cell.BasicLSTMCell(8)
