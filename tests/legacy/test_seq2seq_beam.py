"""tf.contrib.seq2seq's beam search: tile_batch and gather_tree on hand-made examples; BeamSearchDecoder
against a brute-force search over every sequence of a 3-token vocabulary, scored as TF 1.x scores
them (length and coverage penalties), with flat and nested cell states, the weights read from the
session; TensorArrays in the state put in beam order; TF 1.x's variable names; one-line errors."""
import collections
import itertools

import numpy as np
import pytest

from tf1_rnn.compat import legacy_layers, legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.seq2seq_beam import BeamSearchDecoder, gather_tree, tile_batch
from tf1_rnn.legacy.seq2seq_decoder import dynamic_decode

rnn_cell, tf_layers = legacy_rnn_cells(), legacy_layers()
RNG = np.random.RandomState(0)
BATCH, UNITS, VOCAB, STEPS, END, START, MEMORY_TIME = 2, 4, 3, 3, 0, 1, 3
# Every hypothesis of the first STEPS - 1 steps fits in the beam (2 + 1 + (2 * 2 + 2 + 1)), so the last
# step ranks all 15 hypotheses of STEPS tokens: the beam search is exact and brute force can check it.
BEAM = 7
EMBEDDING = RNG.randn(VOCAB, 3).astype(np.float32)
H0 = RNG.randn(BATCH, UNITS).astype(np.float32)
ATTENTION = RNG.randn(UNITS, MEMORY_TIME).astype(np.float32)

AttendState = collections.namedtuple("AttendState", ("cell_state", "alignments"))
HistoryState = collections.namedtuple("HistoryState", ("cell_state", "time", "history"))


class AttendingCell(rnn_cell.RNNCell):
    """A BasicRNNCell whose state also carries softmax(h @ ATTENTION), as attention alignments would be."""

    def __init__(self):
        super().__init__()
        self._cell = rnn_cell.BasicRNNCell(UNITS)

    @property
    def state_size(self):
        return AttendState(UNITS, MEMORY_TIME)

    @property
    def output_size(self):
        return UNITS

    def call(self, inputs, state):
        output, h = self._cell(inputs, state.cell_state)
        return output, AttendState(h, v1.nn.softmax(v1.matmul(h, ATTENTION)))


class HistoryCell(AttendingCell):
    """A BasicRNNCell whose state also counts steps (a scalar) and keeps every output in a TensorArray."""

    @property
    def state_size(self):
        return HistoryState(UNITS, v1.TensorShape([]), UNITS)

    def call(self, inputs, state):
        output, h = self._cell(inputs, state.cell_state)
        return output, HistoryState(h, state.time + 1, state.history.write(state.time, output))


def test_tile_batch_repeats_each_entry_in_place():
    with v1.Graph().as_default():
        tiled = tile_batch((v1.constant([[1, 2], [3, 4]]), {"lengths": v1.constant([5, 6])}), 3)
        assert tiled[0].shape.as_list() == [6, 2]
        with v1.Session() as sess:
            matrix, vector = sess.run(tiled)
        with pytest.raises(ValueError, match="tile_batch: each tensor needs a known rank of at least 1"):
            tile_batch(v1.constant(1.0), 2)
    np.testing.assert_array_equal(matrix, [[1, 2], [1, 2], [1, 2], [3, 4], [3, 4], [3, 4]])
    np.testing.assert_array_equal(vector["lengths"], [5, 5, 5, 6, 6, 6])


def test_gather_tree_follows_parents_back_from_each_entrys_length():
    # [time, batch, beam]; entry 0 is 3 steps long, entry 1 is 4; the end token is 9
    step_ids = [[[1, 2, 3], [9, 1, 2]], [[4, 5, 6], [3, 4, 5]], [[7, 9, 8], [6, 7, 8]], [[5, 5, 5], [1, 2, 3]]]
    parent_ids = [[[0, 0, 0], [0, 0, 0]], [[2, 0, 1], [1, 0, 2]], [[1, 1, 0], [2, 2, 1]], [[0, 0, 0], [1, 0, 2]]]
    # entry 0: beams 7<-5<-1, 9<-5<-1, 8<-4<-3, then the end token past its length;
    # entry 1: beams 1<-7<-5<-2, 2<-6<-5<-2, and 3<-8<-4<-9, which is all end tokens from its first step
    want = [[[1, 1, 3], [2, 2, 9]], [[5, 5, 4], [5, 5, 9]], [[7, 9, 8], [7, 6, 9]], [[9, 9, 9], [1, 2, 9]]]
    with v1.Graph().as_default():
        beams = gather_tree(step_ids, parent_ids, [3, 4], 9)
        with v1.Session() as sess:
            np.testing.assert_array_equal(sess.run(beams), want)


