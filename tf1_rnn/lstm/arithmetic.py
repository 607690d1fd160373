"""What every LSTM implementation here shares: BasicLSTMCell's variables and its forget-bias fold.

The function is BasicLSTMCell's: gates i, j, f, o from ``[x, h] @ kernel + bias``;
``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j)``; ``h' = tanh(c') * sigmoid(o)``.
"""
import numpy as np

from tf1_rnn.compat import tf


def lstm_variables(input_size, n_hidden):
    """BasicLSTMCell's ``basic_lstm_cell/kernel`` [input + H, 4H] and ``.../bias`` [4H].

    Made by ``get_variable`` under the caller's variable scope, as the cell makes them, so the
    scope's initializer (TF1's default, see ``tutorials.models.shared_weights``) and reuse apply.
    """
    with tf.variable_scope("basic_lstm_cell"):
        kernel = tf.get_variable("kernel", [input_size + n_hidden, 4 * n_hidden])
        bias = tf.get_variable("bias", [4 * n_hidden], initializer=tf.zeros_initializer())
    return kernel, bias


def kernel_with_bias(kernel, bias, forget_bias):
    """``[kernel; bias + shift]`` [input + H + 1, 4H]: one matmul of ``[x, h, 1]`` gives the gates.

    BasicLSTMCell adds ``forget_bias`` to the f gate's pre-activation; it is folded into the bias here.
    """
    n_hidden = kernel.shape[1] // 4
    shift = np.zeros(4 * n_hidden, np.float32)
    shift[2 * n_hidden:3 * n_hidden] = forget_bias
    return tf.concat([kernel, (bias + shift)[None]], 0)


def is_zero(grad):
    """True for no gradient, or the zeros ``tf.gradients`` fills in for an output nothing read."""
    return grad is None or grad.op.type == "ZerosLike"
