import tensorflow as tf
from tensorflow.models.rnn import rnn, rnn_cell
