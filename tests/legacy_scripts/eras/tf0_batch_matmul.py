import tensorflow as tf
y = tf.batch_matmul(a, b)