def log_softmax(z):
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def find(params, suffix):
    (value,) = [value for name, value in params.items() if name.endswith(suffix)]
    return value


def np_step(kind, params):
    """The decoder's step in NumPy: (x, state) -> (logits, new state, alignments or None)."""
    def rnn(prefix, x, h):
        return np.tanh(np.concatenate([x, h]) @ find(params, prefix + "basic_rnn_cell/kernel")
                       + find(params, prefix + "basic_rnn_cell/bias"))

    def logits(h):
        return h @ find(params, "dense/kernel") + find(params, "dense/bias")

    def multi(x, state):
        h1 = rnn("cell_0/", x, state[0])
        h2 = rnn("cell_1/", h1, state[1])
        return logits(h2), (h1, h2), None

    def single(x, h):
        h = rnn("", x, h)
        alignments = np.exp(h @ ATTENTION) / np.exp(h @ ATTENTION).sum() if kind == "attend" else None
        return logits(h), h, alignments

    return multi if kind == "multi" else single


def brute_force(step, state, length_penalty, coverage_penalty):
    """Every hypothesis of STEPS tokens (only END after the first END), scored at the last step the way
    BeamSearchDecoder scores it, best BEAM first: [(score, tokens, log_prob, length)]."""
    found = []
    for tokens in itertools.product(range(VOCAB), repeat=STEPS):
        if END in tokens and set(tokens[tokens.index(END):]) != {END}:
            continue
        h, x, log_prob, length, coverage, finished = state, EMBEDDING[START], 0.0, 0, np.zeros(MEMORY_TIME), False
        for token in tokens:
            was_finished = finished
            scored_length = length  # a candidate's length leaves out the end token it ends with
            if not finished:
                logits, h, alignments = step(x, h)
                log_prob += log_softmax(logits)[token]
                coverage = coverage if alignments is None else coverage + alignments
                scored_length, length = length + (token != END), length + 1
                finished, x = token == END, EMBEDDING[token]
        score = log_prob / ((5.0 + scored_length) / 6.0) ** length_penalty
        if was_finished and coverage_penalty:
            score += coverage_penalty * np.log(np.minimum(np.where(coverage == 0, 1.0, coverage), 1.0)).sum()
        found.append((score, tokens, log_prob, length))
    return sorted(found, key=lambda f: -f[0])[:BEAM]


def beam_cell(kind):
    """(cell, its tiled initial state [BATCH * BEAM, ...], the initial state of each entry for NumPy)."""
    if kind == "multi":
        cell = rnn_cell.MultiRNNCell([rnn_cell.BasicRNNCell(UNITS) for _ in range(2)])
        return cell, tile_batch((v1.constant(H0), v1.constant(-H0)), BEAM), list(zip(H0, -H0))
    if kind == "attend":
        state = AttendState(tile_batch(v1.constant(H0), BEAM), v1.zeros([BATCH * BEAM, MEMORY_TIME]))
        return AttendingCell(), state, list(H0)
    return rnn_cell.BasicRNNCell(UNITS), tile_batch(v1.constant(H0), BEAM), list(H0)


@pytest.mark.parametrize("kind, length_penalty, coverage_penalty", [
    ("basic", 0.0, 0.0), ("basic", 1.0, 0.0), ("multi", 0.6, 0.0), ("attend", 1.0, 0.4)])
def test_beam_search_finds_the_best_hypotheses_of_a_brute_force_search(kind, length_penalty, coverage_penalty):
    with v1.Graph().as_default():
        cell, initial_state, np_states = beam_cell(kind)
        decoder = BeamSearchDecoder(cell, EMBEDDING, v1.fill([BATCH], START), END, initial_state, BEAM,
                                    output_layer=tf_layers.Dense(VOCAB), length_penalty_weight=length_penalty,
                                    coverage_penalty_weight=coverage_penalty)
        outputs, state, _ = dynamic_decode(decoder, maximum_iterations=STEPS)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            params = {v.name[:-2]: value for v, value in zip(v1.global_variables(), sess.run(v1.global_variables()))}
            ids, scores, log_probs, lengths = sess.run(
                [outputs.predicted_ids, outputs.beam_search_decoder_output.scores, state.log_probs, state.lengths])
    assert ids.shape == (BATCH, STEPS, BEAM)  # [batch, time, beam]
    for b, np_state in enumerate(np_states):
        best = brute_force(np_step(kind, params), np_state, length_penalty, coverage_penalty)
        np.testing.assert_allclose(scores[b, -1], [f[0] for f in best], rtol=1e-5)
        np.testing.assert_array_equal(ids[b].T, [f[1] for f in best])
        np.testing.assert_allclose(log_probs[b], [f[2] for f in best], rtol=1e-5)
        np.testing.assert_array_equal(lengths[b], [f[3] for f in best])


