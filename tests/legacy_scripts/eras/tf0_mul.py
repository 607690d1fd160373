import tensorflow as tf
y = tf.mul(2.0, 3.0)
