import tensorflow as tf
loss = tf.nn.softmax_cross_entropy_with_logits(logits, labels)
