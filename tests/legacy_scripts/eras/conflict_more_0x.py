import tensorflow as tf
a = tf.mul(2.0, 3.0)
b = tf.pack([a, a])
y = tf.layers.dense(b, 10)
