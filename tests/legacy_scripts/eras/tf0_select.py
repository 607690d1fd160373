import tensorflow as tf
y = tf.select(tf.constant([True]), [1.0], [2.0])
