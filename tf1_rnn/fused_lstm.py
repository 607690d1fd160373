"""BasicLSTMCell's function over a whole sequence, with a hand-written gradient.

``static_rnn`` over ``BasicLSTMCell`` builds one small graph per time step, and TensorFlow's
automatic gradient mirrors it: per step a weight-gradient matmul, a bias reduction and a
dozen elementwise ops, then 28 partial weight gradients summed by AddN. Here the sequence is
one function whose gradient is written out:

- forward: the input projection of all time steps is one matmul ([T * batch, input] x
  [input, 4H]); each step then adds ``h @ W_h`` and applies the gates (12 ops a step);
- backward: three ops a step: the incoming output gradient added to the recurrent one,
  TensorFlow's fused LSTM step gradient (``LSTMBlockCellGrad``, all the elementwise gate
  derivatives in one kernel, on data still in cache) and the ``[batch, 4H] x [4H, H]`` matmul
  the recurrence cannot avoid. The kernel and bias gradients are large matmuls over several
  time steps at once (``[x, h_prev, 1]^T @ dz``: [input + H + 1, steps * batch] x
  [steps * batch, 4H], see GRAD_CHUNK_STEPS), the input gradient likewise.

A training step of the tutorials' models runs about half the graph nodes of the cell version
(rnn_mnist's 500 against 952; lstm_mnist's 584 against 10253, whose dynamic_rnn while loop
runs node by node). Alternatives measured on small sizes: TensorFlow's ``BlockLSTM`` op (the
whole sequence in one op, with a registered gradient) runs the forward pass as fast, but its
gradient op alone took longer than this whole backward pass (a training step 1.4x this one's
at batch 32, H=128, one thread); ``BlockLSTM`` or ``LSTMBlockCell`` as this function's forward
pass (1 op instead of 12 a step, without the hoisted input projection) was no faster on one
thread and slower on two.

The function is BasicLSTMCell's (gates i, j, f, o from ``[x, h] @ kernel + bias``;
``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j)``; ``h' = tanh(c') * sigmoid(o)``)
with its variables, so results agree to float32 rounding and checkpoints interchange. A
per-example mask gives ``static_rnn``'s ``sequence_length`` semantics (TF 0.x/1.x): past its
length an example's output is zero and its state is copied through.
"""
import functools

import numpy as np

from tf1_rnn.compat import tf

# Time steps per weight-gradient matmul. One matmul over all 28 steps must wait for the whole
# backward recurrence; chunks of 4 start while it runs and use the second core: measured on
# 2 cores, one direction at batch 64, H=128, a training step 1.15x faster than with one
# matmul (no difference at H=256 or bidirectional). 28 or more gives the single matmul.
GRAD_CHUNK_STEPS = 4

# Up to this many hidden units the recurrent step's matmul ([batch, H] x [H, 4H], 28 in sequence)
# is small; above it, large. Measured on 2 cores (AMD EPYC), batch 128, training steps, variants
# alternating in one process, medians of 7:
# - small: one LSTM direction alone runs as two independent recurrences over halves of the
#   batch, one per core, rather than one recurrence whose every small matmul is split across
#   cores: rnn_mnist's H=128 18.7 -> 14.1 ms. The same split slowed H=256 (54.5 -> 57.1 ms) and
#   both directions running (93.6 -> 111.1 ms), so larger or bidirectional LSTMs keep one.
# - large: the step matmuls run as batched matmuls of one matrix. TensorFlow's CPU build sends a
#   2-D MatMul and a batched one to different oneDNN kernels, and at these shapes the batched
#   one is faster: the published BiLSTM (H=256) 54.6 -> 45.2 ms, lstm_mnist 52.2 -> 45.2 ms,
#   both directions 91.0 -> 77.2 ms. At H=128 it was slower (rnn_mnist 14.5 -> 16.0 ms) or
#   no different (birnn_mnist, dlstm_mnist); as the weight-gradient matmul it made no difference.
SMALL_HIDDEN = 128


def batch_shards(n_hidden):
    """How many parts of the batch a one-direction LSTM's recurrence is split into (see SMALL_HIDDEN)."""
    return 2 if n_hidden <= SMALL_HIDDEN else 1


def _step_matmul(a, b, transpose_b=False):
    """``a @ b`` for the recurrence's per-step matmuls, on the kernel that is faster at its size."""
    if b.shape[0] <= SMALL_HIDDEN:  # b is W_h, [H, 4H]
        return tf.matmul(a, b, transpose_b=transpose_b)
    return tf.matmul(a[None], b[None], transpose_b=transpose_b)[0]


