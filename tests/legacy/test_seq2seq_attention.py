"""tf.contrib.seq2seq's attention: scores, alignments, contexts and wrapper steps against NumPy
computed from the session's variables; monotonic attention against its recurrence; TF 1.15's
variable names; one-line errors. Batch 2, memory length 4, depths 3-6, each in its own graph."""
import numpy as np
import pytest

from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy import seq2seq_attention as attention
from tf1_rnn.legacy.seq2seq_attention import _compute_attention

RNG = np.random.RandomState(0)
MEMORY = RNG.randn(2, 4, 5).astype(np.float32)  # [batch, max_time, depth]


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_monotonic(p, previous):
    """attention_i = p_i q_i, q_i = (1 - p_{i-1}) q_{i-1} + previous_i: the recurrence, one loop."""
    out = np.zeros_like(p)
    for b in range(p.shape[0]):
        q = 0.0
        for i in range(p.shape[1]):
            q = previous[b, i] + ((1 - p[b, i - 1]) * q if i else 0.0)
            out[b, i] = p[b, i] * q
    return out


def variables(session):
    """{name without the graph suffix: value} of every global variable."""
    return {v.name[:-2]: value for v, value in zip(v1.global_variables(), session.run(v1.global_variables()))}


def mechanism_step(mechanism_class, query, **kwargs):
    """(mechanism, score, alignments, context) for ``query``, the score caught on its way to softmax."""
    scores = []

    def probability_fn(score):
        scores.append(score)
        return v1.nn.softmax(score)

    mechanism = mechanism_class(num_units=query.shape[-1] if mechanism_class is attention.LuongAttention else 4,
                                memory=v1.constant(MEMORY), probability_fn=probability_fn, **kwargs)
    context, alignments, _ = _compute_attention(mechanism, v1.constant(query), mechanism.initial_state(2, v1.float32),
                                                None)
    return mechanism, scores[0], alignments, context


def set_values(session, values):
    """Assign non-default values, so the normalised and scaled forms' extra variables matter."""
    by_name = {v.name[:-2]: v for v in v1.global_variables()}
    for name, value in values.items():
        session.run(by_name[name].assign(value))


