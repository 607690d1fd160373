import tensorflow as tf
tf.summary.scalar("loss", 1.0)
