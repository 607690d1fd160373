import tensorflow as tf
writer = tf.train.SummaryWriter("logs")
