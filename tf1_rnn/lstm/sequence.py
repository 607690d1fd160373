"""One LSTM over a whole sequence, on the implementation an :class:`~tf1_rnn.lstm.impl.LSTMImpl` chose.

``sequence_length`` has ``static_rnn``'s semantics (TF 0.x/1.x): past its length an example's
output is zero and its state is the one it had at its length.
"""
from tf1_rnn.compat import tf
from tf1_rnn.lstm import fused
from tf1_rnn.lstm.compiled import ops as compiled_ops


def lstm_sequence(inputs, kernel, bias, impl, initial_state=None, sequence_length=None, forget_bias=1.0,
                  shards=1, stacked=False):
    """Run the LSTM over time-major ``inputs`` [T, batch, input]; T must be known unless ``stacked``.

    ``impl``: ``fused`` or ``compiled`` (see ``impl.choose``). ``initial_state`` is ``(c, h)``,
    each [batch, H], or None for zeros (then the first step skips its recurrent matmul).
    ``sequence_length`` [batch]: see :func:`stop_at_lengths`. ``shards``: see :func:`in_batch_parts`.
    Returns ``(outputs, c_T, h_T)``, outputs a list of T tensors [batch, H] as static_rnn's: a
    caller that reads some of them pays for no others (no stacked copy, no gradient for the rest).
    ``stacked`` (the compiled LSTM only): outputs are one tensor [T, batch, H], as dynamic_rnn's.
    """
    inputs = tf.convert_to_tensor(inputs)
    if inputs.shape.ndims != 3 or (inputs.shape[0] is None and not stacked) or inputs.shape[2] is None:
        raise ValueError(f"fused LSTM inputs must be [time, batch, depth] with time and depth known, "
                         f"got {inputs.shape}")
    has_state = initial_state is not None
    if impl.name == "compiled":
        function = compiled_ops.sequence_fn(float(forget_bias), has_state, stacked)
    elif stacked:
        raise ValueError("stacked outputs come from the compiled LSTM only")
    elif impl.name == "fused":
        function = fused.sequence_fn(float(forget_bias), has_state, fused.grad_chunk_steps(impl.batch_size))
    else:
        raise ValueError(f"lstm_sequence runs the fused or compiled LSTM, not {impl.name!r}")
    kernel, bias = tf.convert_to_tensor(kernel), tf.convert_to_tensor(bias)
    state = [tf.convert_to_tensor(s) for s in initial_state] if has_state else []
    results = in_batch_parts(function, inputs, (kernel, bias), state, shards, batch_axis=1 if stacked else 0)
    h, c = results if stacked else fused.unflatten(results)
    if sequence_length is None:
        return h, c[-1], h[-1]
    c0, h0 = state or (None, None)
    outputs, (c_last, h_last) = stop_at_lengths(h, sequence_length, (c0, c), (h0, h))
    return outputs, c_last, h_last


def in_batch_parts(function, inputs, weights, state, shards, batch_axis=0):
    """``function(inputs, *weights, *state)``'s flat results (the batch on ``batch_axis`` of each),
    computed as ``shards`` independent recurrences over parts of the batch: rows never mix, and
    autodiff sums the weights' gradients. On a compiled op each part is one op on one core. The
    parts are concatenated per result, and only where a result is read."""
    if shards == 1:
        return list(function(inputs, *weights, *state))
    batch = tf.shape(inputs)[1]
    part = batch // shards
    sizes = tf.stack([part] * (shards - 1) + [batch - (shards - 1) * part])
    parts_x = tf.split(inputs, sizes, axis=1, num=shards)
    parts_state = [tf.split(s, sizes, axis=0, num=shards) for s in state]
    parts = [function(parts_x[k], *weights, *[s[k] for s in parts_state]) for k in range(shards)]
    return [tf.concat(result, batch_axis) for result in zip(*parts)]


def stop_at_lengths(outputs, sequence_length, *states):
    """static_rnn's ``sequence_length`` on a recurrence run over all T steps.

    ``outputs``: the T per-step outputs, a list, or one stacked tensor [T, batch, H] (then the
    per-step values are stacked too); ``states``: ``(initial, per-step values)`` pairs, one per
    part of the state (an LSTM's c and h, a GRU's h), an initial None for zeros. Returns the
    outputs, zero past each example's length, and each state at the example's length (the initial
    one for length 0). Steps before an example's length never see the steps after it, so the
    unmasked run agrees there; the steps after it get exactly zero gradient, since nothing read
    depends on them. So the masks apply only to what a caller reads.
    """
    stacked = not isinstance(outputs, list)
    n_steps = tf.shape(outputs)[0] if stacked else len(outputs)
    lengths = tf.minimum(tf.cast(sequence_length, tf.int32), n_steps)
    if stacked:
        before_length = tf.transpose(tf.sequence_mask(lengths, n_steps))  # [T, batch]
        masked = tf.where_v2(before_length[:, :, None], outputs, 0.0)
    else:
        masked = [tf.where_v2((t < lengths)[:, None], out_t, 0.0) for t, out_t in enumerate(outputs)]
    if any(first is None for first, _ in states):
        zeros = tf.zeros_like(outputs[0])  # made here, after the masks, as the graph always made it
        states = [(zeros if first is None else first, steps) for first, steps in states]
    at_length = tf.stack([lengths, tf.range(tf.shape(lengths)[0])], 1)  # [batch, 2]: (step, example)
    every_step = (lambda first, steps: tf.concat([first[None], steps], 0)) if stacked else \
        (lambda first, steps: tf.stack([first] + steps))
    return masked, [tf.gather_nd(every_step(first, steps), at_length) for first, steps in states]
