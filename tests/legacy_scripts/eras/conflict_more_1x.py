import tensorflow as tf
a = tf.mul(2.0, 3.0)
y = tf.layers.dense(a, 10)
d = tf.data.Dataset.range(3)
