"""Reverse a random sequence with an attentional seq2seq model, decoded by beam search.

A TensorFlow 1.4 program of late 2017, written for this project in that idiom: the
tf.contrib.seq2seq API of the NMT tutorial (tensorflow/nmt). The source is 5 to 8 random
symbols; the target is the same symbols in reverse order, then </s>:

    source   7 3 9 4 5          target   5 4 9 3 7 </s>

An LSTM encoder reads the source; an LSTM decoder with Luong attention over the encoder's
outputs writes the target. Training feeds the decoder the true previous symbol
(TrainingHelper); inference runs a BeamSearchDecoder on the same weights (the decoder is
built twice in `variable_scope("decode")`, the second time with reuse=True), over the
encoder's memory, lengths and state repeated beam_width times (tile_batch). It prints the
beam's best hypothesis's token and sequence accuracy on held-out sequences.

    python -m tf1_rnn.run_legacy --seed 1 examples/seq2seq/reverse_attention_beam.py [--num_steps N] ...
"""
import numpy as np
import tensorflow as tf

flags = tf.flags
flags.DEFINE_integer("num_symbols", 10, "distinct source symbols (besides <pad>, <s>, </s>)")
flags.DEFINE_integer("min_length", 5, "shortest source sequence")
flags.DEFINE_integer("max_length", 8, "longest source sequence")
flags.DEFINE_integer("embedding_size", 32, "symbol embedding size (shared by encoder and decoder)")
flags.DEFINE_integer("num_units", 64, "LSTM units in the encoder and the decoder; attention size")
flags.DEFINE_integer("batch_size", 64, "sequences per training step")
flags.DEFINE_integer("num_steps", 1000, "training steps")
flags.DEFINE_float("learning_rate", 0.005, "Adam's learning rate")
flags.DEFINE_float("max_gradient_norm", 5.0, "clip the gradients' global norm to this")
flags.DEFINE_integer("beam_width", 4, "hypotheses kept by the beam search")
flags.DEFINE_integer("num_test", 500, "held-out sequences to decode at the end")
flags.DEFINE_integer("steps_per_stats", 100, "print the training loss every this many steps")
FLAGS = flags.FLAGS

PAD, GO, EOS = 0, 1, 2  # symbols are 3 .. num_symbols + 2
VOCAB_SIZE = FLAGS.num_symbols + 3


def make_batch(batch_size):
    """Random sources and their reversals, padded: encoder inputs, decoder inputs and targets."""
    lengths = np.random.randint(FLAGS.min_length, FLAGS.max_length + 1, size=batch_size)
    source = np.full((batch_size, FLAGS.max_length), PAD, np.int32)
    decoder_inputs = np.full((batch_size, FLAGS.max_length + 1), PAD, np.int32)
    targets = np.full((batch_size, FLAGS.max_length + 1), PAD, np.int32)
    for i, n in enumerate(lengths):
        symbols = np.random.randint(3, VOCAB_SIZE, size=n)
        source[i, :n] = symbols
        decoder_inputs[i, :n + 1] = [GO] + list(symbols[::-1])
        targets[i, :n + 1] = list(symbols[::-1]) + [EOS]
    return source, lengths, decoder_inputs, targets, lengths + 1


# Placeholders, batch-major: [batch, time]
source = tf.placeholder(tf.int32, [None, None], name="source")
source_lengths = tf.placeholder(tf.int32, [None], name="source_lengths")
decoder_inputs = tf.placeholder(tf.int32, [None, None], name="decoder_inputs")
targets = tf.placeholder(tf.int32, [None, None], name="targets")
target_lengths = tf.placeholder(tf.int32, [None], name="target_lengths")
batch_size = tf.shape(source)[0]

embedding = tf.get_variable("embedding", [VOCAB_SIZE, FLAGS.embedding_size])

with tf.variable_scope("encoder"):
    encoder_cell = tf.contrib.rnn.LSTMCell(FLAGS.num_units)
    # encoder_outputs: [batch, time, num_units]
    encoder_outputs, encoder_state = tf.nn.dynamic_rnn(
        encoder_cell, tf.nn.embedding_lookup(embedding, source),
        sequence_length=source_lengths, dtype=tf.float32)

output_layer = tf.layers.Dense(VOCAB_SIZE, use_bias=False, name="output_projection")


