"""TF1's legacy ``GRUCell`` (tanh) over a whole sequence: the compiled op where it loads, else TensorFlow ops.

The function, as ``GRUCell.call`` computes it (tf_keras's legacy rnn_cell_impl)::

    r, u = split(sigmoid([x, h] @ gates/kernel + gates/bias))    # reset, then update
    c = tanh([x, r * h] @ candidate/kernel + candidate/bias)     # reset before the matmul
    h' = u * h + (1 - u) * c                                     # the output is the state

``sequence_length`` has ``static_rnn``'s semantics, as in ``lstm.sequence``: past its length an
example's output is zero and its state is the one it had at its length.
"""
from tf1_rnn.compat import tf
from tf1_rnn.lstm.compiled import build
from tf1_rnn.lstm.compiled import gru_ops
from tf1_rnn.lstm.sequence import in_batch_parts, stop_at_lengths


def gru_variables(input_size, n_hidden):
    """GRUCell's four variables under ``gru_cell/`` in the caller's scope, with its initial values.

    ``gates/kernel`` [input + H, 2H], ``gates/bias`` [2H] (ones: both gates start at sigmoid(1),
    keeping most of the state), ``candidate/kernel`` [input + H, H], ``candidate/bias`` [H] (zeros); the kernels take
    the scope's initializer, as the cell's do.
    """
    with tf.variable_scope("gru_cell"):
        gates_kernel = tf.get_variable("gates/kernel", [input_size + n_hidden, 2 * n_hidden])
        gates_bias = tf.get_variable("gates/bias", [2 * n_hidden], initializer=tf.constant_initializer(1.0))
        cand_kernel = tf.get_variable("candidate/kernel", [input_size + n_hidden, n_hidden])
        cand_bias = tf.get_variable("candidate/bias", [n_hidden], initializer=tf.zeros_initializer())
    return gates_kernel, gates_bias, cand_kernel, cand_bias


def gru_sequence(inputs, gates_kernel, gates_bias, cand_kernel, cand_bias, initial_state=None,
                 sequence_length=None, shards=1, compiled=None, stacked=False):
    """Run the GRU over time-major ``inputs`` [T, batch, input]; T (unless ``stacked``) and input must be known.

    ``initial_state`` [batch, H], or None for zeros. ``sequence_length`` [batch]: see
    ``sequence.stop_at_lengths``. ``shards``: see ``sequence.in_batch_parts``. ``compiled``: None runs the
    compiled op where it loads (float32 only) and TensorFlow ops elsewhere; True insists on the op
    (``build.KernelUnavailable`` saying why if it cannot run); False runs TensorFlow ops.
    Returns ``(outputs, h_T)``, outputs a list of T tensors [batch, H] as static_rnn's, or with
    ``stacked`` (the compiled op only) one tensor [T, batch, H] as dynamic_rnn's.
    """
    inputs = tf.convert_to_tensor(inputs)
    if inputs.shape.ndims != 3 or (inputs.shape[0] is None and not stacked) or inputs.shape[2] is None:
        raise ValueError(f"GRU inputs must be [time, batch, depth] with time and depth known, got {inputs.shape}")
    weights = [tf.convert_to_tensor(w) for w in (gates_kernel, gates_bias, cand_kernel, cand_bias)]
    state = [tf.convert_to_tensor(initial_state)] if initial_state is not None else []
    if compiled is None:
        compiled = inputs.dtype == tf.float32 and gru_ops.load_or_reason()[0] is not None
    elif compiled and gru_ops.load_or_reason()[0] is None:
        raise build.KernelUnavailable(f"the compiled GRU is unavailable ({gru_ops.load_or_reason()[1]})")
    if stacked and not compiled:
        raise ValueError("stacked outputs come from the compiled GRU only")
    function = gru_ops.sequence_fn(bool(state), stacked) if compiled else _unrolled
    h = in_batch_parts(function, inputs, weights, state, shards, batch_axis=1 if stacked else 0)
    h = h[0] if stacked else h
    if sequence_length is None:
        return h, h[-1]
    outputs, (h_last,) = stop_at_lengths(h, sequence_length, (state[0] if state else None, h))
    return outputs, h_last


def _unrolled(x, gates_kernel, gates_bias, cand_kernel, cand_bias, h0=None):
    """The GRU as TensorFlow ops, one GRUCell step per time step; TensorFlow differentiates it."""
    n_hidden = cand_kernel.shape[1]
    h = h0 if h0 is not None else tf.zeros(tf.stack([tf.shape(x)[1], n_hidden]), x.dtype)
    outputs = []
    for x_t in tf.unstack(x):
        r, u = tf.split(tf.sigmoid(tf.matmul(tf.concat([x_t, h], 1), gates_kernel) + gates_bias), 2, axis=1)
        c = tf.tanh(tf.matmul(tf.concat([x_t, r * h], 1), cand_kernel) + cand_bias)
        h = u * h + (1 - u) * c
        outputs.append(h)
    return outputs
