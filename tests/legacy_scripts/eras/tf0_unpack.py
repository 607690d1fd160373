import tensorflow as tf
a, b = tf.unpack(tf.zeros([2, 3]))
