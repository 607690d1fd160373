import tensorflow as tf
with tf.variable_op_scope([x], None, "layer"):
    pass
