import tensorflow as tf
steps = tf.split(0, 28, x)
