import tensorflow as tf

scale = tf.mul(2.0, 3.0)