def lstm_variables(input_size, n_hidden):
    """BasicLSTMCell's ``basic_lstm_cell/kernel`` [input + H, 4H] and ``.../bias`` [4H].

    Made by ``get_variable`` under the caller's variable scope, as the cell makes them, so the
    scope's initializer (TF1's default, see ``models.shared_weights``) and reuse apply.
    """
    with tf.variable_scope("basic_lstm_cell"):
        kernel = tf.get_variable("kernel", [input_size + n_hidden, 4 * n_hidden])
        bias = tf.get_variable("bias", [4 * n_hidden], initializer=tf.zeros_initializer())
    return kernel, bias


def lstm_sequence(inputs, kernel, bias, initial_state=None, mask=None, forget_bias=1.0, shards=1):
    """Run the LSTM over time-major ``inputs`` [T, batch, input]; T must be known.

    ``initial_state`` is ``(c, h)``, each [batch, H], or None for zeros (then the first step
    skips its recurrent matmul). ``mask`` is a bool [T, batch, 1], False past an example's length.
    ``shards``: run the recurrence as this many independent ones over parts of the batch.
    Returns ``(outputs [T, batch, H], c_T, h_T)``.
    """
    inputs = tf.convert_to_tensor(inputs)
    if inputs.shape.ndims != 3 or inputs.shape[0] is None or inputs.shape[2] is None:
        raise ValueError(f"fused LSTM inputs must be [time, batch, depth] with time and depth known, "
                         f"got {inputs.shape}")
    fused = _fused(float(forget_bias), initial_state is not None, mask is not None)
    kernel, bias = tf.convert_to_tensor(kernel), tf.convert_to_tensor(bias)
    batch_major = [tf.convert_to_tensor(s) for s in initial_state] if initial_state is not None else []
    time_major = [inputs] + ([tf.convert_to_tensor(mask)] if mask is not None else [])
    if shards == 1:
        return fused(time_major[0], kernel, bias, *batch_major, *time_major[1:])
    # Rows of the batch never mix: run each part on its own; autodiff sums the kernel's gradients.
    batch = tf.shape(inputs)[1]
    part = batch // shards
    sizes = tf.stack([part] * (shards - 1) + [batch - (shards - 1) * part])
    split_t = [tf.split(t, sizes, axis=1, num=shards) for t in time_major]
    split_b = [tf.split(t, sizes, axis=0, num=shards) for t in batch_major]
    parts = [fused(split_t[0][k], kernel, bias, *[s[k] for s in split_b], *[s[k] for s in split_t[1:]])
             for k in range(shards)]
    outputs, c, h = zip(*parts)
    return tf.concat(outputs, 1), tf.concat(c, 0), tf.concat(h, 0)


@functools.lru_cache(maxsize=None)
def _fused(forget_bias, has_state, has_mask):
    """The custom-gradient function for one combination of options (only tensors may be its args)."""

    @tf.custom_gradient
    def fused(*args):
        x, kernel, bias = args[:3]
        state = args[3:5] if has_state else (None, None)
        mask = args[-1] if has_mask else None
        outputs, c_last, h_last, saved = _forward(x, kernel, bias, state, mask, forget_bias)

        def grad(d_outputs, d_c, d_h):
            return _backward(x, kernel, saved, mask, d_outputs, d_c, d_h, has_state)
        return (outputs, c_last, h_last), grad
    return fused


def _forward(x, kernel, bias, state, mask, forget_bias):
    n_steps, n_in = x.shape[0], x.shape[2]
    n_hidden = kernel.shape[1] // 4
    w_x, w_h = kernel[:n_in], kernel[n_in:]  # [input, 4H], [H, 4H]
    # BasicLSTMCell adds forget_bias to the f gate's pre-activation; fold it into the bias once.
    shift = np.zeros(4 * n_hidden, np.float32)
    shift[2 * n_hidden:3 * n_hidden] = forget_bias
    projected = tf.matmul(tf.reshape(x, [-1, n_in]), w_x) + (bias + shift)  # [T * batch, 4H]
    projected = tf.unstack(tf.reshape(projected, [n_steps, -1, 4 * n_hidden]))  # T x [batch, 4H]
    masks = tf.unstack(mask) if mask is not None else None  # T x [batch, 1]
    c, h = state
    saved = {key: [] for key in ("i", "j", "f", "o", "c", "tanh_c", "c_prev", "h_prev")}
    outputs = []
    for t, z in enumerate(projected):
        saved["c_prev"].append(c)
        saved["h_prev"].append(h)
        if h is not None:
            z = z + _step_matmul(h, w_h)
        i, j, f, o = tf.split(z, 4, axis=1)
        i, j, f, o = tf.sigmoid(i), tf.tanh(j), tf.sigmoid(f), tf.sigmoid(o)
        new_c = i * j if c is None else c * f + i * j
        tanh_c = tf.tanh(new_c)
        new_h = tanh_c * o
        for key, value in zip(("i", "j", "f", "o", "c", "tanh_c"), (i, j, f, o, new_c, tanh_c)):
            saved[key].append(value)
        if masks is None:
            c, h = new_c, new_h
            outputs.append(new_h)
        else:  # past the length: zero output, state copied through
            keep = masks[t]
            c = tf.where_v2(keep, new_c, 0.0 if c is None else c)
            h = tf.where_v2(keep, new_h, 0.0 if h is None else h)
            outputs.append(tf.where_v2(keep, new_h, 0.0))
    return tf.stack(outputs), c, h, saved


