"""The compiled GRU op (``gru_sequence.cc``) as a sequence function with a custom gradient.

``sequence_fn(has_state)`` takes ``(x, gates_kernel, gates_bias, cand_kernel, cand_bias[, h0])``
and returns ``h_1 .. h_T`` (with ``stacked``: ``(h,)``, [T, batch, H], T unknown allowed), with
TensorFlow's gradient replaced by the kernel's, as ``ops.sequence_fn`` does for the LSTM. Two ops
in all: the forward recurrence, and its gradient, which returns the pre-activation gradients, the
weight gradients and the initial state's; the input gradient is one matmul here, so a graph whose
inputs need none never runs it.
"""
import functools

from tf1_rnn.compat import tf
from tf1_rnn.lstm.compiled import build
from tf1_rnn.lstm.compiled.ops import read_stacked, read_steps  # the LSTM's readings of output gradients suit the GRU


def load_or_reason():
    """``(library, None)``, or ``(None, why)``: the one library holds both the LSTM's ops and the GRU's."""
    return build.load_or_reason()


def kernel_with_bias(gates_kernel, gates_bias, cand_kernel, cand_bias):
    """The op's one weight matrix [input + H + 1, 3H]: rows x | h | bias, columns r | u | c."""
    return tf.concat([tf.concat([gates_kernel, cand_kernel], 1), tf.concat([gates_bias, cand_bias], 0)[None]], 0)


@functools.lru_cache(maxsize=None)
def sequence_fn(has_state, stacked=False):
    """A custom-gradient function over the kernel's two ops, with or without an initial state."""
    ops = load_or_reason()[0]

    @tf.custom_gradient
    def kernel_gru(*args):
        x, gates_kernel, gates_bias, cand_kernel, cand_bias = args[:5]
        n_in, n_hidden = x.shape[2], cand_kernel.shape[1]
        kernel_bias = kernel_with_bias(gates_kernel, gates_bias, cand_kernel, cand_bias)
        h0 = args[5] if has_state else tf.zeros(tf.stack([tf.shape(x)[1], n_hidden]))
        h, gates = ops.tf1_rnn_gru_sequence(x, kernel_bias, h0)
        hs = [h] if stacked else tf.unstack(h)

        def grad(*d_hs):  # one per step's h (stacked: one for h)
            d_h = (read_stacked if stacked else read_steps)(d_hs, hs[0])
            d_z, d_kernel_bias, d_h0 = ops.tf1_rnn_gru_sequence_grad(x, kernel_bias, h0, h, gates, d_h)
            d_x = tf.matmul(tf.reshape(d_z, [-1, 3 * n_hidden]), kernel_bias[:n_in], transpose_b=True)
            d_weights, d_bias = d_kernel_bias[:-1], d_kernel_bias[-1]
            grads = [tf.reshape(d_x, tf.shape(x)), d_weights[:, :2 * n_hidden], d_bias[:2 * n_hidden],
                     d_weights[:, 2 * n_hidden:], d_bias[2 * n_hidden:]]
            return grads + [d_h0] if has_state else grads
        return tuple(hs), grad
    return kernel_gru
