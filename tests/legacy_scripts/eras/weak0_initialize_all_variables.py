import tensorflow as tf
init = tf.initialize_all_variables()
