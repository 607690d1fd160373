"""tf.contrib.seq2seq's BasicDecoder, helpers and dynamic_decode: against the same cell unrolled by
hand (or NumPy from the session's weights), impute_finished, maximum_iterations, time-major output,
scheduled sampling at probability 0 and 1, one while loop whatever the length, TF 1.x's variable
names and one-line errors. Batch 3, depth 3, 4 units, vocabulary 5, at most 5 steps, each in its own graph."""
import numpy as np
import pytest

from tf1_rnn.compat import legacy_layers, legacy_rnn_cells, tf as v1
from tf1_rnn.legacy import contrib_seq2seq
from tf1_rnn.legacy.seq2seq_decoder import BasicDecoder, dynamic_decode
from tf1_rnn.legacy.seq2seq_helpers import (
    CustomHelper, GreedyEmbeddingHelper, InferenceHelper, SampleEmbeddingHelper, ScheduledEmbeddingTrainingHelper,
    ScheduledOutputTrainingHelper, TrainingHelper)

RNG = np.random.RandomState(0)
BATCH, TIME, DEPTH, UNITS, VOCAB = 3, 4, 3, 4, 5
INPUTS = RNG.randn(BATCH, TIME, DEPTH).astype(np.float32)
EMBEDDING = RNG.randn(VOCAB, DEPTH).astype(np.float32)
rnn_cell, tf_layers = legacy_rnn_cells(), legacy_layers()


def run(fetches):
    with v1.Session() as sess:
        sess.run(v1.global_variables_initializer())
        return sess.run(fetches)


def unrolled(cell, layer, step_inputs, state):
    """The cell (and layer) applied step by step in Python: (outputs [batch, time, ...], states per step)."""
    outputs, states = [], []
    for x in step_inputs:
        out, state = cell(x, state)
        outputs.append(out if layer is None else layer(out))
        states.append(state)
    return v1.stack(outputs, 1), states


def lstm_decoder(helper, output_size=VOCAB, **kwargs):
    cell = rnn_cell.BasicLSTMCell(UNITS)
    layer = tf_layers.Dense(output_size)
    decoder = BasicDecoder(cell, helper, cell.zero_state(BATCH, v1.float32), output_layer=layer)
    return cell, layer, dynamic_decode(decoder, **kwargs)


def test_training_decoder_equals_the_cell_unrolled_by_hand():
    with v1.Graph().as_default():
        x = v1.constant(INPUTS)
        cell, layer, (outputs, state, lengths) = lstm_decoder(TrainingHelper(x, [4, 2, 3]))
        by_hand, states = unrolled(cell, layer, v1.unstack(x, axis=1), cell.zero_state(BATCH, v1.float32))
        assert len(v1.trainable_variables()) == 4  # the hand loop reused the decoder's weights
        got, want, want_state = run([(outputs, state, lengths), by_hand, states[-1]])
    (rnn_output, sample_id), final_state, final_lengths = got
    np.testing.assert_allclose(rnn_output, want, atol=1e-5)
    np.testing.assert_array_equal(sample_id, want.argmax(-1))
    np.testing.assert_allclose(final_state, want_state, atol=1e-5)  # without impute_finished: the last step's
    np.testing.assert_array_equal(final_lengths, [4, 2, 3])


def test_impute_finished_zeroes_outputs_and_keeps_each_entrys_own_final_state():
    lengths = [4, 1, 3]
    with v1.Graph().as_default():
        x = v1.constant(INPUTS)
        cell, layer, (outputs, state, _) = lstm_decoder(TrainingHelper(x, lengths), impute_finished=True)
        by_hand, states = unrolled(cell, layer, v1.unstack(x, axis=1), cell.zero_state(BATCH, v1.float32))
        (rnn_output, sample_id), final_state, want, want_states = run([outputs, state, by_hand, states])
    for b, length in enumerate(lengths):
        np.testing.assert_allclose(rnn_output[b, :length], want[b, :length], atol=1e-5)
        assert not rnn_output[b, length:].any() and not sample_id[b, length:].any()
        for got, expected in zip(final_state, want_states[length - 1]):  # c and h
            np.testing.assert_allclose(got[b], expected[b], atol=1e-5)


def test_maximum_iterations_and_output_time_major():
    with v1.Graph().as_default():
        x = v1.constant(INPUTS)
        cell, layer, (outputs, _, lengths) = lstm_decoder(TrainingHelper(x, [4, 4, 4]), maximum_iterations=2,
                                                          output_time_major=True)
        by_hand, _ = unrolled(cell, layer, v1.unstack(x, axis=1)[:2], cell.zero_state(BATCH, v1.float32))
        assert outputs.rnn_output.shape.as_list() == [None, BATCH, VOCAB]
        (rnn_output, sample_id), final_lengths, want = run([outputs, lengths, by_hand])
    assert rnn_output.shape == (2, BATCH, VOCAB) and sample_id.shape == (2, BATCH)
    np.testing.assert_allclose(rnn_output, want.transpose(1, 0, 2), atol=1e-5)
    np.testing.assert_array_equal(final_lengths, [2, 2, 2])


