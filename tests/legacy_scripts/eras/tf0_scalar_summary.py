import tensorflow as tf
tf.scalar_summary("loss", 1.0)
