# Uses a tf.contrib module the runner does not provide; must fail with one clear line.
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 4])
print("before")
y = tf.contrib.layers.fully_connected(x, 3)
print("never printed")
