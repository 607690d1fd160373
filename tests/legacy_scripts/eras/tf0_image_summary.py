import tensorflow as tf
tf.image_summary("images", x)
