import tensorflow as tf
dataset = tf.data.Dataset.range(10)
