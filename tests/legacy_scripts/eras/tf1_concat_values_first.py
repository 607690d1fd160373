import tensorflow as tf
y = tf.concat([a, b], 1)
