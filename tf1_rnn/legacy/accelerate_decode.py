"""tf.contrib.seq2seq's teacher-forced decoder on the compiled kernels, while the runner's
accelerator is installed (``--rnn-impl auto``).

A ``BasicDecoder`` over a ``TrainingHelper`` feeds step t the given ``inputs[t]`` whatever it
output before, so ``dynamic_decode``'s loop computes what the cell computes over those inputs as
one sequence. Its loop runs N = min(max(sequence_length), maximum_iterations) steps; here:

- the cell runs over the first N inputs on the kernel (``Accelerator.sequence``), then the output
  layer and the helper's argmax run on all N steps at once;
- with ``impute_finished``, an entry's outputs past its length are zeros (sample id 0) and its
  state stays at its length (dynamic_rnn's ``sequence_length``); without it every entry runs all N
  steps, and its state is the one after step N, as the loop leaves it;
- the final lengths are min(length, N), the loop's count of steps until an entry finished.

The variables are the loop's, made in the same order under the decoder's scope: the cell's (its
first step, called once as the loop's body would), then the output layer's. Any other decoder,
helper or cell, nested inputs, and ``--rnn-impl tf`` keep the while loop (``seq2seq_decoder``).
"""
from tf1_rnn.compat import tensorflow, tf as v1
from tf1_rnn.legacy import accelerate

nest = tensorflow.nest


def teacher_forced(cell, helper, initial_state, output_layer, impute_finished, maximum_iterations, scope):
    """(rnn_output [N, batch, ...], sample_id [N, batch], final state, final lengths [batch]) with the
    cell on the kernel, or None to leave the decoder to the loop. ``helper`` is a TrainingHelper;
    ``scope`` the decoder's variable scope, entered by the caller."""
    accelerator = accelerate.active()
    inputs = getattr(helper, "_inputs", None)  # time-major
    if accelerator is None or inputs is None or not accelerator.takes(cell, inputs, initial_state):
        return None  # before any op is made: the loop gets the graph it would have had
    lengths = v1.cast(helper._sequence_length, v1.int32)
    n_steps = v1.maximum(v1.reduce_max(lengths), 0)  # an empty batch: no step
    if maximum_iterations is not None:
        n_steps = v1.minimum(n_steps, maximum_iterations)
    outputs, final_state = accelerator.sequence(cell, inputs[:n_steps], initial_state,
                                                lengths if impute_finished else None, scope)
    for steps in nest.flatten(helper._input_tas):  # the loop's per-step reads, unread here: no warning at exit
        getattr(steps, "mark_used", lambda: None)()
    rnn_output = output_layer(outputs) if output_layer is not None else outputs
    sample_id = v1.argmax(rnn_output, axis=-1, output_type=v1.int32)
    if impute_finished:
        running = v1.transpose(v1.sequence_mask(lengths, n_steps))  # [N, batch]: not yet finished
        rnn_output = v1.where_v2(running[:, :, None], rnn_output, v1.zeros([], rnn_output.dtype))
        sample_id = v1.where_v2(running, sample_id, 0)
    return rnn_output, sample_id, final_state, v1.minimum(lengths, n_steps)
