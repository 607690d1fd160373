"""tf.contrib.cudnn_rnn on a CPU: the compatible cells against NumPy; the weight conversions;
CudnnLSTM/CudnnGRU equal to the compatible cells on the same weights, through a checkpoint
saved from the cells as TF 1.x documented; initial values; one-line errors. Tiny sizes."""
import re

import numpy as np
import pytest

from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy import contrib, cudnn_rnn, cudnn_rnn_params as params
from tf1_rnn.legacy.namespace import LegacyAPIError

RNG = np.random.RandomState(2)
LSTMStateTuple = legacy_rnn_cells().LSTMStateTuple
TIME, BATCH, INPUT, UNITS = 5, 2, 3, 4


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def randomize(sess):
    """Every variable to random values; {name: value}."""
    sess.run([v.assign(0.5 * RNG.randn(*v.shape.as_list())) for v in v1.global_variables()])
    return dict(zip([v.op.name for v in v1.global_variables()], sess.run(v1.global_variables())))


def test_compatible_cells_compute_cudnn_functions():
    x, h0, c0 = (RNG.randn(BATCH, n).astype(np.float32) for n in (INPUT, UNITS, UNITS))
    with v1.Graph().as_default():
        lstm_out, (c, h) = params.CudnnCompatibleLSTMCell(UNITS)(v1.constant(x), LSTMStateTuple(c0, h0))
        gru_out, _ = params.CudnnCompatibleGRUCell(UNITS)(v1.constant(x), v1.constant(h0))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            v = randomize(sess)
            lstm_out, c, gru_out = sess.run([lstm_out, c, gru_out])
    p = "cudnn_compatible_lstm_cell/"
    i, j, f, o = np.split(np.concatenate([x, h0], 1) @ v[p + "kernel"] + v[p + "bias"], 4, 1)
    expected_c = sigmoid(f) * c0 + sigmoid(i) * np.tanh(j)  # no forget bias
    np.testing.assert_allclose(c, expected_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lstm_out, sigmoid(o) * np.tanh(expected_c), rtol=1e-5, atol=1e-6)
    p = "cudnn_compatible_gru_cell/"
    reset, update = np.split(sigmoid(np.concatenate([x, h0], 1) @ v[p + "gates/kernel"] + v[p + "gates/bias"]), 2, 1)
    candidate = np.tanh(x @ v[p + "candidate/input_projection/kernel"] + v[p + "candidate/input_projection/bias"]
                        + reset * (h0 @ v[p + "candidate/hidden_projection/kernel"]
                                   + v[p + "candidate/hidden_projection/bias"]))
    np.testing.assert_allclose(gru_out, (1 - update) * candidate + update * h0, rtol=1e-5, atol=1e-6)


def test_lstm_converter_reorders_gates_and_halves_biases():
    kernel = RNG.randn(INPUT + UNITS, 4 * UNITS).astype(np.float32)
    bias = RNG.randn(4 * UNITS).astype(np.float32)
    converter = cudnn_rnn.CudnnParamsFormatConverterLSTM(1, UNITS, INPUT)
    with v1.Graph().as_default(), v1.Session() as sess:
        weights, biases = sess.run(converter.tf_canonical_to_cudnn_canonical([kernel, bias]))
        (kernel_back,), (bias_back,) = sess.run(converter.cudnn_canonical_to_tf_canonical(weights, biases))
        packed = sess.run(params.canonical_to_params(weights, biases))
    tf_gate = {"i": 0, "c": 1, "f": 2, "o": 3}
    for k, gate in enumerate("ifco"):  # cuDNN's order
        columns = slice(tf_gate[gate] * UNITS, (tf_gate[gate] + 1) * UNITS)
        np.testing.assert_array_equal(weights[k], kernel[:INPUT, columns].T)
        np.testing.assert_array_equal(weights[4 + k], kernel[INPUT:, columns].T)
        np.testing.assert_array_equal(biases[k], biases[4 + k])
        np.testing.assert_allclose(biases[k], bias[columns] / 2)
    np.testing.assert_array_equal(kernel_back, kernel)
    np.testing.assert_allclose(bias_back, bias)
    np.testing.assert_array_equal(packed, np.concatenate([w.ravel() for w in weights] + list(biases)))


