# TF 0.x names and argument orders beside their TF 1.x forms, run by tests/test_legacy_tf0.py.
# Each line prints "<what> <value>"; the last line is an ambiguous split, which must stop the run.
import json

import numpy as np
import tensorflow as tf
from tensorflow.python.ops import constant_op, rnn, rnn_cell

logits = tf.constant([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
onehot = tf.constant([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
sparse = tf.constant([0, 2])
multi = tf.constant([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
losses = {
    "softmax_positional": tf.nn.softmax_cross_entropy_with_logits(logits, onehot),
    "softmax_keyword": tf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=logits),
    "softmax_positional_name": tf.nn.softmax_cross_entropy_with_logits(logits, onehot, "xent"),
    "sparse_positional": tf.nn.sparse_softmax_cross_entropy_with_logits(logits, sparse),
    "sparse_keyword": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse, logits=logits),
    "sigmoid_positional": tf.nn.sigmoid_cross_entropy_with_logits(logits, multi),
    "sigmoid_targets": tf.nn.sigmoid_cross_entropy_with_logits(logits=logits, targets=multi),
    "sigmoid_keyword": tf.nn.sigmoid_cross_entropy_with_logits(labels=multi, logits=logits),
}
a, b = tf.constant([[1, 2]]), tf.constant([[3, 4]])
x = tf.placeholder(tf.float32, [None, 6])
shapes = {
    "concat_0x": tf.concat(1, [a, b]), "concat_1x": tf.concat([a, b], 1),
    "concat_0x_kw": tf.concat(concat_dim=0, values=[a, b]), "concat_1x_kw": tf.concat(values=[a, b], axis=0),
    "split_0x": tf.split(1, 3, x)[0], "split_1x": tf.split(x, 3, 1)[0], "split_1x_two": tf.split(x, 2)[0],
    "split_0x_kw": tf.split(split_dim=1, num_split=2, value=x)[0],
    "pack": tf.pack([a, b]), "unpack": tf.unpack(tf.pack([a, b]))[0],
}
values = {
    "mul": tf.mul(3, 4), "sub": tf.sub(3, 4), "neg": tf.neg(3), "div_int": tf.div(-7, 2), "div_float": tf.div(7.0, 2.0),
    "select": tf.select(tf.constant([True, False]), tf.constant([1, 2]), tf.constant([3, 4])),
    "reverse_0x": tf.reverse(tf.constant([[1, 2], [3, 4]]), [False, True]),
    "reverse_1x": tf.reverse(tf.constant([[1, 2], [3, 4]]), [1]),
    "constant_op": constant_op.constant(5),
    "types": tf.cast(tf.constant(2.5), tf.types.float32),  # TF 0.5's name for tf.dtypes
}
with tf.Session() as sess:
    sess.run(tf.initialize_all_variables())
    print("losses", json.dumps({k: v.tolist() for k, v in sess.run(losses).items()}))
    print("values", json.dumps({k: np.asarray(v).tolist() for k, v in sess.run(values).items()}))
print("shapes", json.dumps({k: v.shape.as_list() for k, v in shapes.items()}))

steps = [tf.placeholder(tf.float32, [None, 4]) for _ in range(5)]


def birnn(scope, cell):
    with tf.variable_scope(scope):  # the result goes back through a "return" inside "with"
        return rnn.bidirectional_rnn(cell(3), cell(3), steps, dtype=tf.float32)


outputs = birnn("whole", rnn_cell.GRUCell)
outs, state_fw, state_bw = birnn("triple", rnn_cell.BasicLSTMCell)
with tf.variable_scope("direct"):
    direct, _, _ = tf.nn.bidirectional_rnn(rnn_cell.GRUCell(3), rnn_cell.GRUCell(3), steps, dtype=tf.float32)
print("bidirectional", len(outputs), outputs[-1].shape.as_list(), len(outs), state_fw.shape.as_list(), len(direct))
istate = tf.placeholder(tf.float32, [None, 2 * 2 * 4])  # two 0.x LSTM layers, concatenated [c1, h1, c2, h2]
with tf.variable_scope("stacked"):
    layers = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(4, 4)] * 2)  # 0.x: (num_units, input_size)
    _, stacked_state = rnn.rnn(layers, steps, initial_state=istate)
with tf.variable_scope("tuple_cell"):
    tuple_cell = tf.nn.rnn_cell.BasicLSTMCell(3)  # 1.x default: tuple state, fed a concatenated one
    _, tuple_state = tf.nn.rnn(tuple_cell, steps, initial_state=istate[:, :6])
print("states", stacked_state.shape.as_list(), tuple_state.shape.as_list(), tuple_cell.state_size)
for v in tf.trainable_variables():
    if v.name.startswith("stacked/"):
        print("variable", v.name, v.shape.as_list())
ambiguous = tf.placeholder(tf.int32)  # unknown rank: an axis (0.x) or a value (1.x)?
tf.split(ambiguous, 2, tf.placeholder(tf.int32))
print("never printed")
