"""BasicLSTMCell's function over a whole sequence as TensorFlow ops, with a hand-written gradient.

``static_rnn`` over ``BasicLSTMCell`` builds a small graph per time step, and TensorFlow's
automatic gradient mirrors it, ending in one partial weight gradient per step. Here the
sequence is one function whose gradient is written out:

- forward, per step: one matmul ``[x_t, h, 1] @ [kernel; bias]`` and the gates, with
  ``[x_t, h, 1]`` kept for the gradient (it stays in cache, where a hoisted input projection
  for all steps would go out to memory and come back);
- backward, per step: the incoming output gradient added to the recurrent one, TensorFlow's
  fused LSTM step gradient (``LSTMBlockCellGrad``: every elementwise gate derivative in one op)
  and the ``[batch, 4H] x [4H, H]`` matmul the recurrence cannot avoid;
- the kernel, bias and input gradients as large matmuls over several steps at once.

The variables and the arithmetic are BasicLSTMCell's (:mod:`tf1_rnn.lstm.arithmetic`), so
results agree to float32 rounding and checkpoints interchange. docs/speed.md has the
measurements behind each choice below.
"""
import functools

from tf1_rnn.compat import tf
from tf1_rnn.lstm.arithmetic import is_zero, kernel_with_bias
from tf1_rnn.lstm.impl import SMALL_HIDDEN

# Time steps per weight-gradient matmul: chunks start while the backward recurrence still
# runs, on the other core; 28 or more gives one matmul after it.
GRAD_CHUNK_STEPS = 4
# From this batch on, one step is a large matmul already and stacking steps only copies.
LARGE_BATCH = 512


def grad_chunk_steps(batch_size=None):
    """Time steps per weight-gradient matmul for a graph that trains on ``batch_size`` (None: unknown)."""
    return 1 if batch_size is not None and batch_size >= LARGE_BATCH else GRAD_CHUNK_STEPS


def _step_matmul(a, b, n_hidden, transpose_b=False):
    """``a @ b`` for the recurrence's per-step matmuls. Above SMALL_HIDDEN as a batched matmul of one
    matrix: TensorFlow's CPU build sends it to a oneDNN kernel that is faster at those shapes."""
    if n_hidden <= SMALL_HIDDEN:
        return tf.matmul(a, b, transpose_b=transpose_b)
    return tf.matmul(a[None], b[None], transpose_b=transpose_b)[0]


@functools.lru_cache(maxsize=None)
def sequence_fn(forget_bias, has_state, chunk_steps):
    """The custom-gradient function for one combination of options (only tensors may be its args)."""

    @tf.custom_gradient
    def fused(*args):
        x, kernel, bias = args[:3]
        state = args[3:5] if has_state else (None, None)
        h, c, saved = _forward(x, kernel, bias, state, forget_bias)

        def grad(*d_results):  # for each output step's h, then each step's c
            return _backward(x, kernel, saved, *unflatten(d_results), has_state, chunk_steps)
        return (*h, *c), grad
    return fused


def _forward(x, kernel, bias, state, forget_bias):
    n_in, n_hidden = x.shape[2], kernel.shape[1] // 4
    kernel_bias = kernel_with_bias(kernel, bias, forget_bias)  # [input + H + 1, 4H]
    c, h = state
    ones = tf.ones_like(x[0, :, :1])  # [batch, 1]
    saved = {key: [] for key in ("i", "j", "f", "o", "c", "tanh_c", "h", "c_prev", "xh1")}
    for x_t in tf.unstack(x):
        saved["c_prev"].append(c)
        if h is None:  # zero state: the input part alone, [x, 0, 1] kept for the gradient
            z = tf.matmul(x_t, kernel_bias[:n_in]) + kernel_bias[-1]
            saved["xh1"].append(tf.concat([x_t, tf.zeros(tf.stack([tf.shape(x_t)[0], n_hidden])), ones], 1))
        else:
            saved["xh1"].append(tf.concat([x_t, h, ones], 1))
            z = _step_matmul(saved["xh1"][-1], kernel_bias, n_hidden)
        i, j, f, o = tf.split(z, 4, axis=1)
        i, j, f, o = tf.sigmoid(i), tf.tanh(j), tf.sigmoid(f), tf.sigmoid(o)
        c = i * j if c is None else c * f + i * j
        tanh_c = tf.tanh(c)
        h = tanh_c * o
        for key, value in zip(("i", "j", "f", "o", "c", "tanh_c", "h"), (i, j, f, o, c, tanh_c, h)):
            saved[key].append(value)
    return saved["h"], saved["c"], saved


