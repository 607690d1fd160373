import tensorflow as tf
tf.histogram_summary("weights", tf.zeros([3]))