def _backward(x, kernel, saved, mask, d_outputs, d_c, d_h, has_state):
    n_steps, n_in = x.shape[0], x.shape[2]
    w_x, w_h = kernel[:n_in], kernel[n_in:]
    like = saved["i"][0]  # [batch, H]
    unused_bias, no_peephole = tf.zeros(kernel.shape[1:], x.dtype), tf.zeros(kernel.shape[1] // 4, x.dtype)
    xs = tf.unstack(x)
    masks = tf.unstack(mask) if mask is not None else None
    d_outputs = tf.unstack(d_outputs) if not _is_zero(d_outputs) else [None] * n_steps
    d_c, d_h = _zeros_if_none(d_c, like), _zeros_if_none(d_h, like)
    dz = [None] * n_steps
    for t in reversed(range(n_steps)):
        h_grad = _add(d_outputs[t], d_h)
        c_grad = d_c
        if masks is not None:  # a step past the length passes dc and dh through and has no gate gradient
            h_grad, c_grad = tf.where_v2(masks[t], h_grad, 0.0), tf.where_v2(masks[t], d_c, 0.0)
        # TensorFlow's fused LSTM step gradient (gate order i, j, f, o, as BasicLSTMCell's); x, w
        # and b only give it shapes: [batch, 4H] pre-activation gradients and dc_prev = dc * f.
        c_prev_grad, dz[t], _, _, _ = tf.raw_ops.LSTMBlockCellGrad(
            x=xs[t], cs_prev=_zeros_if_none(saved["c_prev"][t], like), h_prev=_zeros_if_none(saved["h_prev"][t], like),
            w=kernel, wci=no_peephole, wcf=no_peephole, wco=no_peephole, b=unused_bias,
            i=saved["i"][t], cs=saved["c"][t], f=saved["f"][t], o=saved["o"][t], ci=saved["j"][t],
            co=saved["tanh_c"][t], cs_grad=c_grad, h_grad=h_grad, use_peephole=False)
        if t == 0 and not has_state:
            break  # a zero initial state needs no gradient
        h_prev_grad = _step_matmul(dz[t], w_h, transpose_b=True)
        if masks is not None:
            c_prev_grad = tf.where_v2(masks[t], c_prev_grad, d_c)
            h_prev_grad = tf.where_v2(masks[t], h_prev_grad, d_h)
        d_c, d_h = c_prev_grad, h_prev_grad
    h_prev = tf.stack([_zeros_if_none(h, like) for h in saved["h_prev"]])  # [T, batch, H]
    xh1 = tf.concat([x, h_prev, tf.ones_like(x[:, :, :1])], 2)
    # Kernel and bias gradients as [x, h_prev, 1]^T @ dz, one matmul per GRAD_CHUNK_STEPS time steps;
    # the input gradient likewise. A chunk starts as soon as the recurrence has passed its steps.
    d_kernel_bias, d_x = [], []
    for start in range(0, n_steps, GRAD_CHUNK_STEPS):
        chunk = slice(start, start + GRAD_CHUNK_STEPS)
        dz_chunk = tf.reshape(tf.stack(dz[chunk]), [-1, kernel.shape[1]])  # [steps * batch, 4H]
        xh1_chunk = tf.reshape(xh1[chunk], [-1, kernel.shape[0] + 1])  # [steps * batch, input + H + 1]
        d_kernel_bias.append(tf.matmul(xh1_chunk, dz_chunk, transpose_a=True))
        d_x.append(tf.matmul(dz_chunk, w_x, transpose_b=True))
    d_kernel_bias = tf.add_n(d_kernel_bias) if len(d_kernel_bias) > 1 else d_kernel_bias[0]
    d_x = tf.reshape(tf.concat(d_x, 0), tf.shape(x))
    grads = [d_x, d_kernel_bias[:-1], d_kernel_bias[-1]]
    if has_state:
        grads += [d_c, d_h]
    if mask is not None:
        grads.append(None)
    return grads


def _add(a, b):
    """a + b where None stands for a gradient that is zero."""
    if a is None or b is None:
        return b if a is None else a
    return a + b


def _is_zero(grad):
    """True for no gradient, or the zeros ``tf.gradients`` fills in for an output nothing read."""
    return grad is None or grad.op.type == "ZerosLike"


def _zeros_if_none(value, like):
    return tf.zeros_like(like) if value is None else value