@pytest.mark.parametrize("normalize", [False, True])
def test_bahdanau_score_alignments_and_context_match_numpy(normalize):
    query = RNG.randn(2, 6).astype(np.float32)
    with v1.Graph().as_default(), v1.Session() as sess:
        _, score, alignments, context = mechanism_step(attention.BahdanauAttention, query, normalize=normalize)
        sess.run(v1.global_variables_initializer())
        if normalize:
            set_values(sess, {"bahdanau_attention/attention_g": 0.7,
                              "bahdanau_attention/attention_b": np.array([0.3, -0.2, 0.1, 0.5], np.float32)})
        got_score, got_alignments, got_context = sess.run([score, alignments, context])
        w = variables(sess)
    keys = MEMORY @ w["memory_layer/kernel"]  # [batch, max_time, units]
    processed = (query @ w["bahdanau_attention/query_layer/kernel"])[:, None]  # [batch, 1, units]
    v = w["bahdanau_attention/attention_v"]
    if normalize:
        v = w["bahdanau_attention/attention_g"] * v / np.linalg.norm(v)
        expected = (v * np.tanh(keys + processed + w["bahdanau_attention/attention_b"])).sum(-1)
    else:
        expected = (v * np.tanh(keys + processed)).sum(-1)
    np.testing.assert_allclose(got_score, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_alignments, softmax(expected), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_context, np.einsum("bt,btd->bd", softmax(expected), MEMORY), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("scale", [False, True])
def test_luong_score_alignments_and_context_match_numpy(scale):
    query = RNG.randn(2, 3).astype(np.float32)
    with v1.Graph().as_default(), v1.Session() as sess:
        _, score, alignments, context = mechanism_step(attention.LuongAttention, query, scale=scale)
        sess.run(v1.global_variables_initializer())
        if scale:
            set_values(sess, {"luong_attention/attention_g": 1.7})
        got_score, got_alignments, got_context = sess.run([score, alignments, context])
        w = variables(sess)
    expected = np.einsum("bu,btu->bt", query, MEMORY @ w["memory_layer/kernel"])
    expected *= w["luong_attention/attention_g"] if scale else 1.0
    np.testing.assert_allclose(got_score, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_alignments, softmax(expected), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_context, np.einsum("bt,btd->bd", softmax(expected), MEMORY), rtol=1e-5, atol=1e-6)


def test_memory_sequence_length_gives_padded_steps_zero_probability_and_zero_memory():
    with v1.Graph().as_default(), v1.Session() as sess:
        mechanism = attention.BahdanauAttention(4, v1.constant(MEMORY), memory_sequence_length=[4, 2])
        context, alignments, _ = _compute_attention(mechanism, v1.constant(RNG.randn(2, 6).astype(np.float32)),
                                                    mechanism.initial_state(2, v1.float32), None)
        raw = attention.LuongAttention(5, v1.constant(MEMORY), memory_sequence_length=[3, 1],
                                       probability_fn=lambda score: score, score_mask_value=-5.0)
        raw_scores, _ = raw(v1.constant(RNG.randn(2, 5).astype(np.float32)), raw.initial_state(2, v1.float32))
        sess.run(v1.global_variables_initializer())
        got_alignments, got_context, values, got_raw = sess.run([alignments, context, mechanism.values, raw_scores])
    assert np.all(got_alignments[1, 2:] == 0.0) and np.all(got_alignments[0] > 0.0)
    np.testing.assert_allclose(got_alignments.sum(1), [1.0, 1.0], rtol=1e-6)
    np.testing.assert_array_equal(values[1, 2:], 0.0)
    np.testing.assert_array_equal(values[1, :2], MEMORY[1, :2])
    np.testing.assert_allclose(got_context, np.einsum("bt,btd->bd", got_alignments, values), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got_raw[0, 3:], -5.0)
    np.testing.assert_array_equal(got_raw[1, 1:], -5.0)
    assert np.all(got_raw[0, :3] != -5.0)


def test_wrapper_two_steps_match_a_numpy_step():
    """cell input = [input, previous attention]; attention = attention_layer([cell output, context])."""
    inputs = RNG.randn(2, 2, 3).astype(np.float32)  # [step, batch, input]
    start = RNG.randn(2, 4).astype(np.float32)
    with v1.Graph().as_default(), v1.Session() as sess:
        mechanism = attention.LuongAttention(4, v1.constant(MEMORY))
        wrapper = attention.AttentionWrapper(legacy_rnn_cells().BasicRNNCell(4), mechanism, attention_layer_size=3)
        state = wrapper.zero_state(2, v1.float32).clone(cell_state=v1.constant(start))
        outputs = []
        for step in inputs:
            output, state = wrapper(v1.constant(step), state)
            outputs.append(output)
        sess.run(v1.global_variables_initializer())
        got_outputs, got_state = sess.run([outputs, state])
        w = variables(sess)
    keys = MEMORY @ w["memory_layer/kernel"]
    h, previous_attention = start, np.zeros((2, 3), np.float32)
    for step, got in zip(inputs, got_outputs):
        cell_input = np.concatenate([step, previous_attention], 1)
        h = np.tanh(np.concatenate([cell_input, h], 1) @ w["attention_wrapper/basic_rnn_cell/kernel"]
                    + w["attention_wrapper/basic_rnn_cell/bias"])
        alignments = softmax(np.einsum("bu,btu->bt", h, keys))
        context = np.einsum("bt,btd->bd", alignments, MEMORY)
        previous_attention = np.concatenate([h, context], 1) @ w["attention_wrapper/attention_layer/kernel"]
        np.testing.assert_allclose(got, previous_attention, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_state.cell_state, h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_state.alignments, alignments, rtol=1e-5, atol=1e-6)
    assert got_state.time == 2 and got_state.alignment_history == ()
    assert wrapper.output_size == 3 and wrapper.state_size.attention == 3


def test_wrapper_under_dynamic_rnn_runs_keeps_alignment_history_and_has_gradients():
    with v1.Graph().as_default(), v1.Session() as sess:
        mechanism = attention.BahdanauAttention(3, v1.constant(MEMORY), memory_sequence_length=[4, 3], normalize=True)
        encoder_state = v1.constant(RNG.randn(2, 6).astype(np.float32))
        wrapper = attention.AttentionWrapper(legacy_rnn_cells().GRUCell(6), mechanism, alignment_history=True,
                                             output_attention=False, initial_cell_state=encoder_state)
        inputs = v1.constant(RNG.randn(2, 3, 2).astype(np.float32))  # [batch, 3 steps, input]
        outputs, state = v1.nn.dynamic_rnn(wrapper, inputs, dtype=v1.float32)
        history = state.alignment_history.stack()  # [time, batch, max_time]
        trainable = v1.trainable_variables()
        gradients = v1.gradients(v1.reduce_sum(outputs ** 2), trainable)
        sess.run(v1.global_variables_initializer())
        got_outputs, got_history, got_alignments, got_gradients, first_cell_state, encoder = sess.run(
            [outputs, history, state.alignments, gradients, wrapper.zero_state(2, v1.float32).cell_state,
             encoder_state])
    assert got_outputs.shape == (2, 3, 6) and wrapper.output_size == 6  # the GRU's output: output_attention=False
    assert got_history.shape == (3, 2, 4)
    np.testing.assert_array_equal(got_history[-1], got_alignments)
    np.testing.assert_array_equal(got_history[:, 1, 3], 0.0)  # memory_sequence_length 3
    np.testing.assert_allclose(got_history.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(first_cell_state, encoder)
    assert len(got_gradients) == 9 and all(np.all(np.isfinite(g)) for g in got_gradients)
    # the attention reaches the output through the next step's cell input, so its variables learn
    learning = {v.name[:-2] for v, g in zip(trainable, got_gradients) if np.abs(g).sum() > 0}
    assert {"memory_layer/kernel", "rnn/attention_wrapper/bahdanau_attention/query_layer/kernel",
            "rnn/attention_wrapper/bahdanau_attention/attention_v"} <= learning


def test_variable_names_are_tf_1_15s():
    names = {
        "memory_layer/kernel", "memory_layer_1/kernel", "memory_layer_2/kernel", "memory_layer_3/kernel",
        "decoder/attention_wrapper/basic_lstm_cell/kernel", "decoder/attention_wrapper/basic_lstm_cell/bias",
        "decoder/attention_wrapper/bahdanau_attention/query_layer/kernel",
        "decoder/attention_wrapper/bahdanau_attention/attention_v",
        "decoder/attention_wrapper/bahdanau_attention/attention_g",
        "decoder/attention_wrapper/bahdanau_attention/attention_b",
        "decoder/attention_wrapper/luong_attention/attention_g",
        "decoder/attention_wrapper/bahdanau_monotonic_attention/query_layer/kernel",
        "decoder/attention_wrapper/bahdanau_monotonic_attention/attention_v",
        "decoder/attention_wrapper/bahdanau_monotonic_attention/attention_score_bias",
        "decoder/attention_wrapper/luong_monotonic_attention/attention_g",
        "decoder/attention_wrapper/luong_monotonic_attention/attention_score_bias",
    } | {f"decoder/attention_wrapper/attention_layer{suffix}/kernel" for suffix in ("", "_1", "_2", "_3")}
    with v1.Graph().as_default():
        memory = v1.constant(MEMORY)
        mechanisms = [attention.BahdanauAttention(3, memory, normalize=True),
                      attention.LuongAttention(4, memory, scale=True),
                      attention.BahdanauMonotonicAttention(3, memory),
                      attention.LuongMonotonicAttention(4, memory, scale=True)]
        wrapper = attention.AttentionWrapper(legacy_rnn_cells().BasicLSTMCell(4), mechanisms,
                                             attention_layer_size=[2, 2, 1, 1])
        outputs, _ = v1.nn.dynamic_rnn(wrapper, v1.zeros([2, 3, 2]), dtype=v1.float32, scope="decoder")
        assert outputs.shape == (2, 3, 6)
        assert {v.name[:-2] for v in v1.global_variables()} == names


def test_safe_cumprod_matches_numpy():
    x = RNG.uniform(0.1, 1.0, (2, 5)).astype(np.float32)
    with v1.Graph().as_default(), v1.Session() as sess:
        inclusive, exclusive = sess.run([attention.safe_cumprod(x, axis=1),
                                         attention.safe_cumprod(x, axis=1, exclusive=True)])
    np.testing.assert_allclose(inclusive, np.cumprod(x, axis=1), rtol=1e-5)
    np.testing.assert_allclose(exclusive, np.cumprod(np.concatenate([np.ones((2, 1)), x[:, :-1]], 1), 1), rtol=1e-5)


def test_monotonic_attention_recursive_and_parallel_match_the_recurrence():
    p = RNG.uniform(0.05, 0.95, (2, 5)).astype(np.float32)
    previous = softmax(RNG.randn(2, 5)).astype(np.float32)
    with v1.Graph().as_default(), v1.Session() as sess:
        recursive, parallel = sess.run([attention.monotonic_attention(p, previous, mode)
                                        for mode in ("recursive", "parallel")])
    np.testing.assert_allclose(recursive, np_monotonic(p, previous), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(parallel, recursive, rtol=1e-4, atol=1e-6)


def test_monotonic_attention_hard_picks_the_first_choice_from_the_last_position():
    p = np.array([[0, 1, 0, 1, 1], [1, 0, 0, 1, 0], [1, 1, 0, 0, 0]], np.float32)
    previous = np.array([[0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]], np.float32)
    with v1.Graph().as_default(), v1.Session() as sess:
        hard = sess.run(attention.monotonic_attention(p, previous, "hard"))
    np.testing.assert_array_equal(hard, [[0, 0, 0, 1, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]])


def test_luong_monotonic_step_matches_numpy():
    query = RNG.randn(2, 3).astype(np.float32)
    with v1.Graph().as_default(), v1.Session() as sess:
        mechanism = attention.LuongMonotonicAttention(3, v1.constant(MEMORY), score_bias_init=-0.5, mode="recursive")
        first = mechanism.initial_alignments(2, v1.float32)
        alignments, _ = mechanism(v1.constant(query), first)
        sess.run(v1.global_variables_initializer())
        got_first, got = sess.run([first, alignments])
        w = variables(sess)
    np.testing.assert_array_equal(got_first, [[1, 0, 0, 0], [1, 0, 0, 0]])
    score = np.einsum("bu,btu->bt", query, MEMORY @ w["memory_layer/kernel"]) - 0.5
    np.testing.assert_allclose(got, np_monotonic(1 / (1 + np.exp(-score)), got_first), rtol=1e-5, atol=1e-6)


def test_hardmax_is_exact():
    with v1.Graph().as_default(), v1.Session() as sess:
        got = sess.run(attention.hardmax(np.array([[1.0, 3.0, 2.0], [5.0, 5.0, 0.0]], np.float32)))
    np.testing.assert_array_equal(got, [[0, 1, 0], [1, 0, 0]])


def luong():
    return attention.LuongAttention(3, v1.zeros([2, 4, 5]))


def wrap(mechanisms, **kwargs):
    return attention.AttentionWrapper(legacy_rnn_cells().GRUCell(3), mechanisms, **kwargs)


@pytest.mark.parametrize("build, start", [
    (lambda: attention.BahdanauAttention(3, v1.zeros([2, 3])), "BahdanauAttention: memory must be"),
    (lambda: wrap([luong(), luong()], attention_layer_size=[3]),
     "AttentionWrapper: attention_layer_size must give one size per attention mechanism, got 1 for 2"),
    (lambda: luong()(v1.zeros([2, 6]), v1.zeros([2, 4])), "LuongAttention: the query has 6 units but the keys have 3"),
    (lambda: attention.monotonic_attention(v1.zeros([2, 3]), v1.zeros([2, 3]), "soft"),
     "monotonic_attention: mode must be"),
    (lambda: wrap(luong()).zero_state(5, v1.float32), "AttentionWrapper: batch size 5 (zero_state)"),
], ids=["memory-rank-2", "layer-sizes", "luong-depth", "mode", "batch-size"])
def test_bad_input_gives_one_clear_line(build, start):
    with v1.Graph().as_default(), pytest.raises(ValueError) as err:
        build()
    assert str(err.value).startswith(start) and "\n" not in str(err.value)
