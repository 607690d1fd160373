"""``tensorflow.models.rnn.ptb.reader``: the PTB reader TF 0.x's pip package shipped, with 1.x's producer.

TF 0.5 to 0.11 installed the PTB tutorial's ``reader`` with TensorFlow; TF 1.x moved it to the
tensorflow/models repository, where ``ptb_iterator`` (NumPy batches) gave way to
``ptb_producer`` (tensors fed by a queue). Both are here, with the helpers scripts reached into:

- ``_read_words(filename)``: the file's words, each newline a ``<eos>`` word.
- ``_build_vocab(filename)``: ``{word: id}``, most frequent first, ties in alphabetical order.
- ``_file_to_word_ids(filename, word_to_id)``: the ids of the file's words.
- ``ptb_raw_data(data_path)``: ``(train, valid, test, vocabulary size)`` from
  ``ptb.{train,valid,test}.txt``, the vocabulary built on the training file.
- ``ptb_iterator(raw_data, batch_size, num_steps)``: yields ``(x, y)`` int32 arrays
  ``[batch_size, num_steps]``, ``y`` being ``x`` one word later.
- ``ptb_producer(raw_data, batch_size, num_steps, name=None)``: the same batches as tensors;
  each ``session.run`` takes the next, looping over the epoch. It draws the batch index from
  ``tf.train.range_input_producer`` as TF 1.x did, so the program starts the queue runners
  (``tf.train.start_queue_runners``, or a ``Supervisor``'s ``managed_session``), as it had to.

Differences: a word missing from the vocabulary is dropped (1.x's reader; 0.x's raised KeyError),
and data too short for one batch is a ValueError when the graph is built, where its length is
known (TF 1.x failed at the first ``session.run``).
"""
import collections
import os

import numpy as np

from tf1_rnn.compat import tf as v1

EOS = "<eos>"


def _read_words(filename):
    with open(filename, encoding="utf-8") as f:
        return f.read().replace("\n", EOS).split()


def _build_vocab(filename):
    counts = collections.Counter(_read_words(filename))
    ranked = sorted(counts.items(), key=lambda word_count: (-word_count[1], word_count[0]))
    return {word: i for i, (word, _) in enumerate(ranked)}


def _file_to_word_ids(filename, word_to_id):
    return [word_to_id[word] for word in _read_words(filename) if word in word_to_id]


def ptb_raw_data(data_path=None):
    """``(train_ids, valid_ids, test_ids, vocabulary_size)`` from the PTB text files in ``data_path``."""
    if data_path is None:
        raise ValueError("ptb_raw_data: data_path is required (the folder holding ptb.train.txt, "
                         "ptb.valid.txt and ptb.test.txt)")
    paths = [os.path.join(data_path, f"ptb.{part}.txt") for part in ("train", "valid", "test")]
    missing = [path for path in paths if not os.path.isfile(path)]
    if missing:
        raise ValueError(f"ptb_raw_data: no {', '.join(missing)} (data_path should be the 'data' folder "
                         f"of simple-examples.tgz)")
    word_to_id = _build_vocab(paths[0])
    train, valid, test = (_file_to_word_ids(path, word_to_id) for path in paths)
    return train, valid, test, len(word_to_id)


def _epoch_size(data_len, batch_size, num_steps, what):
    """Batches in one epoch; a ValueError if there is not even one."""
    if batch_size < 1 or num_steps < 1:
        raise ValueError(f"{what}: batch_size and num_steps must be positive, got {batch_size} and {num_steps}")
    epoch_size = (data_len // batch_size - 1) // num_steps
    if epoch_size < 1:
        raise ValueError(f"{what}: epoch_size == 0: {data_len} words make no batch of {batch_size} rows x "
                         f"{num_steps} steps (plus one word for the targets); decrease batch_size or num_steps")
    return epoch_size


def ptb_iterator(raw_data, batch_size, num_steps):
    """Yields ``(x, y)``, int32 ``[batch_size, num_steps]``; row i reads the i-th slice of the data."""
    raw_data = np.asarray(raw_data, dtype=np.int32)
    epoch_size = _epoch_size(len(raw_data), batch_size, num_steps, "ptb_iterator")
    batch_len = len(raw_data) // batch_size
    data = raw_data[:batch_size * batch_len].reshape(batch_size, batch_len)  # [batch_size, batch_len]
    for i in range(epoch_size):
        start = i * num_steps
        yield data[:, start:start + num_steps], data[:, start + 1:start + num_steps + 1]


def ptb_producer(raw_data, batch_size, num_steps, name=None):
    """``(x, y)`` int32 tensors ``[batch_size, num_steps]``: the next batch at each run, cycling.

    Needs the queue runners started (a ``range_input_producer`` holds the batch index).
    """
    with v1.name_scope(name, "PTBProducer", [raw_data, batch_size, num_steps]):
        raw_data = v1.convert_to_tensor(raw_data, name="raw_data", dtype=v1.int32)
        if raw_data.shape.rank == 1 and raw_data.shape[0] is not None:
            _epoch_size(int(raw_data.shape[0]), batch_size, num_steps, "ptb_producer")
        batch_len = v1.size(raw_data) // batch_size
        data = v1.reshape(raw_data[:batch_size * batch_len], [batch_size, batch_len])  # [batch_size, batch_len]
        epoch_size = (batch_len - 1) // num_steps
        check = v1.assert_positive(epoch_size, message="epoch_size == 0, decrease batch_size or num_steps")
        with v1.control_dependencies([check]):
            epoch_size = v1.identity(epoch_size, name="epoch_size")
        start = v1.train.range_input_producer(epoch_size, shuffle=False).dequeue() * num_steps
        x = data[:, start:start + num_steps]
        y = data[:, start + 1:start + 1 + num_steps]  # x one word later
        for batch in (x, y):
            batch.set_shape([batch_size, num_steps])
        return x, y

NAMES = ["_read_words", "_build_vocab", "_file_to_word_ids", "ptb_raw_data", "ptb_iterator", "ptb_producer"]
