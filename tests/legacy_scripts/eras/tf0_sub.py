import tensorflow as tf
y = tf.sub(2.0, 3.0)
