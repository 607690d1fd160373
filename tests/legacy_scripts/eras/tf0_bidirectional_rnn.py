import tensorflow as tf
outputs = tf.nn.bidirectional_rnn(fw, bw, inputs, dtype=tf.float32)