def build_decoder_cell(memory, memory_lengths, encoder_state, batch_size):
    """An LSTM with Luong attention over `memory`, starting from the encoder's final state."""
    attention_mechanism = tf.contrib.seq2seq.LuongAttention(
        FLAGS.num_units, memory, memory_sequence_length=memory_lengths, scale=True)
    cell = tf.contrib.seq2seq.AttentionWrapper(
        tf.contrib.rnn.LSTMCell(FLAGS.num_units), attention_mechanism,
        attention_layer_size=FLAGS.num_units, name="attention")
    initial_state = cell.zero_state(batch_size, tf.float32).clone(cell_state=encoder_state)
    return cell, initial_state


with tf.variable_scope("decode"):
    cell, initial_state = build_decoder_cell(encoder_outputs, source_lengths, encoder_state, batch_size)
    helper = tf.contrib.seq2seq.TrainingHelper(
        tf.nn.embedding_lookup(embedding, decoder_inputs), target_lengths)
    decoder = tf.contrib.seq2seq.BasicDecoder(cell, helper, initial_state, output_layer=output_layer)
    train_outputs, _, _ = tf.contrib.seq2seq.dynamic_decode(decoder)
    logits = train_outputs.rnn_output  # [batch, max(target_lengths), vocab]

weights = tf.sequence_mask(target_lengths, tf.shape(logits)[1], dtype=tf.float32)
loss = tf.contrib.seq2seq.sequence_loss(logits, targets[:, :tf.shape(logits)[1]], weights)

params = tf.trainable_variables()
gradients, _ = tf.clip_by_global_norm(tf.gradients(loss, params), FLAGS.max_gradient_norm)
train_op = tf.train.AdamOptimizer(FLAGS.learning_rate).apply_gradients(zip(gradients, params))

with tf.variable_scope("decode", reuse=True):
    # each sentence's memory, length and state, beam_width times in a row: [batch * beam, ...]
    tiled_memory = tf.contrib.seq2seq.tile_batch(encoder_outputs, multiplier=FLAGS.beam_width)
    tiled_lengths = tf.contrib.seq2seq.tile_batch(source_lengths, multiplier=FLAGS.beam_width)
    tiled_state = tf.contrib.seq2seq.tile_batch(encoder_state, multiplier=FLAGS.beam_width)
    beam_cell, beam_initial_state = build_decoder_cell(
        tiled_memory, tiled_lengths, tiled_state, batch_size * FLAGS.beam_width)
    beam_decoder = tf.contrib.seq2seq.BeamSearchDecoder(
        beam_cell, embedding, start_tokens=tf.fill([batch_size], GO), end_token=EOS,
        initial_state=beam_initial_state, beam_width=FLAGS.beam_width, output_layer=output_layer)
    beam_outputs, _, _ = tf.contrib.seq2seq.dynamic_decode(
        beam_decoder, maximum_iterations=2 * tf.reduce_max(source_lengths))
    best_ids = beam_outputs.predicted_ids[:, :, 0]  # [batch, time, beam] -> the best hypothesis


def accuracy(predicted, targets, target_lengths):
    """Token accuracy (target symbols and </s> in place) and whole-sequence accuracy."""
    correct_tokens, exact = 0, 0
    for guess, truth, n in zip(predicted, targets, target_lengths):
        guess = list(guess[:n]) + [PAD] * max(0, n - len(guess))
        matches = sum(int(g == t) for g, t in zip(guess, truth[:n]))
        correct_tokens += matches
        exact += int(matches == n)
    return float(correct_tokens) / np.sum(target_lengths), float(exact) / len(targets)


test_source, test_lengths, _, test_targets, test_target_lengths = make_batch(FLAGS.num_test)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1, FLAGS.num_steps + 1):
        src, src_len, dec_in, tgt, tgt_len = make_batch(FLAGS.batch_size)
        step_loss, _ = sess.run([loss, train_op], {
            source: src, source_lengths: src_len, decoder_inputs: dec_in,
            targets: tgt, target_lengths: tgt_len})
        if step % FLAGS.steps_per_stats == 0 or step == FLAGS.num_steps:
            print("step %d loss %.4f" % (step, step_loss))

    predicted = sess.run(best_ids, {source: test_source, source_lengths: test_lengths})
    print("beam search output: (batch, time) = %s for %d held-out sequences (longest %d), beam width %d"
          % (predicted.shape, FLAGS.num_test, max(test_lengths), FLAGS.beam_width))
    for i in range(3):
        print("source %s -> %s" % (test_source[i, :test_lengths[i]], predicted[i]))
    token_accuracy, sequence_accuracy = accuracy(predicted, test_targets, test_target_lengths)
    print("token accuracy: %.4f" % token_accuracy)
    print("sequence accuracy: %.4f" % sequence_accuracy)
