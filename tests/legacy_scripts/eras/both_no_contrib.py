import tensorflow as tf
y = tf.matmul(tf.placeholder(tf.float32, [None, 3]), tf.zeros([3, 2]))
