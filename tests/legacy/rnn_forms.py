"""The RNN forms tests/legacy/test_accelerate.py builds under --rnn-impl auto and tf.

Each form: ``(tf, x [batch, T, I], feed) -> (outputs, final state)``, built inside the runner's
namespace (``tf`` is it); it adds to ``feed`` what it feeds. ``FORMS`` counts the variables each makes.
"""
import numpy as np

T, B, I, H = 5, 3, 4, 6
LENGTHS = np.array([5, 2, 0], np.int32)  # full, short, empty


def fed(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def state_placeholder(tf1, width, feed, seed):
    placeholder = tf1.placeholder(tf1.float32, [None, width])
    feed[placeholder] = fed((B, width), seed)
    return placeholder


def tuple_state(tf1, feed, seed):
    c, h = (state_placeholder(tf1, H, feed, seed + k) for k in range(2))
    return tf1.nn.rnn_cell.LSTMStateTuple(c, h)


def lengths(tf1, feed):
    placeholder = tf1.placeholder(tf1.int32, [None])
    feed[placeholder] = LENGTHS
    return placeholder


def static_rnn(tf1, x, feed):
    return tf1.nn.static_rnn(tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.unstack(x, T, 1), dtype=tf1.float32)


def contrib_static_rnn_lengths(tf1, x, feed):
    cell = tf1.contrib.rnn.BasicLSTMCell(H, forget_bias=0.5)
    return tf1.contrib.rnn.static_rnn(cell, tf1.unstack(x, T, 1), dtype=tf1.float32,
                                      sequence_length=lengths(tf1, feed))


def dynamic_rnn_batch_major(tf1, x, feed):
    return tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.BasicLSTMCell(H, forget_bias=0.5), x, dtype=tf1.float32,
                              sequence_length=lengths(tf1, feed))


def dynamic_rnn_time_major_lstm_cell(tf1, x, feed):
    cell = tf1.nn.rnn_cell.LSTMCell(H, forget_bias=0.3, initializer=tf1.orthogonal_initializer())
    return tf1.nn.dynamic_rnn(cell, tf1.transpose(x, [1, 0, 2]), initial_state=tuple_state(tf1, feed, 10),
                              time_major=True, parallel_iterations=4, swap_memory=True, scope="encoder")


def static_bidirectional(tf1, x, feed):
    outputs, state_fw, state_bw = tf1.nn.static_bidirectional_rnn(
        tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.unstack(x, T, 1),
        initial_state_fw=tuple_state(tf1, feed, 20), dtype=tf1.float32, sequence_length=lengths(tf1, feed))
    return outputs, (state_fw, state_bw)


def bidirectional_dynamic(tf1, x, feed):
    return tf1.nn.bidirectional_dynamic_rnn(
        tf1.nn.rnn_cell.LSTMCell(H), tf1.nn.rnn_cell.BasicLSTMCell(H, forget_bias=0.0), x,
        sequence_length=lengths(tf1, feed), initial_state_bw=tuple_state(tf1, feed, 30), dtype=tf1.float32)


def multi_rnn_cell_with_dropout(tf1, x, feed):
    keep_prob = tf1.placeholder(tf1.float32, [])
    feed[keep_prob] = 1.0  # a tensor: the wrapper drops (with nothing to drop at 1.0)
    layers = [tf1.nn.rnn_cell.DropoutWrapper(tf1.nn.rnn_cell.BasicLSTMCell(H), input_keep_prob=keep_prob,
                                             output_keep_prob=keep_prob),
              tf1.nn.rnn_cell.BasicLSTMCell(H)]
    return tf1.nn.static_rnn(tf1.nn.rnn_cell.MultiRNNCell(layers), tf1.unstack(x, T, 1), dtype=tf1.float32,
                             sequence_length=lengths(tf1, feed))


def concatenated_states(tf1, x, feed):
    cell = tf1.nn.rnn_cell.BasicLSTMCell(H, state_is_tuple=False)
    outputs, state = tf1.nn.static_rnn(cell, tf1.unstack(x, T, 1), state_placeholder(tf1, 2 * H, feed, 40))
    layers = [tf1.nn.rnn_cell.BasicLSTMCell(H, state_is_tuple=False) for _ in range(2)]
    stacked, stacked_state = tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.MultiRNNCell(layers, state_is_tuple=False), x,
                                                initial_state=state_placeholder(tf1, 4 * H, feed, 41),
                                                scope="stacked")
    return (outputs, stacked), (state, stacked_state)


def lstm_block_cell(tf1, x, feed):
    return tf1.nn.static_rnn(tf1.contrib.rnn.LSTMBlockCell(H, forget_bias=0.7), tf1.unstack(x, T, 1),
                             dtype=tf1.float32)


def scopes_and_reuse(tf1, x, feed):
    """A scope= argument, and a second call under an enclosing scope with reuse: one set of weights."""
    results = []
    for _ in range(2):
        with tf1.variable_scope("model", reuse=tf1.AUTO_REUSE):
            results.append(tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.BasicLSTMCell(H), x, dtype=tf1.float32,
                                              scope="encoder"))
    return tuple(zip(*results))


