import tensorflow as tf
init = tf.global_variables_initializer()
