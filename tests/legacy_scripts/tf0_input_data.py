# The ways legacy programs load MNIST, run by tests/test_legacy_tf0.py from a directory whose
# parent holds data/MNIST_data and which holds mnist/data/ (the data directory for Keras is
# $TF1_RNN_DATA_DIR). There is no input_data.py beside this file.
import input_data  # the TF 0.x tutorials' module
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data as tf1_input_data
from tensorflow.keras.datasets import fashion_mnist

old = input_data.read_data_sets("../data/MNIST_data", one_hot=True)
print("old first", old.train.next_batch(4)[1].argmax(1).tolist())
new = tf1_input_data.read_data_sets("./mnist/data/")
print("sizes", new.train.num_examples, new.validation.num_examples, new.test.num_examples,
      list(new.train.images.shape), list(new.validation.labels.shape))
print("no shuffle", new.train.next_batch(3, shuffle=False)[1].tolist(),
      new.train.next_batch(3, shuffle=False)[1].tolist())
print("test batch", list(new.test.next_batch(5)[0].shape), new.test.epochs_completed)
print("fake", len(old.train.next_batch(2, True)[0][0]), old.train.next_batch(2, True)[1][0].tolist())
(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
print("keras", list(x_train.shape), x_train.dtype, list(y_train.shape), y_train.dtype, list(x_test.shape),
      y_test[:5].tolist(), int(x_train.sum() % 100003))
(f_train, _), (f_test, _) = fashion_mnist.load_data()
print("fashion", list(f_train.shape), list(f_test.shape))
