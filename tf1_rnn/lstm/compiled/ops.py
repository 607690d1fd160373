"""The compiled op as a sequence function (see ``tf1_rnn.lstm.sequence``).

``sequence_fn(forget_bias, has_state)`` takes and returns what ``fused.sequence_fn`` does:
``(x, kernel, bias[, c0, h0]) -> (h_1 .. h_T, c_1 .. c_T)``, with TensorFlow's gradient
replaced by the kernel's; with ``stacked`` it returns ``(h, c)``, each [T, batch, H], and T
need not be known when the graph is built (dynamic_rnn's). Two ops in all: the forward
recurrence, and its gradient, which returns the pre-activation gradients, the kernel and bias
gradients and the initial state's; the input gradient is one matmul here, so a graph whose
inputs need none never runs it.
"""
import functools

from tf1_rnn.compat import tf
from tf1_rnn.lstm.arithmetic import is_zero, kernel_with_bias
from tf1_rnn.lstm.compiled import build


@functools.lru_cache(maxsize=None)
def sequence_fn(forget_bias, has_state, stacked=False):
    """A custom-gradient function over the kernel's two ops, for one combination of options."""
    ops = build.load()

    @tf.custom_gradient
    def kernel_lstm(*args):
        x, kernel, bias = args[:3]
        n_in, n_hidden = x.shape[2], kernel.shape[1] // 4
        kernel_bias = kernel_with_bias(kernel, bias, forget_bias)  # [input + H + 1, 4H]
        c0, h0 = args[3:5] if has_state else [tf.zeros(tf.stack([tf.shape(x)[1], n_hidden]))] * 2
        h, c, gates = ops.tf1_rnn_lstm_sequence(x, kernel_bias, c0, h0)
        hs, cs = ([h], [c]) if stacked else (tf.unstack(h), tf.unstack(c))

        def grad(*d_results):  # for each step's h, then each step's c (stacked: for h, then c)
            n_steps = len(hs)
            read = read_stacked if stacked else read_steps
            d_h = read(d_results[:n_steps], hs[0])
            d_c = read(d_results[n_steps:], cs[0])
            d_z, d_kernel_bias, d_c0, d_h0 = ops.tf1_rnn_lstm_sequence_grad(x, kernel_bias, c0, h0, h, c, gates,
                                                                           d_h, d_c)
            d_x = tf.matmul(tf.reshape(d_z, [-1, 4 * n_hidden]), kernel[:n_in], transpose_b=True)
            grads = [tf.reshape(d_x, tf.shape(x)), d_kernel_bias[:-1], d_kernel_bias[-1]]
            return grads + [d_c0, d_h0] if has_state else grads
        return (*hs, *cs), grad
    return kernel_lstm


def read_stacked(grads, like):
    """A stacked output's gradient as the kernel takes it: [T, batch, H], or [1, batch, H] of zeros
    when nothing read the output (the kernel reads a one-step gradient as the last step's)."""
    (grad,) = grads
    return tf.zeros_like(like[:1]) if is_zero(grad) else grad


def read_steps(grads, like):
    """The per-step output gradients as the kernel takes them: [T, batch, H], or [1, batch, H]
    when only the last step has one (a caller that reads the final output or state only)."""
    read = [not is_zero(g) for g in grads]
    if not any(read[:-1]):
        return (grads[-1] if read[-1] else tf.zeros_like(like))[None]
    return tf.stack([g if r else tf.zeros_like(like) for g, r in zip(grads, read)])
