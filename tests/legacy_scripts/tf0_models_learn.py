# TF 0.x's tensorflow.models.rnn.{ptb,translate} and tf.contrib.learn's text and graph_actions, imported
# the ways programs imported them, under the runner; run by tests/legacy/test_tf0_models.py from a
# directory holding ptb/ptb.{train,valid,test}.txt.
import numpy as np
import tensorflow as tf
import tensorflow.contrib.learn.python.learn.preprocessing.text  # noqa: F401 (the module path resolves)
from tensorflow.contrib import learn
from tensorflow.contrib.learn.python.learn.datasets import base
from tensorflow.models.rnn.ptb import reader
from tensorflow.models.rnn.translate import data_utils, seq2seq_model

flags = tf.flags
flags.DEFINE_string("data_path", None, "data_path")
FLAGS = flags.FLAGS


def main(_):
    train, valid, test, vocabulary = reader.ptb_raw_data(FLAGS.data_path)
    print("vocabulary", vocabulary, "valid", valid)
    print("iterator", [x.tolist() for x, _ in reader.ptb_iterator(train, 2, 4)])
    with tf.Graph().as_default():
        x, y = reader.ptb_producer(train, 2, 4)
        supervisor = tf.train.Supervisor(logdir="logs")
        with supervisor.managed_session() as session:
            print("producer", [session.run(y).tolist() for _ in range(2)])
    print("tokens", data_utils.sentence_to_token_ids(b"a 1 b", {b"a": 4, b"0": 5}), data_utils._UNK)
    print("model", seq2seq_model.Seq2SeqModel.__name__)
    processor = learn.preprocessing.VocabularyProcessor(3)
    print("ids", [row.tolist() for row in processor.fit_transform(["a b", "b c d"])])
    processor.save("vocab.pickle")
    restored = learn.preprocessing.VocabularyProcessor.restore("vocab.pickle")
    print("restored", type(restored).__module__, [row.tolist() for row in restored.transform(["d a"])])
    with tf.Graph().as_default():
        print("run_n", learn.run_n({"two": tf.constant(2)}, n=2))
    print("dataset", base.Dataset(np.zeros(2), np.ones(2)).target.tolist())
    learn.Estimator(model_fn=None)


if __name__ == "__main__":
    tf.app.run()