def test_gru_converter_round_trip_for_a_bidirectional_stack():
    converter = cudnn_rnn.CudnnParamsFormatConverterGRU(2, UNITS, INPUT, direction="bidirectional")
    weights = [RNG.randn(*shape).astype(np.float32) for width in (INPUT, INPUT, 2 * UNITS, 2 * UNITS)
               for shape in [[width + UNITS, 2 * UNITS], [width, UNITS], [UNITS, UNITS]]]
    biases = [RNG.randn(*shape).astype(np.float32) for _ in range(4) for shape in ([2 * UNITS], [UNITS], [UNITS])]
    with v1.Graph().as_default(), v1.Session() as sess:
        cu_weights, cu_biases = sess.run(converter.tf_canonical_to_cudnn_canonical(weights + biases))
        weights_back, biases_back = sess.run(converter.cudnn_canonical_to_tf_canonical(cu_weights, cu_biases))
    assert [w.shape for w in cu_weights[:6]] == [(UNITS, INPUT)] * 3 + [(UNITS, UNITS)] * 3
    assert [w.shape for w in cu_weights[12:18]] == [(UNITS, 2 * UNITS)] * 3 + [(UNITS, UNITS)] * 3
    np.testing.assert_array_equal(cu_weights[2], weights[1].T)  # the candidate's input matrix, cuDNN's gate 2
    for got, expected in zip(weights_back + biases_back, weights + biases):
        np.testing.assert_allclose(got, expected, rtol=1e-6)


def compatible_graph(layer_class, cell_class, direction, x, state, sequence_lengths):
    """The CPU graph TF 1.x documented for a Cudnn layer's checkpoint, in the layer's scope."""
    lstm = layer_class is cudnn_rnn.CudnnLSTM
    parts = [LSTMStateTuple(state[1][k], state[0][k]) if lstm else state[0][k] for k in range(len(state[0]))]
    with v1.variable_scope("cudnn_lstm" if lstm else "cudnn_gru"):  # the layer's default name
        if direction == "unidirectional":
            cell = legacy_rnn_cells().MultiRNNCell([cell_class(UNITS) for _ in parts])
            outputs, finals = v1.nn.dynamic_rnn(cell, x, sequence_length=sequence_lengths,
                                                initial_state=tuple(parts), time_major=True)
        else:
            outputs, fw, bw = contrib.stack_bidirectional_dynamic_rnn(
                [cell_class(UNITS) for _ in parts[::2]], [cell_class(UNITS) for _ in parts[::2]], x,
                initial_states_fw=parts[::2], initial_states_bw=parts[1::2], sequence_length=sequence_lengths,
                time_major=True)
            finals = [s for pair in zip(fw, bw) for s in pair]
    if lstm:
        return outputs, (v1.stack([s.h for s in finals]), v1.stack([s.c for s in finals]))
    return outputs, (v1.stack(finals),)