def tf0_rnn(tf1, x, feed):
    """0.x's tf.nn.rnn: a 0.x module cell's concatenated state, and a tuple-state cell fed one."""
    steps = tf1.unstack(x, T, 1)
    old = tf1.models.rnn.rnn_cell.BasicLSTMCell(H)
    outputs, state = tf1.nn.rnn(old, steps, initial_state=state_placeholder(tf1, 2 * H, feed, 50),
                                sequence_length=lengths(tf1, feed), scope="old")
    new_outputs, new_state = tf1.nn.rnn(tf1.nn.rnn_cell.BasicLSTMCell(H), steps,
                                        initial_state=state_placeholder(tf1, 2 * H, feed, 51))
    return (outputs, new_outputs), (state, new_state)


def gru_dynamic_rnn(tf1, x, feed):
    return tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.GRUCell(H), x, sequence_length=lengths(tf1, feed),
                              initial_state=state_placeholder(tf1, H, feed, 60))


def gru_block_cells(tf1, x, feed):
    steps = tf1.unstack(x, T, 1)
    block, block_state = tf1.nn.static_rnn(tf1.contrib.rnn.GRUBlockCell(H), steps, dtype=tf1.float32, scope="v1")
    v2, v2_state = tf1.nn.static_rnn(tf1.contrib.rnn.GRUBlockCellV2(H), steps, dtype=tf1.float32, scope="v2")
    return (block, v2), (block_state, v2_state)


def lstm_under_gru(tf1, x, feed):
    layers = [tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.nn.rnn_cell.GRUCell(H)]
    return tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.MultiRNNCell(layers), x, dtype=tf1.float32)


def unknown_time(tf1, x):
    """``x`` as a program's placeholder [batch, None, depth] would give it: T known only when run."""
    return tf1.placeholder_with_default(x, [None, None, I])


def unknown_time_lstm_lengths(tf1, x, feed):
    cell = tf1.nn.rnn_cell.MultiRNNCell([tf1.nn.rnn_cell.DropoutWrapper(tf1.nn.rnn_cell.BasicLSTMCell(H),
                                                                        output_keep_prob=1.0)
                                         for _ in range(2)])
    return tf1.nn.dynamic_rnn(cell, unknown_time(tf1, x), sequence_length=lengths(tf1, feed),
                              initial_state=(tuple_state(tf1, feed, 70), tuple_state(tf1, feed, 72)))


def unknown_time_gru_time_major(tf1, x, feed):
    layers = [tf1.nn.rnn_cell.GRUCell(H), tf1.nn.rnn_cell.LSTMCell(H)]
    return tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.MultiRNNCell(layers), tf1.transpose(unknown_time(tf1, x), [1, 0, 2]),
                              time_major=True, dtype=tf1.float32)


def unknown_time_bidirectional(tf1, x, feed):
    return tf1.nn.bidirectional_dynamic_rnn(tf1.nn.rnn_cell.GRUCell(H), tf1.nn.rnn_cell.BasicLSTMCell(H),
                                            unknown_time(tf1, x), sequence_length=lengths(tf1, feed),
                                            dtype=tf1.float32)


def teacher_forced_decoder(tf1, x, feed, impute_finished, maximum_iterations=None):
    """contrib.seq2seq's BasicDecoder over a TrainingHelper, with an output layer and a fed state."""
    cell = tf1.nn.rnn_cell.MultiRNNCell([tf1.nn.rnn_cell.BasicLSTMCell(H), tf1.nn.rnn_cell.GRUCell(H)])
    helper = tf1.contrib.seq2seq.TrainingHelper(x, lengths(tf1, feed))
    decoder = tf1.contrib.seq2seq.BasicDecoder(cell, helper, (tuple_state(tf1, feed, 80), state_placeholder(
        tf1, H, feed, 82)), output_layer=tf1.layers.Dense(7))
    outputs, state, final_lengths = tf1.contrib.seq2seq.dynamic_decode(
        decoder, impute_finished=impute_finished, maximum_iterations=maximum_iterations)
    as_floats = [tf1.cast(ints, tf1.float32)[..., None] for ints in (outputs.sample_id, final_lengths)]
    return outputs.rnn_output, state, as_floats


def teacher_forced_imputed(tf1, x, feed):
    return teacher_forced_decoder(tf1, x, feed, impute_finished=True)


def teacher_forced_cut_short(tf1, x, feed):
    return teacher_forced_decoder(tf1, x, feed, impute_finished=False, maximum_iterations=3)


def legacy_rnn_decoder(tf1, x, feed):
    """legacy_seq2seq's decoder without a loop function (char-rnn's): static_rnn in scope rnn_decoder."""
    cell = tf1.contrib.rnn.MultiRNNCell([tf1.contrib.rnn.BasicLSTMCell(H) for _ in range(2)])
    return tf1.contrib.legacy_seq2seq.rnn_decoder(tf1.unstack(x, T, 1), cell.zero_state(B, tf1.float32), cell)


FORMS = {f.__name__: (f, variables) for f, variables in [  # each form, and how many variables it makes
    (static_rnn, 2), (contrib_static_rnn_lengths, 2), (dynamic_rnn_batch_major, 2),
    (dynamic_rnn_time_major_lstm_cell, 2), (static_bidirectional, 4), (bidirectional_dynamic, 4),
    (multi_rnn_cell_with_dropout, 4), (concatenated_states, 6), (lstm_block_cell, 2), (scopes_and_reuse, 2),
    (tf0_rnn, 4), (gru_dynamic_rnn, 4), (gru_block_cells, 8), (lstm_under_gru, 6),
    (legacy_rnn_decoder, 4), (unknown_time_lstm_lengths, 4), (unknown_time_gru_time_major, 6),
    (unknown_time_bidirectional, 6), (teacher_forced_imputed, 8), (teacher_forced_cut_short, 8)]}
