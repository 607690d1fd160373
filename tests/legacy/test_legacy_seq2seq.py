"""tf.contrib.legacy_seq2seq and its TF 0.x names: attention against NumPy computed from the session's
variables, greedy decoding (feed_previous as a bool or a tensor), output projections, buckets on
one set of variables, TF 1.15's variable names, the encoder's cell (copied by 1.x, one object in
0.x), 0.x's signatures and loss callback, one-line errors, and a copy task that trains.
Vocabularies of 5-7 symbols, 2-4 steps, batch 2 (16 for training), each test in its own graph."""
import numpy as np
import pytest

from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy import legacy_seq2seq
from tf1_rnn.legacy.legacy_attention import AttentionHeads
from tf1_rnn.legacy.namespace import LegacyAPIError

RNG = np.random.RandomState(0)
TF1, TF0 = legacy_seq2seq.functions(copy_encoder_cell=True), legacy_seq2seq.functions(copy_encoder_cell=False)
cells = legacy_rnn_cells()


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def variables(session):
    """{name without ':0': value} of every global variable."""
    return {v.name[:-2]: value for v, value in zip(v1.global_variables(), session.run(v1.global_variables()))}


def names():
    return sorted(v.name[:-2] for v in v1.global_variables())


def np_read(var, prefix, head, states, query):
    """One head of attention_decoder in NumPy: (weights [batch, length], read [batch, size])."""
    features = states @ var[f"{prefix}AttnW_{head}"][0, 0]  # W1 h_j: [batch, length, size]
    projected = query @ var[f"{prefix}Attention_{head}/kernel"] + var[f"{prefix}Attention_{head}/bias"]
    weights = softmax((var[f"{prefix}AttnV_{head}"] * np.tanh(features + projected[:, None, :])).sum(-1))
    return weights, (weights[:, :, None] * states).sum(1)


