import tensorflow as tf
y = tf.reverse(x, [False, True])
