"""One LSTM over a whole sequence, on the implementation an :class:`~tf1_rnn.lstm.impl.LSTMImpl` chose.

``sequence_length`` has ``static_rnn``'s semantics (TF 0.x/1.x): past its length an example's
output is zero and its state is the one it had at its length.
"""
from tf1_rnn.compat import tf
from tf1_rnn.lstm import fused
from tf1_rnn.lstm.compiled import ops as compiled_ops


def lstm_sequence(inputs, kernel, bias, impl, initial_state=None, sequence_length=None, forget_bias=1.0,
                  shards=1):
    """Run the LSTM over time-major ``inputs`` [T, batch, input]; T must be known.

    ``impl``: ``fused`` or ``compiled`` (see ``impl.choose``). ``initial_state`` is ``(c, h)``,
    each [batch, H], or None for zeros (then the first step skips its recurrent matmul).
    ``sequence_length`` [batch]: see ``_stop_at_lengths``. ``shards``: run the recurrence as this
    many independent ones over parts of the batch (on the compiled op, each one op on one core).
    Returns ``(outputs, c_T, h_T)``, outputs a list of T tensors [batch, H] as static_rnn's: a
    caller that reads some of them pays for no others (no stacked copy, no gradient for the rest).
    """
    inputs = tf.convert_to_tensor(inputs)
    if inputs.shape.ndims != 3 or inputs.shape[0] is None or inputs.shape[2] is None:
        raise ValueError(f"fused LSTM inputs must be [time, batch, depth] with time and depth known, "
                         f"got {inputs.shape}")
    has_state = initial_state is not None
    if impl.name == "compiled":
        function = compiled_ops.sequence_fn(float(forget_bias), has_state)
    elif impl.name == "fused":
        function = fused.sequence_fn(float(forget_bias), has_state, fused.grad_chunk_steps(impl.batch_size))
    else:
        raise ValueError(f"lstm_sequence runs the fused or compiled LSTM, not {impl.name!r}")
    kernel, bias = tf.convert_to_tensor(kernel), tf.convert_to_tensor(bias)
    state = [tf.convert_to_tensor(s) for s in initial_state] if has_state else []
    if shards == 1:
        h, c = fused.unflatten(function(inputs, kernel, bias, *state))
    else:  # rows of the batch never mix: run each part on its own; autodiff sums the kernel's gradients
        batch = tf.shape(inputs)[1]
        part = batch // shards
        sizes = tf.stack([part] * (shards - 1) + [batch - (shards - 1) * part])
        parts_x = tf.split(inputs, sizes, axis=1, num=shards)
        parts_state = [tf.split(s, sizes, axis=0, num=shards) for s in state]
        parts = [fused.unflatten(function(parts_x[k], kernel, bias, *[s[k] for s in parts_state]))
                 for k in range(shards)]
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