def test_attention_heads_scores_and_reads_match_numpy():
    states, query = RNG.randn(2, 3, 4).astype(np.float32), RNG.randn(2, 5).astype(np.float32)
    with v1.Graph().as_default():
        with v1.variable_scope("attention_decoder"):
            heads = AttentionHeads(v1.constant(states), num_heads=2, dtype=v1.float32)
            weights, reads = heads.read(v1.constant(query))
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            (weights, reads), var = session.run((weights, reads)), variables(session)
    for head in range(2):
        expected_weights, expected_read = np_read(var, "attention_decoder/", head, states, query)
        np.testing.assert_allclose(weights[head], expected_weights, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(reads[head], expected_read, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("num_heads, initial_state_attention", [(1, False), (2, False), (2, True)])
def test_attention_decoder_matches_numpy(num_heads, initial_state_attention):
    states, initial = RNG.randn(2, 3, 4).astype(np.float32), RNG.randn(2, 4).astype(np.float32)
    inputs = [RNG.randn(2, 5).astype(np.float32) for _ in range(3)]
    with v1.Graph().as_default():
        outputs, state = TF1["attention_decoder"](
            [v1.constant(x) for x in inputs], v1.constant(initial), v1.constant(states), cells.BasicRNNCell(4),
            output_size=6, num_heads=num_heads, initial_state_attention=initial_state_attention)
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            (outputs, state), var = session.run((outputs, state)), variables(session)
    p = "attention_decoder/"

    def read_all(query):
        return [np_read(var, p, head, states, query)[1] for head in range(num_heads)]

    h = initial
    reads = read_all(h) if initial_state_attention else [np.zeros((2, 4), np.float32)] * num_heads
    for step, x in enumerate(inputs):
        merged = np.concatenate([x] + reads, 1) @ var[p + "kernel"] + var[p + "bias"]
        h = np.tanh(np.concatenate([merged, h], 1) @ var[p + "basic_rnn_cell/kernel"] + var[p + "basic_rnn_cell/bias"])
        reads = read_all(h)
        expected = np.concatenate([h] + reads, 1) @ var[p + "AttnOutputProjection/kernel"]
        np.testing.assert_allclose(outputs[step], expected + var[p + "AttnOutputProjection/bias"], atol=1e-5)
    np.testing.assert_allclose(state, h, atol=1e-5)
    assert var[p + "kernel"].shape == (5 + 4 * num_heads, 5)  # the merge keeps the input's width


def symbols(vocabulary, steps, batch=2):
    return [RNG.randint(0, vocabulary, batch).astype(np.int32) for _ in range(steps)]


@pytest.mark.parametrize("make_cell, projected", [(lambda: cells.GRUCell(4), False),
                                                  (lambda: cells.BasicLSTMCell(4), True)],
                         ids=["gru", "lstm-projected"])
def test_feed_previous_feeds_the_argmax_back_through_the_embedding(make_cell, projected):
    """True == False fed [GO, argmax(out_0), argmax(out_1)]; a tensor picks either at run time."""
    with v1.Graph().as_default():
        encoder = [v1.placeholder(v1.int32, [None]) for _ in range(3)]
        decoder = [v1.placeholder(v1.int32, [None]) for _ in range(3)]
        flag, cell = v1.placeholder(v1.bool, []), make_cell()
        projection = (v1.get_variable("w", [4, 7]), v1.get_variable("b", [7])) if projected else None

        def build(feed_previous):
            with v1.variable_scope("model", reuse=v1.AUTO_REUSE):
                return TF1["embedding_attention_seq2seq"](encoder, decoder, cell, 6, 7, 5,
                                                          output_projection=projection, feed_previous=feed_previous)
        (greedy, _), (teacher, _) = build(True), build(False)
        count = len(v1.global_variables())
        chosen, chosen_state = build(flag)
        assert len(v1.global_variables()) == count  # both branches of the cond reuse the model's variables
        assert isinstance(chosen_state, cells.LSTMStateTuple) == projected  # the state keeps its structure
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            feed = dict(zip(encoder + decoder, symbols(6, 3) + symbols(7, 3)))
            greedy_out, teacher_out = session.run(greedy, feed), session.run(teacher, feed)
            logits = [o @ session.run(projection[0]) + session.run(projection[1]) for o in greedy_out] \
                if projected else greedy_out
            fed_back = [feed[decoder[0]]] + [np.argmax(step, 1).astype(np.int32) for step in logits[:-1]]
            refed = session.run(teacher, {**feed, **dict(zip(decoder, fed_back))})
            on, off = session.run(chosen, {**feed, flag: True}), session.run(chosen, {**feed, flag: False})
    assert greedy_out[0].shape == (2, 4 if projected else 7)  # cell outputs when projected, else logits
    np.testing.assert_allclose(refed, greedy_out, atol=1e-6)
    np.testing.assert_allclose(on, greedy_out, atol=1e-6)
    np.testing.assert_allclose(off, teacher_out, atol=1e-6)
    assert not np.allclose(greedy_out[1:], teacher_out[1:])  # the fed-back symbols differ from the fed ones


def gru(prefix):
    return [f"{prefix}/gru_cell/{part}/{kind}" for part in ("gates", "candidate") for kind in ("kernel", "bias")]


def attention_seq2seq_names(num_heads=1):
    """What TF 1.15's embedding_attention_seq2seq makes, GRUCell, no output projection."""
    decoder = "embedding_attention_seq2seq/embedding_attention_decoder"
    attention = decoder + "/attention_decoder"
    return sorted(["embedding_attention_seq2seq/rnn/embedding_wrapper/embedding",
                   *gru("embedding_attention_seq2seq/rnn/embedding_wrapper"), decoder + "/embedding",
                   *[f"{attention}/{name}_{h}" for h in range(num_heads) for name in ("AttnW", "AttnV")],
                   *[f"{attention}/Attention_{h}/{kind}" for h in range(num_heads) for kind in ("kernel", "bias")],
                   attention + "/kernel", attention + "/bias", *gru(attention + "/output_projection_wrapper"),
                   attention + "/output_projection_wrapper/kernel", attention + "/output_projection_wrapper/bias",
                   attention + "/AttnOutputProjection/kernel", attention + "/AttnOutputProjection/bias"])


def int_inputs(steps):
    return [v1.placeholder(v1.int32, [None]) for _ in range(steps)]


@pytest.mark.parametrize("seq2seq, num_heads", [(TF1, 1), (TF0, 1), (TF1, 2)], ids=["tf1", "tf0", "tf1-2-heads"])
def test_embedding_attention_seq2seq_variable_names_are_tf_1_15s(seq2seq, num_heads):
    with v1.Graph().as_default():
        seq2seq["embedding_attention_seq2seq"](int_inputs(3), int_inputs(2), cells.GRUCell(4), 6, 7, 5,
                                               num_heads=num_heads)
        assert names() == attention_seq2seq_names(num_heads)


def test_other_models_variable_names_are_tf_1_15s():
    with v1.Graph().as_default():
        floats = [v1.zeros([2, 3]) for _ in range(2)]
        TF1["basic_rnn_seq2seq"](floats, floats, cells.GRUCell(4))
        TF1["tied_rnn_seq2seq"](floats, floats, cells.GRUCell(3))
        TF1["embedding_rnn_seq2seq"](int_inputs(2), int_inputs(2), cells.GRUCell(4), 6, 7, 5)
        TF1["embedding_tied_rnn_seq2seq"](int_inputs(2), int_inputs(2), cells.GRUCell(4), 6, 5)
        TF1["one2many_rnn_seq2seq"](int_inputs(2), {"a": int_inputs(2)}, cells.GRUCell(4), {"a": cells.GRUCell(4)},
                                    6, {"a": 7}, 5)
        rnn_decoder = "embedding_rnn_seq2seq/embedding_rnn_decoder/rnn_decoder/output_projection_wrapper"
        tied = "embedding_tied_rnn_seq2seq/combined_tied_rnn_seq2seq/tied_rnn_seq2seq/output_projection_wrapper"
        one2many = "one2many_rnn_seq2seq/one2many_decoder_a/embedding_rnn_decoder"
        assert names() == sorted([
            *gru("basic_rnn_seq2seq/rnn"), *gru("basic_rnn_seq2seq/rnn_decoder"),
            *gru("combined_tied_rnn_seq2seq/tied_rnn_seq2seq"),
            "embedding_rnn_seq2seq/rnn/embedding_wrapper/embedding",
            *gru("embedding_rnn_seq2seq/rnn/embedding_wrapper"),
            "embedding_rnn_seq2seq/embedding_rnn_decoder/embedding", *gru(rnn_decoder), rnn_decoder + "/kernel",
            rnn_decoder + "/bias", "embedding_tied_rnn_seq2seq/embedding", *gru(tied), tied + "/kernel", tied + "/bias",
            "one2many_rnn_seq2seq/rnn/embedding_wrapper/embedding", *gru("one2many_rnn_seq2seq/rnn/embedding_wrapper"),
            one2many + "/embedding", *gru(one2many + "/rnn_decoder/output_projection_wrapper"),
            one2many + "/rnn_decoder/output_projection_wrapper/kernel",
            one2many + "/rnn_decoder/output_projection_wrapper/bias"])


def test_tf1_copies_the_cell_for_the_encoder_and_tf0_runs_one_cell_by_scope():
    with v1.Graph().as_default():
        cell = cells.GRUCell(4)
        TF1["embedding_attention_seq2seq"](int_inputs(2), int_inputs(2), cell, 6, 7, 5)
        decoder = "embedding_attention_seq2seq/embedding_attention_decoder/attention_decoder/output_projection_wrapper"
        assert sorted(w.name[:-2] for w in cell.weights) == sorted(gru(decoder))  # the encoder ran a copy
    with v1.Graph().as_default():
        cell = cells.GRUCell(4)
        TF0["embedding_attention_seq2seq"](int_inputs(2), int_inputs(2), cell, 6, 7, 5)
        encoder_cell, decoder_cell = legacy_seq2seq.share_by_scope(cell)
        assert encoder_cell is decoder_cell and not cell.weights  # one object for both, as in 0.x; ``cell`` untouched
        assert encoder_cell.scopes == ["embedding_attention_seq2seq/rnn/embedding_wrapper", decoder]
        assert names() == attention_seq2seq_names()  # and still two sets of weights, one per scope
    with v1.Graph().as_default():
        floats = [v1.zeros([2, 3]) for _ in range(2)]
        TF0["tied_rnn_seq2seq"](floats, floats, cells.GRUCell(3))  # one scope: tied, as in 0.x
        assert names() == sorted(gru("combined_tied_rnn_seq2seq/tied_rnn_seq2seq"))


def np_sequence_loss(outputs, targets, weights):
    """legacy sequence_loss: per example sum_t w * crossentropy / sum_t w, averaged over the batch."""
    crossent = [-np.log(softmax(o)[np.arange(len(t)), t]) for o, t in zip(outputs, targets)]
    return np.mean(sum(c * w for c, w in zip(crossent, weights)) / (sum(weights) + 1e-12))


@pytest.mark.parametrize("seq2seq", [TF1, TF0], ids=["tf1", "tf0"])
def test_model_with_buckets_one_output_list_and_loss_per_bucket_on_one_set_of_variables(seq2seq):
    with v1.Graph().as_default():
        encoder, decoder = int_inputs(4), int_inputs(3)
        targets, weights = int_inputs(3), [v1.placeholder(v1.float32, [None]) for _ in range(3)]
        cell = cells.GRUCell(4)
        early = (7,) if seq2seq is TF0 else ()  # early 0.x's num_decoder_symbols before seq2seq
        outputs, losses = seq2seq["model_with_buckets"](
            encoder, decoder, targets, weights, [(2, 2), (4, 3)], *early,
            lambda x, y: seq2seq["embedding_attention_seq2seq"](x, y, cell, 6, 7, 5))
        assert [len(bucket) for bucket in outputs] == [2, 3] and [loss.shape.rank for loss in losses] == [0, 0]
        assert names() == attention_seq2seq_names()  # the second bucket made no variables of its own
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            target_values = symbols(7, 3)
            weight_values = [np.array([1.0, 0.0], np.float32)] + [np.ones(2, np.float32)] * 2
            feed = dict(zip(encoder + decoder + targets + weights,
                            symbols(6, 4) + symbols(7, 3) + target_values + weight_values))
            outputs, losses = session.run((outputs, losses), feed)
    for j, steps in enumerate([2, 3]):
        expected = np_sequence_loss(outputs[j], target_values[:steps], weight_values[:steps])
        np.testing.assert_allclose(losses[j], expected, rtol=1e-5)
    assert outputs[1][2].shape == (2, 7)


def test_tf0_signatures_and_loss_function_order():
    with v1.Graph().as_default():
        TF0["embedding_attention_seq2seq"](int_inputs(2), int_inputs(2), cells.GRUCell(4), 6, 7, 5, 2)  # 7th: num_heads
        assert any(name.endswith("attention_decoder/AttnW_1") for name in names())
    with v1.Graph().as_default():
        outputs, _ = TF0["one2many_rnn_seq2seq"](int_inputs(2), {"a": int_inputs(2), "b": int_inputs(3)},
                                                 cells.GRUCell(4), 6, {"a": 5, "b": 7}, 5)
        assert [len(outputs["a"]), len(outputs["b"])] == [2, 3] and outputs["b"][0].shape.as_list() == [None, 7]
        assert len([n for n in names() if n.endswith("gru_cell/gates/kernel")]) == 3  # encoder, a, b: one each
    with v1.Graph().as_default():
        logits = [v1.constant(RNG.randn(2, 5).astype(np.float32)) for _ in range(2)]
        targets, weights = [v1.constant(t) for t in symbols(5, 2)], [v1.ones([2])] * 2
        seen = []

        def tf0_loss(inputs, labels):  # 0.x's callback: (logits, labels), by position
            seen.append((inputs.dtype, labels.dtype))
            return v1.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=inputs)

        def tf1_loss(labels=None, logits=None):
            return v1.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)

        losses = [TF0["sequence_loss"](logits, targets, weights, softmax_loss_function=tf0_loss),
                  TF1["sequence_loss"](logits, targets, weights, softmax_loss_function=tf1_loss),
                  TF1["sequence_loss"](logits, targets, weights),
                  TF0["sequence_loss"](logits, targets, weights, 5),  # early 0.x: num_decoder_symbols, unused
                  TF0["sequence_loss_by_example"](logits, targets, weights, 5, False, tf0_loss),
                  TF1["sequence_loss_by_example"](logits, targets, weights, False)]
        with v1.Session() as session:
            tf0_value, tf1_value, default, early, early_by_example, by_example = session.run(losses)
    assert seen == [(v1.float32, v1.int32)] * 4
    np.testing.assert_allclose([tf0_value, tf1_value, early], [default] * 3, rtol=1e-6)
    np.testing.assert_allclose(early_by_example, by_example, rtol=1e-6)


