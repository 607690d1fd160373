import tensorflow as tf
merged = tf.merge_all_summaries()