def while_loops(graph):
    """While ops in the graph and in every function it calls (control flow v2), plus v1 loops' LoopCond."""
    graph_def = graph.as_graph_def()
    nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
    return sum(n.op in ("While", "StatelessWhile", "LoopCond") for n in nodes)


def test_dynamic_decode_builds_one_while_loop_whatever_the_number_of_steps():
    sizes = []
    for steps in (2, 5):
        with v1.Graph().as_default() as graph:
            x = v1.constant(RNG.randn(BATCH, steps, DEPTH).astype(np.float32))
            lstm_decoder(TrainingHelper(x, [steps] * BATCH), impute_finished=True)
            assert while_loops(graph) == 1
            sizes.append(len(graph.get_operations()))
    assert sizes[0] == sizes[1]  # no op is built per step


def np_rnn_step(params, x, h, prefix="decoder/"):
    """BasicRNNCell then the Dense layer, in NumPy: (logits, new h)."""
    h = np.tanh(np.concatenate([x, h], -1) @ params[prefix + "basic_rnn_cell/kernel"]
                + params[prefix + "basic_rnn_cell/bias"])
    return h @ params[prefix + "dense/kernel"] + params[prefix + "dense/bias"], h


def greedy_graph(helper, cell, layer):
    h0 = v1.constant(np.random.RandomState(3).randn(BATCH, UNITS).astype(np.float32))
    return dynamic_decode(BasicDecoder(cell, helper, h0, layer), maximum_iterations=5)


def np_greedy_paths(params, steps=5):
    """The argmax tokens [batch, steps] of the decoder below, fed back through EMBEDDING, in NumPy."""
    h, x, paths = np.random.RandomState(3).randn(BATCH, UNITS), EMBEDDING[[1, 2, 3]], []
    for _ in range(steps):
        logits, h = np_rnn_step(params, x, h)
        paths.append(logits.argmax(-1))
        x = EMBEDDING[paths[-1]]
    return np.stack(paths, 1)


def test_greedy_embedding_helper_feeds_back_the_argmax_and_stops_at_end_token():
    with v1.Graph().as_default():
        v1.get_variable_scope().set_initializer(v1.random_normal_initializer(seed=0))  # the same weights each run
        end_token = v1.placeholder(v1.int32, [])  # chosen below, once the weights are known
        helper = GreedyEmbeddingHelper(EMBEDDING, [1, 2, 3], end_token)
        outputs, _, lengths = greedy_graph(helper, rnn_cell.BasicRNNCell(UNITS), tf_layers.Dense(VOCAB))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            paths = np_greedy_paths(dict(zip([v.name[:-2] for v in v1.global_variables()],
                                             sess.run(v1.global_variables()))))
            ends = [[list(path).index(token) + 1 if token in path else 5 for path in paths] for token in range(VOCAB)]
            token = int(np.argmin([max(e) for e in ends]))  # the end token that stops the decoding soonest
            (rnn_output, sample_id), final_lengths = sess.run([outputs, lengths], {end_token: token})
    steps = max(ends[token])
    assert steps < 5  # the loop stopped when every entry had emitted end_token
    np.testing.assert_array_equal(final_lengths, ends[token])
    np.testing.assert_array_equal(sample_id, paths[:, :steps])
    np.testing.assert_array_equal(sample_id, rnn_output.argmax(-1))


def test_sample_embedding_helper_at_a_tiny_temperature_is_greedy():
    with v1.Graph().as_default():
        cell, layer = rnn_cell.BasicRNNCell(UNITS), tf_layers.Dense(VOCAB)
        greedy = greedy_graph(GreedyEmbeddingHelper(EMBEDDING, [1, 2, 3], 0), cell, layer)[0]
        sampled = greedy_graph(SampleEmbeddingHelper(EMBEDDING, [1, 2, 3], 0, softmax_temperature=1e-6, seed=2),
                               cell, layer)[0]
        greedy_ids, sampled_ids = run([greedy.sample_id, sampled.sample_id])
    np.testing.assert_array_equal(sampled_ids, greedy_ids)


