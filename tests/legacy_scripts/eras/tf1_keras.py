import tensorflow as tf
layer = tf.keras.layers.Dense(10)
