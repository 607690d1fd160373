import tensorflow as tf
with tf.op_scope([x], None, "layer"):
    pass