def test_tensor_arrays_in_the_cell_state_come_back_in_beam_order():
    with v1.Graph().as_default():
        cell, layer, results = HistoryCell(), tf_layers.Dense(VOCAB), []
        for reorder in (True, False):  # two decoders with the same weights: the same beams
            initial_state = HistoryState(tile_batch(v1.constant(H0), BEAM), v1.constant(0), v1.TensorArray(
                v1.float32, size=0, dynamic_size=True, element_shape=[BATCH * BEAM, UNITS]))
            decoder = BeamSearchDecoder(cell, EMBEDDING, v1.fill([BATCH], START), END, initial_state, BEAM,
                                        output_layer=layer, reorder_tensor_arrays=reorder)
            outputs, state, _ = dynamic_decode(decoder, maximum_iterations=STEPS)
            history = state.cell_state.history
            results += [history if reorder else history.stack(), state.cell_state.time]
        results += [outputs.beam_search_decoder_output.parent_ids, state.lengths]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            ordered, time, raw, _, parents, lengths = sess.run(results)
    assert time == STEPS and ordered.shape == raw.shape == (STEPS, BATCH * BEAM, UNITS)
    for b in range(BATCH):
        for k in range(BEAM):
            # TF 1.x's order: at step t, the slot that holds beam k's ancestor after step t's selection
            beam, slot_at = k, {}
            for t in reversed(range(lengths[b].max())):
                slot_at[t], beam = beam, parents[b, t, beam]
            for t in range(STEPS):
                slot = slot_at[t] if t < lengths[b, k] else k
                np.testing.assert_array_equal(ordered[t, b * BEAM + k], raw[t, b * BEAM + slot])


def test_variable_names_are_tf1s():
    """The TF 1.x NMT tutorial's beam-search decoder (names from its checkpoints)."""
    with v1.Graph().as_default():
        with v1.variable_scope("dynamic_seq2seq"):
            with v1.variable_scope("decoder") as decoder_scope:
                cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(UNITS) for _ in range(2)])
                decoder = BeamSearchDecoder(cell, EMBEDDING, [START] * BATCH, END,
                                            tile_batch(cell.zero_state(BATCH, v1.float32), 3), 3,
                                            tf_layers.Dense(VOCAB, use_bias=False, name="output_projection"))
                dynamic_decode(decoder, maximum_iterations=4, scope=decoder_scope)
        names = [v.name[:-2] for v in v1.global_variables()]
    assert names == ["dynamic_seq2seq/decoder/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
                     "dynamic_seq2seq/decoder/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
                     "dynamic_seq2seq/decoder/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
                     "dynamic_seq2seq/decoder/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
                     "dynamic_seq2seq/decoder/output_projection/kernel"]


@pytest.mark.parametrize("build, text", [
    (lambda cell: BeamSearchDecoder(cell, EMBEDDING, [START] * BATCH, END, cell.zero_state(BATCH, v1.float32), 3),
     "BeamSearchDecoder: a cell state tensor has shape (2, 4), but its first dimension must be batch_size * "
     "beam_width = 6"),
    (lambda cell: BeamSearchDecoder(cell, EMBEDDING, [START] * BATCH, END, v1.zeros([6, 4]), 3),
     "BeamSearchDecoder: initial_state float32[6, 4] does not match the cell's state_size LSTMStateTuple(c=4, h=4)"),
    (lambda cell: dynamic_decode(BeamSearchDecoder(cell, EMBEDDING, [START] * BATCH, END, tile_batch(
        cell.zero_state(BATCH, v1.float32), 3), 3, coverage_penalty_weight=0.5)),
     "BeamSearchDecoder: coverage_penalty_weight must be 0.0 when the cell state has no attention alignments"),
    (lambda cell: gather_tree([[1, 2]], [[0, 0]], [2], 0), "gather_tree: step_ids and parent_ids must both be"),
], ids=["state not tiled", "state of the wrong structure", "coverage without attention", "gather_tree ranks"])
def test_bad_arguments_get_one_line_errors(build, text):
    with v1.Graph().as_default(), pytest.raises(ValueError) as err:
        build(rnn_cell.BasicLSTMCell(UNITS))
    assert str(err.value).startswith(text) and "\n" not in str(err.value)