@pytest.mark.parametrize("helper_class", [ScheduledEmbeddingTrainingHelper, ScheduledOutputTrainingHelper])
def test_scheduled_helpers_at_probability_0_are_the_training_helper(helper_class):
    with v1.Graph().as_default():
        x = v1.constant(INPUTS)
        embedding = helper_class is ScheduledEmbeddingTrainingHelper
        extra = {"embedding": EMBEDDING} if embedding else {}
        cell, layer, (outputs, _, _) = lstm_decoder(helper_class(x, [4, 2, 3], sampling_probability=0.0, **extra),
                                                    output_size=VOCAB if embedding else DEPTH)
        training = dynamic_decode(BasicDecoder(cell, TrainingHelper(x, [4, 2, 3]), cell.zero_state(BATCH, v1.float32),
                                               output_layer=layer))[0]
        (rnn_output, sample_id), want = run([outputs, training.rnn_output])
    np.testing.assert_allclose(rnn_output, want, atol=1e-6)
    assert (sample_id == -1).all() if embedding else not sample_id.any()


def test_scheduled_embedding_at_probability_1_feeds_the_embedded_samples():
    with v1.Graph().as_default():
        x = v1.constant(INPUTS)
        helper = ScheduledEmbeddingTrainingHelper(x, [4, 4, 4], EMBEDDING, sampling_probability=1.0, seed=3)
        cell, layer, (outputs, _, _) = lstm_decoder(helper)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            rnn_output, sample_id = sess.run(outputs)
            fed = [x[:, 0]] + [v1.constant(EMBEDDING[sample_id[:, t]]) for t in range(TIME - 1)]
            want = sess.run(unrolled(cell, layer, fed, cell.zero_state(BATCH, v1.float32))[0])
    assert ((sample_id >= 0) & (sample_id < VOCAB)).all()
    np.testing.assert_allclose(rnn_output, want, atol=1e-5)


def test_scheduled_output_at_probability_1_feeds_the_outputs_with_auxiliary_inputs():
    auxiliary = RNG.randn(BATCH, TIME, 1).astype(np.float32)
    with v1.Graph().as_default():
        x, aux = v1.constant(INPUTS[:, :, :2]), v1.constant(auxiliary)
        helper = ScheduledOutputTrainingHelper(x, [4, 4, 4], 1.0, next_inputs_fn=lambda out: 2.0 * out,
                                               auxiliary_inputs=aux)
        cell, layer = rnn_cell.BasicLSTMCell(UNITS), tf_layers.Dense(2)
        outputs = dynamic_decode(BasicDecoder(cell, helper, cell.zero_state(BATCH, v1.float32), layer))[0]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            rnn_output, sample_id = sess.run(outputs)
            fed = [np.concatenate([INPUTS[:, 0, :2], auxiliary[:, 0]], -1)] + [
                np.concatenate([2.0 * rnn_output[:, t], auxiliary[:, t + 1]], -1) for t in range(TIME - 1)]
            want = sess.run(unrolled(cell, layer, [v1.constant(f) for f in fed], cell.zero_state(BATCH, v1.float32))[0])
    assert sample_id.all() and sample_id.dtype == bool
    np.testing.assert_allclose(rnn_output, want, atol=1e-5)


def test_inference_helper_feeds_back_what_sample_fn_returns():
    with v1.Graph().as_default():
        x0 = v1.constant(INPUTS[:, 0])
        cell, layer = rnn_cell.BasicLSTMCell(UNITS), tf_layers.Dense(DEPTH)
        zero = cell.zero_state(BATCH, v1.float32)
        helper = InferenceHelper(lambda out: out, [DEPTH], v1.float32, x0, lambda s: v1.fill([BATCH], False))
        outputs = dynamic_decode(BasicDecoder(cell, helper, zero, layer), maximum_iterations=3)[0]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            rnn_output, sample_id = sess.run(outputs)
            fed = [INPUTS[:, 0]] + [rnn_output[:, t] for t in range(2)]
            want = sess.run(unrolled(cell, layer, [v1.constant(f) for f in fed], zero)[0])
    np.testing.assert_allclose(rnn_output, want, atol=1e-5)
    np.testing.assert_array_equal(sample_id, rnn_output)


def test_custom_helper_takes_its_batch_size_from_initialize():
    with v1.Graph().as_default():
        x0 = v1.constant(INPUTS[:, 0])
        cell, layer = rnn_cell.BasicLSTMCell(UNITS), tf_layers.Dense(DEPTH)
        zero = cell.zero_state(BATCH, v1.float32)
        helper = CustomHelper(lambda: (v1.fill([BATCH], False), x0), lambda time, outputs, state: v1.fill([BATCH], 7),
                              lambda time, outputs, state, sample_ids: (v1.fill([BATCH], time + 1 >= 2), x0, state))
        outputs = dynamic_decode(BasicDecoder(cell, helper, zero, layer))[0]
        by_hand = unrolled(cell, layer, [x0, x0], zero)[0]
        (rnn_output, sample_id), want = run([outputs, by_hand])
    np.testing.assert_allclose(rnn_output, want, atol=1e-5)
    np.testing.assert_array_equal(sample_id, np.full((BATCH, 2), 7))