def _backward(x, kernel, saved, d_h_out, d_c_out, has_state, chunk_steps):
    n_steps, n_in, n_hidden = x.shape[0], x.shape[2], kernel.shape[1] // 4
    w_x, w_h = kernel[:n_in], kernel[n_in:]
    like = saved["i"][0]  # [batch, H]
    unused_bias, no_peephole = tf.zeros(kernel.shape[1:], x.dtype), tf.zeros(n_hidden, x.dtype)
    xs = tf.unstack(x)
    d_h_out, d_c_out = [[None if is_zero(d) else d for d in grads] for grads in (d_h_out, d_c_out)]
    d_c = d_h = None  # from step t + 1
    dz = [None] * n_steps
    for t in reversed(range(n_steps)):
        # TensorFlow's fused LSTM step gradient (gate order i, j, f, o, as BasicLSTMCell's); x,
        # h_prev, w and b only give it shapes: [batch, 4H] pre-activation gradients and dc_prev = dc * f.
        d_c, dz[t], _, _, _ = tf.raw_ops.LSTMBlockCellGrad(
            x=xs[t], cs_prev=_zeros_if_none(saved["c_prev"][t], like), h_prev=like,
            w=kernel, wci=no_peephole, wcf=no_peephole, wco=no_peephole, b=unused_bias,
            i=saved["i"][t], cs=saved["c"][t], f=saved["f"][t], o=saved["o"][t], ci=saved["j"][t],
            co=saved["tanh_c"][t], cs_grad=_zeros_if_none(_add(d_c_out[t], d_c), like),
            h_grad=_zeros_if_none(_add(d_h_out[t], d_h), like), use_peephole=False)
        if t == 0 and not has_state:
            break  # a zero initial state needs no gradient
        d_h = _step_matmul(dz[t], w_h, n_hidden, transpose_b=True)
    # Kernel and bias gradients as [x, h_prev, 1]^T @ dz, one matmul per chunk_steps time steps;
    # the input gradient likewise. A chunk starts as soon as the recurrence has passed its steps.
    d_kernel_bias, d_x = [], []
    for start in range(0, n_steps, chunk_steps):
        chunk = slice(start, start + chunk_steps)
        dz_chunk = tf.concat(dz[chunk], 0)  # [steps * batch, 4H]
        xh1_chunk = tf.concat(saved["xh1"][chunk], 0)  # [steps * batch, input + H + 1]
        d_kernel_bias.append(tf.matmul(xh1_chunk, dz_chunk, transpose_a=True))
        d_x.append(tf.matmul(dz_chunk, w_x, transpose_b=True))
    d_kernel_bias = tf.add_n(d_kernel_bias) if len(d_kernel_bias) > 1 else d_kernel_bias[0]
    d_x = tf.reshape(tf.concat(d_x, 0), tf.shape(x))
    grads = [d_x, d_kernel_bias[:-1], d_kernel_bias[-1]]
    if has_state:
        grads += [_zeros_if_none(d_c, like), _zeros_if_none(d_h, like)]
    return grads


def _add(a, b):
    """a + b where None stands for a gradient that is zero."""
    if a is None or b is None:
        return b if a is None else a
    return a + b


def _zeros_if_none(value, like):
    return tf.zeros_like(like) if value is None else value


def unflatten(results):
    """A sequence function's flat results (T outputs h, then T cell states c) as (h, c)."""
    n_steps = len(results) // 2
    return list(results[:n_steps]), list(results[n_steps:])
