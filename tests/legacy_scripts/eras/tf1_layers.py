import tensorflow as tf
y = tf.layers.dense(x, 10)