def test_module_holds_the_13_names():
    namespace = legacy_seq2seq.module("tensorflow.contrib.legacy_seq2seq", copy_encoder_cell=True)
    assert sorted(name for name in legacy_seq2seq.NAMES if callable(getattr(namespace, name))) == sorted(
        legacy_seq2seq.NAMES) and len(legacy_seq2seq.NAMES) == 13
    assert namespace.sequence_loss_by_example is TF1["sequence_loss_by_example"]
    with pytest.raises(LegacyAPIError):
        namespace.no_such_function


def test_bad_inputs_fail_in_one_line():
    def attention(**kwargs):
        states = kwargs.pop("states", v1.zeros([2, 3, 4]))
        inputs = kwargs.pop("inputs", [v1.zeros([2, 5])])
        return TF1["attention_decoder"](inputs, v1.zeros([2, 4]), states, cells.GRUCell(4), **kwargs)

    cases = [
        (lambda: attention(inputs=[]), "attention_decoder: decoder_inputs is empty"),
        (lambda: attention(states=v1.placeholder(v1.float32, [None, 3, None])), "the last dimension (attn_size)"),
        (lambda: attention(num_heads=0), "num_heads must be at least 1"),
        (lambda: attention(states=v1.zeros([2, 3])), "attention_states must be [batch, attn_length, attn_size]"),
        (lambda: TF1["embedding_attention_seq2seq"](int_inputs(2), int_inputs(2), cells.GRUCell(4), 6, 7, 5,
                                                    feed_previous=v1.constant(1)),
         "feed_previous must be a Python bool or a scalar boolean tensor"),
        (lambda: TF1["embedding_rnn_decoder"](int_inputs(2), v1.zeros([2, 4]), cells.GRUCell(4), 7, 5,
                                              output_projection=(v1.zeros([4, 6]), v1.zeros([6]))),
         "output_projection must be W [output_size, 7] and B [7]"),
        (lambda: TF1["embedding_attention_seq2seq"](int_inputs(2), int_inputs(2), cells.GRUCell(4), 6, 7, 5, 2),
         "encoder_cell (the 7th argument) must be an RNNCell, got 2; TF 1.0 and 0.x had num_heads there"),
        (lambda: TF1["model_with_buckets"](int_inputs(2), int_inputs(3), int_inputs(2), int_inputs(3), [(2, 3)], None),
         "model_with_buckets: targets has 2 steps, fewer than the last bucket's 3"),
    ]
    for build, message in cases:
        with v1.Graph().as_default():
            with pytest.raises(ValueError) as raised:
                build()
        assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_cell_with_weights_from_elsewhere_cannot_be_copied_in_one_line():
    with v1.Graph().as_default():
        cell = cells.GRUCell(4)
        cell(v1.zeros([2, 3]), cell.zero_state(2, v1.float32))  # built outside the seq2seq functions
        with pytest.raises(ValueError, match="already has weights from an earlier use") as raised:
            TF1["embedding_rnn_seq2seq"](int_inputs(2), int_inputs(2), cell, 6, 7, 5)
        assert "\n" not in str(raised.value)


def test_embedding_attention_seq2seq_learns_to_copy():
    """Copy 3 symbols of 2..5: the decoder reads GO (1) then the target shifted by one."""
    with v1.Graph().as_default():
        v1.set_random_seed(1)
        encoder, decoder, targets = int_inputs(3), int_inputs(3), int_inputs(3)
        outputs, _ = TF1["embedding_attention_seq2seq"](encoder, decoder, cells.GRUCell(8), 6, 6, 8)
        loss = TF1["sequence_loss"](outputs, targets, [v1.ones([16])] * 3)
        train = v1.train.AdamOptimizer(0.05).minimize(loss)
        data = np.random.RandomState(1).randint(2, 6, (16, 3)).astype(np.int32)
        feed = {**dict(zip(encoder, data.T)), **dict(zip(targets, data.T)),
                **dict(zip(decoder, [np.ones(16, np.int32)] + list(data.T[:-1])))}
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            first = session.run(loss, feed)
            for _ in range(60):
                session.run(train, feed)
            last = session.run(loss, feed)
    assert first > 1.2 and last < 0.25 * first, (first, last)
