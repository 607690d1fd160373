import tensorflow as tf
y = tf.neg(2.0)