def test_variable_names_are_tf1s():
    """BasicDecoder's default scope, and the TF 1.x NMT tutorial's layout (names from its checkpoints)."""
    with v1.Graph().as_default():
        lstm_decoder(TrainingHelper(v1.constant(INPUTS), [4, 4, 4]))
        with v1.variable_scope("dynamic_seq2seq"):
            with v1.variable_scope("decoder") as decoder_scope:
                cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(UNITS) for _ in range(2)])
                helper = GreedyEmbeddingHelper(EMBEDDING, [1, 1, 1], 0)
                decoder = BasicDecoder(cell, helper, cell.zero_state(BATCH, v1.float32),
                                       tf_layers.Dense(VOCAB, use_bias=False, name="output_projection"))
                dynamic_decode(decoder, maximum_iterations=3, scope=decoder_scope)
        names = [v.name[:-2] for v in v1.global_variables()]
    assert names == ["decoder/basic_lstm_cell/kernel", "decoder/basic_lstm_cell/bias", "decoder/dense/kernel",
                     "decoder/dense/bias",
                     "dynamic_seq2seq/decoder/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
                     "dynamic_seq2seq/decoder/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
                     "dynamic_seq2seq/decoder/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
                     "dynamic_seq2seq/decoder/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
                     "dynamic_seq2seq/decoder/output_projection/kernel"]


@pytest.mark.parametrize("initial_state, shown", [
    (lambda: v1.zeros([BATCH, UNITS]), "float32[3, 4]"),
    (lambda: rnn_cell.LSTMStateTuple(v1.zeros([BATCH, 8]), v1.zeros([BATCH, 8])), "c=float32[3, 8]"),
], ids=["one tensor for a tuple", "wrong width"])
def test_an_initial_state_that_does_not_fit_the_cell_is_one_value_error(initial_state, shown):
    with v1.Graph().as_default():
        helper = GreedyEmbeddingHelper(EMBEDDING, [1, 1, 1], 0)
        with pytest.raises(ValueError) as err:
            BasicDecoder(rnn_cell.BasicLSTMCell(UNITS), helper, initial_state())
    message = str(err.value)
    assert "\n" not in message and message.startswith("BasicDecoder: initial_state")
    assert shown in message and "state_size LSTMStateTuple(c=4, h=4)" in message


@pytest.mark.parametrize("build, error, text", [
    (lambda: TrainingHelper(v1.constant(INPUTS), [[4, 4, 4]]), ValueError, "TrainingHelper: sequence_length"),
    (lambda: GreedyEmbeddingHelper(EMBEDDING, 1, 0), ValueError, "GreedyEmbeddingHelper: start_tokens"),
    (lambda: dynamic_decode("not a decoder"), TypeError, "dynamic_decode: decoder must be"),
    (lambda: BasicDecoder(rnn_cell.BasicLSTMCell(UNITS), "helper", None), TypeError, "BasicDecoder: helper"),
    (lambda: lstm_decoder(TrainingHelper(v1.constant(INPUTS), [4, 4, 4]), maximum_iterations=[2, 3]), ValueError,
     "dynamic_decode: maximum_iterations must be a scalar"),
])
def test_bad_arguments_get_one_line_errors(build, error, text):
    with v1.Graph().as_default(), pytest.raises(error) as err:
        build()
    assert str(err.value).startswith(text) and "\n" not in str(err.value)


def test_contrib_seq2seq_exposes_the_decoder_api_beside_sequence_loss():
    namespace = contrib_seq2seq.modules()["tensorflow.contrib.seq2seq"]
    for name in ["sequence_loss", "Helper", "CustomHelper", "TrainingHelper", "GreedyEmbeddingHelper",
                 "SampleEmbeddingHelper", "ScheduledEmbeddingTrainingHelper", "ScheduledOutputTrainingHelper",
                 "InferenceHelper", "Decoder", "BasicDecoder", "BasicDecoderOutput", "dynamic_decode",
                 "BeamSearchDecoder", "BeamSearchDecoderOutput", "BeamSearchDecoderState",
                 "FinalBeamSearchDecoderOutput", "tile_batch", "gather_tree"]:
        assert getattr(namespace, name) is not None
    assert namespace.dynamic_decode is dynamic_decode and namespace.sequence_loss is contrib_seq2seq.sequence_loss
