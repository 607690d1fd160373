"""``tensorflow.models.rnn.{ptb,translate}``: what TF 0.x's pip package shipped beside ``rnn`` and ``rnn_cell``.

- ``tensorflow.models.rnn.ptb.reader``: legacy/tf0_ptb.py.
- ``tensorflow.models.rnn.translate.data_utils``: legacy/tf0_translate.py.
- ``tensorflow.models.rnn.translate.seq2seq_model.Seq2SeqModel``: below, the translate tutorial's
  attention model (0.10's signature, with ``dtype``), on TF 0.x's ``model_with_buckets`` and
  ``embedding_attention_seq2seq`` (legacy/legacy_seq2seq.py, ``copy_encoder_cell=False``).

:func:`modules` gives their namespaces, for the runner to install. Facts kept from 0.x: the
projection ``proj_w`` is ``[size, target vocabulary]`` (TF 1.x's tutorial transposed it), the
variables start from 0.x's default initializer unless the script set one, and the variables
are ``Variable`` (learning rate), ``Variable_1`` (global step), ``proj_w``, ``proj_b``, then
the seq2seq ones. Differences: the cells are tf-keras's legacy ones, so variable names are TF
1.x's; each layer of a multi-layer cell is made on its own (0.x's ``[cell] * num_layers`` gave
separate weights too); the sampled-softmax loss takes its two tensors in either order, by any
TF version's names (the integer one is the labels).
"""
import random

import numpy as np

from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy import tf0_ptb, tf0_rnn, tf0_translate
from tf1_rnn.legacy.tf0_translate import GO_ID, PAD_ID
from tf1_rnn.legacy.namespace import module


def _seq2seq_functions():
    """``model_with_buckets`` and ``embedding_attention_seq2seq``, imported when a model is built."""
    from tf1_rnn.legacy import legacy_seq2seq

    return legacy_seq2seq.functions(copy_encoder_cell=False)  # TF 0.x's: one cell, weights by scope


def _labels_and_inputs(*tensors):
    """``(labels, inputs)`` from two tensors in either order: the labels are the integer one."""
    first, second = (v1.convert_to_tensor(t) for t in tensors)
    return (second, first) if first.dtype.is_floating else (first, second)


def _output_projection(size, target_vocab_size, num_samples, dtype):
    """``((w, b), sampled softmax loss)`` where sampling helps (fewer samples than words), else ``(None, None)``."""
    if not 0 < num_samples < target_vocab_size:
        return None, None
    w = v1.get_variable("proj_w", [size, target_vocab_size], dtype=dtype)  # 0.x's layout: [size, vocabulary]
    b = v1.get_variable("proj_b", [target_vocab_size], dtype=dtype)

    def sampled_loss(*args, **kwargs):
        labels, inputs = _labels_and_inputs(*args, *kwargs.values())
        # float32 inside: sampled softmax is unstable in float16
        loss = v1.nn.sampled_softmax_loss(
            weights=v1.cast(v1.transpose(w), v1.float32), biases=v1.cast(b, v1.float32),
            labels=v1.reshape(labels, [-1, 1]), inputs=v1.cast(inputs, v1.float32),
            num_sampled=num_samples, num_classes=target_vocab_size)
        return v1.cast(loss, dtype)

    return (w, b), sampled_loss


def _cell(size, num_layers, use_lstm):
    cells = legacy_rnn_cells()
    make = cells.BasicLSTMCell if use_lstm else cells.GRUCell
    return make(size) if num_layers == 1 else cells.MultiRNNCell([make(size) for _ in range(num_layers)])


def _placeholders(dtype, count, prefix):
    return [v1.placeholder(dtype, shape=[None], name=f"{prefix}{i}") for i in range(count)]