@pytest.mark.parametrize("layer_class, cell_class, direction, sequence_lengths", [
    (cudnn_rnn.CudnnLSTM, params.CudnnCompatibleLSTMCell, "unidirectional", None),
    (cudnn_rnn.CudnnLSTM, params.CudnnCompatibleLSTMCell, "bidirectional", [5, 3]),
    (cudnn_rnn.CudnnGRU, params.CudnnCompatibleGRUCell, "unidirectional", [4, 5]),
    (cudnn_rnn.CudnnGRU, params.CudnnCompatibleGRUCell, "bidirectional", None),
], ids=["lstm", "lstm-bidirectional", "gru", "gru-bidirectional"])
def test_cudnn_layer_restores_the_compatible_cells_checkpoint_and_computes_the_same(
        tmp_path, layer_class, cell_class, direction, sequence_lengths):
    count = 2 * (1 if direction == "unidirectional" else 2)  # two layers
    x = RNG.randn(TIME, BATCH, INPUT).astype(np.float32)
    state = tuple(RNG.randn(count, BATCH, UNITS).astype(np.float32)
                  for _ in range(2 if layer_class is cudnn_rnn.CudnnLSTM else 1))
    with v1.Graph().as_default():
        expected = compatible_graph(layer_class, cell_class, direction, v1.constant(x), state, sequence_lengths)
        saved_names = sorted(v.op.name for v in v1.global_variables())
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            randomize(sess)
            expected = sess.run(expected)
            v1.train.Saver().save(sess, str(tmp_path / "cells"))
    with v1.Graph().as_default():
        layer = layer_class(2, UNITS, direction=direction)
        outputs, final_state = layer(v1.constant(x), initial_state=state, sequence_lengths=sequence_lengths)
        assert sorted(v.op.name for v in v1.global_variables()) == saved_names
        assert len(layer.trainable_weights) == len(saved_names)
        gradients = v1.gradients(v1.reduce_sum(outputs), v1.trainable_variables())
        with v1.Session() as sess:
            v1.train.Saver().restore(sess, str(tmp_path / "cells"))
            got = sess.run((outputs, final_state))
            assert all(np.abs(g).sum() > 0 for g in sess.run(gradients))
    for a, b in zip(v1.nest.flatten(got), v1.nest.flatten(expected)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_tf1_names_for_the_first_call_and_for_an_explicit_build():
    with v1.Graph().as_default():
        x = v1.placeholder(v1.float32, [None, None, INPUT])
        cudnn_rnn.CudnnLSTM(1, UNITS)(x)
        with v1.variable_scope("model"):
            built_first = cudnn_rnn.CudnnRNNTanh(1, UNITS)
            built_first.build([None, None, INPUT])
            built_first(x)
            built_first(x)  # a second call reuses the weights
        assert [v.op.name for v in v1.global_variables()] == [
            "cudnn_lstm/rnn/multi_rnn_cell/cell_0/cudnn_compatible_lstm_cell/kernel",
            "cudnn_lstm/rnn/multi_rnn_cell/cell_0/cudnn_compatible_lstm_cell/bias",
            "model/rnn/multi_rnn_cell/cell_0/basic_rnn_cell/kernel",
            "model/rnn/multi_rnn_cell/cell_0/basic_rnn_cell/bias"]


def test_initial_values_are_drawn_per_cudnn_gate_and_biases_summed():
    with v1.Graph().as_default():
        lstm = cudnn_rnn.CudnnLSTM(1, 6, bias_initializer=v1.constant_initializer(0.25))
        gru = cudnn_rnn.CudnnGRU(1, 6)
        lstm(v1.zeros([2, 1, 4]))
        gru(v1.zeros([2, 1, 4]))
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            kernel, bias, gate_bias = sess.run([lstm.trainable_weights[0], lstm.trainable_weights[1],
                                                gru.trainable_weights[3]])
    # glorot per cuDNN matrix: input blocks [6, 4] reach sqrt(6 / 10), more than the whole kernel's sqrt(6 / 34)
    assert np.sqrt(6 / 34) < np.abs(kernel[:4]).max() <= np.sqrt(6 / 10)
    assert np.abs(kernel[4:]).max() <= np.sqrt(6 / 12)
    np.testing.assert_array_equal(bias, 0.5)  # two cuDNN biases of 0.25
    np.testing.assert_array_equal(gate_bias, 0.0)  # cuDNN's zeros, not the GRU cell's 1.0


def test_dropout_acts_between_layers_only_when_training():
    with v1.Graph().as_default():
        v1.set_random_seed(3)
        x = v1.constant(RNG.randn(TIME, BATCH, INPUT).astype(np.float32))
        layer = cudnn_rnn.CudnnGRU(2, UNITS, dropout=0.5, seed=1)
        training, _ = layer(x)  # TF 1.x's default: training=True
        inference, _ = layer(x, training=False)
        batch_major, _ = layer(v1.transpose(x, [1, 0, 2]), time_major=False, training=False)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            training, inference, batch_major = sess.run([training, inference, batch_major])
    assert np.abs(training - inference).max() > 1e-3
    np.testing.assert_allclose(batch_major.transpose(1, 0, 2), inference, rtol=1e-6)


@pytest.mark.parametrize("build, message", [
    (lambda: cudnn_rnn.CudnnLSTM(1, 8, 4),
     "CudnnLSTM(num_layers, num_units, input_size, ...) is TF 1.0-1.2's op API"),
    (lambda: cudnn_rnn.CudnnGRU(1, 8, direction="both"), "CudnnGRU: direction must be 'unidirectional'"),
    (lambda: cudnn_rnn.CudnnLSTM(1, 8, input_mode="skip_input")(v1.zeros([3, 2, 8])),
     "CudnnLSTM: input_mode 'skip_input' (the input added unprojected) has no CudnnCompatible cell equivalent"),
    (lambda: cudnn_rnn.CudnnLSTM(1, 8)(v1.zeros([3, 8])), "CudnnLSTM needs 3-D inputs [time, batch, input]"),
    (lambda: cudnn_rnn.CudnnLSTM(1, 8)(v1.zeros([3, 2, 8]), initial_state=[v1.zeros([1, 2, 8])] * 2),
     "CudnnLSTM's initial_state must be a tuple"),
])
def test_bad_arguments_give_one_line(build, message):
    with v1.Graph().as_default(), pytest.raises((ValueError, TypeError), match=re.escape(message)) as error:
        build()
    assert "\n" not in str(error.value)


def test_module_namespace():
    namespace = cudnn_rnn.modules()["tensorflow.contrib.cudnn_rnn"]
    assert namespace.CudnnLSTM is cudnn_rnn.CudnnLSTM
    assert namespace.CUDNN_RNN_BIDIRECTION == "bidirectional"
    with pytest.raises(LegacyAPIError, match="tf.contrib.cudnn_rnn.CudnnLSTMSaveable is not available"):
        namespace.CudnnLSTMSaveable
