"""BasicLSTMCell's function over a whole sequence, with a hand-written gradient.

``static_rnn`` over ``BasicLSTMCell`` builds one small graph per time step, and TensorFlow's
automatic gradient mirrors it: per step a weight-gradient matmul, a bias reduction and a
dozen elementwise ops, then 28 partial weight gradients summed by AddN. Here the sequence is
one function whose gradient is written out:

- forward: per step one matmul ``[x_t, h, 1] @ [kernel; bias]`` and the gates (12 ops a step;
  ``[x_t, h, 1]`` is kept for the gradient);
- backward: three ops a step: the incoming output gradient added to the recurrent one,
  TensorFlow's fused LSTM step gradient (``LSTMBlockCellGrad``, all the elementwise gate
  derivatives in one kernel, on data still in cache) and the ``[batch, 4H] x [4H, H]`` matmul
  the recurrence cannot avoid. The kernel and bias gradients are large matmuls over several
  time steps at once (``[x, h_prev, 1]^T @ dz``: [input + H + 1, steps * batch] x
  [steps * batch, 4H], see GRAD_CHUNK_STEPS), the input gradient likewise.

The input projection of all time steps as one matmul before the recurrence (cuDNN's way) was
measured and dropped: on 2 CPU cores it was slower, as its [T * batch, 4H] result goes out to
memory and comes back a step at a time, where ``[x_t, h, 1]`` stays in cache (variants
alternating, medians of 7 to 25 training steps' timings: rnn_mnist 14.8 -> 13.9 ms, lstm_mnist
44.1 -> 42.3, birnn_mnist 98.9 -> 94.9, bilstm_mnist and dlstm_mnist within noise).

A training step of lstm_mnist runs 652 graph nodes against the cell version's 10253 (its
dynamic_rnn while loop runs node by node); rnn_mnist's, as two recurrences over halves of the
batch (see SMALL_HIDDEN), 923 against 952. Alternatives measured on small sizes: TensorFlow's
``BlockLSTM`` op (the whole sequence in one op, with a registered gradient) runs the forward
pass as fast, but its gradient op alone took longer than this whole backward pass (a training
step 1.4x this one's at batch 32, H=128, one thread); ``BlockLSTM`` or ``LSTMBlockCell`` as
this function's forward pass (1 op instead of 12 a step) was no faster on one thread and
slower on two.

``compiled=True`` runs the same function on the C++ kernel of :mod:`tf1_rnn.kernels` (each part
of the batch one op forward and one backward, on one core), where TensorFlow's per-op dispatch
no longer costs anything: rnn_mnist's training step 14.0 -> 11.1 ms.

The function is BasicLSTMCell's (gates i, j, f, o from ``[x, h] @ kernel + bias``;
``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j)``; ``h' = tanh(c') * sigmoid(o)``)
with its variables, so results agree to float32 rounding and checkpoints interchange.
``sequence_length`` has ``static_rnn``'s semantics (TF 0.x/1.x): past its length an example's
output is zero and its state is the one it had at its length.
"""
import functools
import os

import numpy as np

from tf1_rnn import kernels
from tf1_rnn.compat import tf
from tf1_rnn.kernels import lstm as kernel_lstm

# Time steps per weight-gradient matmul. One matmul over all 28 steps must wait for the whole
# backward recurrence; chunks of 4 start while it runs and use the second core: measured on
# 2 cores, one direction at batch 64, H=128, a training step 1.15x faster than with one
# matmul (no difference at H=256 or bidirectional). 28 or more gives the single matmul.
GRAD_CHUNK_STEPS = 4
# From this batch size on, one time step is a large matmul already, and stacking steps only
# copies: birnn_mnist (batch 1000) 96.5 -> 93.1 ms with one step per matmul.
LARGE_BATCH = 512

# Up to this many hidden units the recurrence's per-step matmuls (forward [batch, input + H + 1]
# x [input + H + 1, 4H], backward [batch, 4H] x [4H, H], 28 of each in sequence) are small;
# above it, large. Measured on 2 cores (AMD EPYC), batch 128, training steps, variants
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
# The compiled kernel's parts of the batch: below this many rows a part's matmuls lose speed.
MIN_SHARD_ROWS = 32