class Seq2SeqModel:
    """The translate tutorial's model: a multi-layer GRU (or LSTM) encoder, an attention decoder,
    one graph per bucket (shared weights), sampled softmax for large target vocabularies."""

    def __init__(self, source_vocab_size, target_vocab_size, buckets, size, num_layers, max_gradient_norm,
                 batch_size, learning_rate, learning_rate_decay_factor, use_lstm=False, num_samples=512,
                 forward_only=False, dtype=v1.float32):
        self.source_vocab_size, self.target_vocab_size = source_vocab_size, target_vocab_size
        self.buckets, self.batch_size = buckets, batch_size
        with tf0_rnn.tf0_default_initializer():  # 0.x's default initializer, unless the script set one
            self.learning_rate = v1.Variable(float(learning_rate), trainable=False, dtype=dtype)
            self.learning_rate_decay_op = self.learning_rate.assign(self.learning_rate * learning_rate_decay_factor)
            self.global_step = v1.Variable(0, trainable=False)
            projection, loss_function = _output_projection(size, target_vocab_size, num_samples, dtype)
            self._add_inputs(dtype)
            self._add_outputs(_cell(size, num_layers, use_lstm), size, projection, loss_function, forward_only, dtype)
            if not forward_only:
                self._add_training(max_gradient_norm)
        self.saver = v1.train.Saver(v1.global_variables())

    def _add_inputs(self, dtype):
        """Placeholders for the largest (the last) bucket, and one decoder step more for the last target."""
        encoder_size, decoder_size = self.buckets[-1]
        self.encoder_inputs = _placeholders(v1.int32, encoder_size, "encoder")
        self.decoder_inputs = _placeholders(v1.int32, decoder_size + 1, "decoder")
        self.target_weights = _placeholders(dtype, decoder_size + 1, "weight")

    def _add_outputs(self, cell, size, projection, loss_function, forward_only, dtype):
        """Each bucket's decoder outputs and loss; decoding (``forward_only``) feeds back its own outputs."""
        seq2seq = _seq2seq_functions()

        def attention_seq2seq(encoder_inputs, decoder_inputs):
            return seq2seq["embedding_attention_seq2seq"](
                encoder_inputs, decoder_inputs, cell, num_encoder_symbols=self.source_vocab_size,
                num_decoder_symbols=self.target_vocab_size, embedding_size=size, output_projection=projection,
                feed_previous=forward_only, dtype=dtype)

        targets = self.decoder_inputs[1:]  # the decoder's inputs one step later
        self.outputs, self.losses = seq2seq["model_with_buckets"](
            self.encoder_inputs, self.decoder_inputs, targets, self.target_weights, self.buckets,
            attention_seq2seq, softmax_loss_function=loss_function)
        if forward_only and projection is not None:  # decoding reads logits over the whole vocabulary
            self.outputs = [[v1.matmul(output, projection[0]) + projection[1] for output in bucket]
                            for bucket in self.outputs]

    def _add_training(self, max_gradient_norm):
        """One clipped SGD update (and its gradient norm) per bucket."""
        params = v1.trainable_variables()
        optimizer = v1.train.GradientDescentOptimizer(self.learning_rate)
        self.gradient_norms, self.updates = [], []
        for loss in self.losses:
            clipped, norm = v1.clip_by_global_norm(v1.gradients(loss, params), max_gradient_norm)
            self.gradient_norms.append(norm)
            self.updates.append(optimizer.apply_gradients(zip(clipped, params), global_step=self.global_step))

    def step(self, session, encoder_inputs, decoder_inputs, target_weights, bucket_id, forward_only):
        """``(gradient norm, loss, None)`` after an update, or ``(None, loss, logits per step)``."""
        encoder_size, decoder_size = self.buckets[bucket_id]
        for what, given, wanted in (("Encoder", encoder_inputs, encoder_size), ("Decoder", decoder_inputs,
                                    decoder_size), ("Weights", target_weights, decoder_size)):
            if len(given) != wanted:
                raise ValueError(f"Seq2SeqModel.step: {what} length must be equal to the one in bucket "
                                 f"{bucket_id}, {len(given)} != {wanted}")
        feed = {self.encoder_inputs[i].name: encoder_inputs[i] for i in range(encoder_size)}
        feed.update({self.decoder_inputs[i].name: decoder_inputs[i] for i in range(decoder_size)})
        feed.update({self.target_weights[i].name: target_weights[i] for i in range(decoder_size)})
        # the targets are the decoder inputs shifted by one: the last target needs one more input
        feed[self.decoder_inputs[decoder_size].name] = np.zeros([self.batch_size], dtype=np.int32)
        if not forward_only:
            _, norm, loss = session.run([self.updates[bucket_id], self.gradient_norms[bucket_id],
                                         self.losses[bucket_id]], feed)
            return norm, loss, None
        loss, *logits = session.run([self.losses[bucket_id], *self.outputs[bucket_id][:decoder_size]], feed)
        return None, loss, logits

    def get_batch(self, data, bucket_id):
        """A random batch of ``data[bucket_id]``'s (source ids, target ids) pairs, one vector per step, for :meth:`step`."""
        pairs = [random.choice(data[bucket_id]) for _ in range(self.batch_size)]
        return batch_major(pairs, *self.buckets[bucket_id])


def batch_major(pairs, encoder_size, decoder_size):
    """``(encoder_inputs, decoder_inputs, target_weights)``: one int32/float32 vector ``[batch]`` per step.

    Sources are padded and reversed; targets get ``GO`` in front and padding behind; a step's weight
    is 0 where the next decoder input (the target) is padding, and at the last step.
    """
    too_long = [(source, target) for source, target in pairs
                if len(source) > encoder_size or len(target) >= decoder_size]
    if too_long:
        raise ValueError(f"get_batch: a pair does not fit bucket ({encoder_size}, {decoder_size}) (source of at "
                         f"most {encoder_size} ids, target of fewer than {decoder_size}): {too_long[0]}")
    encoder_rows = [list(reversed(source + [PAD_ID] * (encoder_size - len(source))))
                    for source, _ in pairs]
    decoder_rows = [[GO_ID] + target + [PAD_ID] * (decoder_size - len(target) - 1)
                    for _, target in pairs]
    encoder = np.array(encoder_rows, dtype=np.int32).T  # [encoder_size, batch]
    decoder = np.array(decoder_rows, dtype=np.int32).T  # [decoder_size, batch]
    next_input = np.vstack([decoder[1:], np.full_like(decoder[:1], PAD_ID)])
    weights = (next_input != PAD_ID).astype(np.float32)  # [decoder_size, batch]
    return list(encoder), list(decoder), list(weights)


def modules():
    """{module name: namespace} for ``tensorflow.models.rnn.ptb`` and ``tensorflow.models.rnn.translate``."""
    reader = module("tensorflow.models.rnn.ptb.reader", **{name: getattr(tf0_ptb, name) for name in tf0_ptb.NAMES})
    utils = module("tensorflow.models.rnn.translate.data_utils",
                   **{name: getattr(tf0_translate, name) for name in tf0_translate.NAMES})
    model = module("tensorflow.models.rnn.translate.seq2seq_model", Seq2SeqModel=Seq2SeqModel, data_utils=utils)
    return {"tensorflow.models.rnn.ptb": module("tensorflow.models.rnn.ptb", reader=reader),
            "tensorflow.models.rnn.ptb.reader": reader,
            "tensorflow.models.rnn.translate": module("tensorflow.models.rnn.translate", data_utils=utils,
                                                      seq2seq_model=model),
            "tensorflow.models.rnn.translate.data_utils": utils,
            "tensorflow.models.rnn.translate.seq2seq_model": model}
