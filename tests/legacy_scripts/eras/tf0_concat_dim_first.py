import tensorflow as tf
y = tf.concat(1, [a, b])