def batch_shards(n_hidden, compiled=False, batch_size=None, cores=None):
    """How many parts of the batch an LSTM's recurrence is split into, given ``cores`` for it.

    As TensorFlow ops: two for a small one-direction LSTM (see SMALL_HIDDEN). On the compiled
    kernel each part is one op on one core: one part per core, of at least MIN_SHARD_ROWS rows.
    """
    if compiled and kernels.load() is not None:
        cores = cores or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
        return max(1, min(cores, (batch_size or MIN_SHARD_ROWS * cores) // MIN_SHARD_ROWS))
    return 2 if n_hidden <= SMALL_HIDDEN else 1


def grad_chunk_steps(batch_size=None):
    """Time steps per weight-gradient matmul for a graph that trains on ``batch_size`` (None: unknown)."""
    return 1 if batch_size is not None and batch_size >= LARGE_BATCH else GRAD_CHUNK_STEPS


def _step_matmul(a, b, n_hidden, transpose_b=False):
    """``a @ b`` for the recurrence's per-step matmuls, on the kernel that is faster at its size."""
    if n_hidden <= SMALL_HIDDEN:
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


def lstm_sequence(inputs, kernel, bias, initial_state=None, sequence_length=None, forget_bias=1.0, shards=1,
                  batch_size=None, compiled=False):
    """Run the LSTM over time-major ``inputs`` [T, batch, input]; T must be known.

    ``initial_state`` is ``(c, h)``, each [batch, H], or None for zeros (then the first step
    skips its recurrent matmul). ``sequence_length`` [batch]: static_rnn's, see ``_stop_at_lengths``.
    ``shards``: run the recurrence as this many independent ones over parts of the batch.
    ``batch_size``: the batch the graph trains on, if known (it only picks ``grad_chunk_steps``).
    ``compiled``: run the recurrence and its gradient on the compiled kernel (``tf1_rnn.kernels``)
    if it loads here, each shard one op on one core; else as TensorFlow ops.
    Returns ``(outputs, c_T, h_T)``, outputs a list of T tensors [batch, H] as static_rnn's: a
    caller that reads some of them pays for no others (no stacked copy, no gradient for the rest).
    """
    inputs = tf.convert_to_tensor(inputs)
    if inputs.shape.ndims != 3 or inputs.shape[0] is None or inputs.shape[2] is None:
        raise ValueError(f"fused LSTM inputs must be [time, batch, depth] with time and depth known, "
                         f"got {inputs.shape}")
    if compiled and kernels.load() is not None:
        fused = kernel_lstm.sequence_fn(float(forget_bias), initial_state is not None)
    else:
        fused = _fused(float(forget_bias), initial_state is not None, grad_chunk_steps(batch_size))
    kernel, bias = tf.convert_to_tensor(kernel), tf.convert_to_tensor(bias)
    state = [tf.convert_to_tensor(s) for s in initial_state] if initial_state is not None else []
    if shards == 1:
        h, c = _unflatten(fused(inputs, kernel, bias, *state))
    else:  # rows of the batch never mix: run each part on its own; autodiff sums the kernel's gradients
        batch = tf.shape(inputs)[1]
        part = batch // shards
        sizes = tf.stack([part] * (shards - 1) + [batch - (shards - 1) * part])
        parts_x = tf.split(inputs, sizes, axis=1, num=shards)
        parts_state = [tf.split(s, sizes, axis=0, num=shards) for s in state]
        parts = [_unflatten(fused(parts_x[k], kernel, bias, *[s[k] for s in parts_state])) for k in range(shards)]
        h, c = [[tf.concat(step, 0) for step in zip(*runs)] for runs in zip(*parts)]  # concat only if read
    if sequence_length is None:
        return h, c[-1], h[-1]
    return _stop_at_lengths(h, c, state, sequence_length)


def _stop_at_lengths(h, c, initial_state, sequence_length):
    """static_rnn's ``sequence_length`` on a recurrence run over all T steps.

    Past its length an example outputs zeros and its state is the one at its length (the
    initial state for length 0). Steps before an example's length never see the steps after it,
    so the unmasked run agrees there; the steps after it get exactly zero gradient, since
    nothing read depends on them. So the masks apply only to what a caller reads.
    """
    n_steps = len(h)
    lengths = tf.minimum(tf.cast(sequence_length, tf.int32), n_steps)
    outputs = [tf.where_v2((t < lengths)[:, None], h_t, 0.0) for t, h_t in enumerate(h)]
    c0, h0 = initial_state or (tf.zeros_like(h[0]),) * 2
    at_length = tf.stack([lengths, tf.range(tf.shape(lengths)[0])], 1)  # [batch, 2]: (step, example)
    c_last, h_last = [tf.gather_nd(tf.stack([first] + steps), at_length) for first, steps in ((c0, c), (h0, h))]
    return outputs, c_last, h_last


def _unflatten(results):
    """The custom-gradient function's flat results (T outputs h, then T cell states c) as (h, c)."""
    n_steps = len(results) // 2
    return list(results[:n_steps]), list(results[n_steps:])


@functools.lru_cache(maxsize=None)
def _fused(forget_bias, has_state, chunk_steps):
    """The custom-gradient function for one combination of options (only tensors may be its args)."""

    @tf.custom_gradient
    def fused(*args):
        x, kernel, bias = args[:3]
        state = args[3:5] if has_state else (None, None)
        h, c, saved = _forward(x, kernel, bias, state, forget_bias)

        def grad(*d_results):  # for each output step's h, then each step's c
            return _backward(x, kernel, saved, *_unflatten(d_results), has_state, chunk_steps)
        return (*h, *c), grad
    return fused


def _forward(x, kernel, bias, state, forget_bias):
    n_in, n_hidden = x.shape[2], kernel.shape[1] // 4
    # BasicLSTMCell adds forget_bias to the f gate's pre-activation; fold it into the bias once.
    shift = np.zeros(4 * n_hidden, np.float32)
    shift[2 * n_hidden:3 * n_hidden] = forget_bias
    kernel_bias = tf.concat([kernel, (bias + shift)[None]], 0)  # [input + H + 1, 4H]
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


def is_zero(grad):
    """True for no gradient, or the zeros ``tf.gradients`` fills in for an output nothing read."""
    return grad is None or grad.op.type == "ZerosLike"


def _zeros_if_none(value, like):
    return tf.zeros_like(like) if value is None else value
