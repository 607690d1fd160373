import tensorflow as tf
y = tf.pack([1.0, 2.0])
