import tensorflow as tf
x = tf.compat.v1.placeholder(tf.float32)
