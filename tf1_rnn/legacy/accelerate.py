"""The program's LSTMs on the compiled kernel, while the runner's namespace is installed.

``install(patches)`` puts stand-ins for ``tf.nn.static_rnn``, ``dynamic_rnn``,
``static_bidirectional_rnn`` and ``bidirectional_dynamic_rnn`` on TensorFlow's ``tf.compat.v1.nn``
(so also ``tf.contrib.rnn``'s, and 0.x's ``tf.nn.rnn``, ``bidirectional_rnn`` and
``dynamic_rnn``, which call them). A stand-in takes the call when its cell is one
:mod:`accelerate_cells` accepts, the input depth is known, everything is float32 and the kernel
loads here; every other call goes to TensorFlow's own function, unchanged. dynamic_rnn's time
dimension may be unknown until the session runs (a placeholder [batch, None, depth]): the kernel
runs however many steps it is fed. contrib.seq2seq's teacher-forced decoder reaches the kernel
through :meth:`Accelerator.sequence` (``accelerate_decode.py``).

A call it takes keeps TensorFlow's contract: the same variable scopes (the cell is called once on
the first step inside them, so it makes its variables exactly as TensorFlow's first step would:
names, initializers, reuse, custom getters), the same return structure, ``sequence_length``'s
semantics (zero outputs past a length, the state held there: the same for static_rnn and
dynamic_rnn), ``initial_state`` fed or not. ``parallel_iterations`` and ``swap_memory`` change
nothing TensorFlow's loop computes, and nothing here. That first step's ops stay in the graph,
never run. Op-level seeds drawn from the graph seed follow the number of ops made before them,
so ``--seed`` gives a different (equally random) start than ``--rnn-impl tf``; a checkpoint
restores either way.

Where the kernel cannot load (no compiler, a GPU), ``impl.choose`` says so in its one line and
the program stays on TensorFlow's ops: the fused TensorFlow-ops LSTM computes the same, no faster.
The first ``Session.run`` after a call was taken prints one line saying how many layers run on
the kernel.
"""
import collections
import contextlib
import functools
import sys

from tf1_rnn.compat import tensorflow, tf as v1
from tf1_rnn.legacy import accelerate_cells
from tf1_rnn.lstm import impl as lstm_impl

nest = tensorflow.nest

FUNCTIONS = ("static_rnn", "dynamic_rnn", "static_bidirectional_rnn", "bidirectional_dynamic_rnn")


def install(patches):
    """Put the stand-ins in place (undone with ``patches``); returns the :class:`Accelerator`."""
    accelerator = Accelerator({name: getattr(v1.nn, name) for name in FUNCTIONS})
    for name in FUNCTIONS:
        patches.setattr(v1.nn, name, _stand_in(getattr(accelerator, name), accelerator.original[name]))
    session_class = next(cls for cls in v1.Session.__mro__ if "run" in vars(cls))  # BaseSession: every session's
    run = session_class.run

    @functools.wraps(run)
    def announcing_run(self, *args, **kwargs):
        accelerator.announce()
        return run(self, *args, **kwargs)
    patches.setattr(session_class, "run", announcing_run)
    return accelerator


def _stand_in(method, original):
    """``method`` as a function that reads as TensorFlow's ``original`` (name, docstring, signature)."""
    @functools.wraps(original)
    def stand_in(*args, **kwargs):
        return method(*args, **kwargs)
    stand_in.accelerator = method.__self__  # what active() finds
    return stand_in


def active():
    """The :class:`Accelerator` installed now (the runner's ``--rnn-impl auto``), or None."""
    return getattr(v1.nn.dynamic_rnn, "accelerator", None)


class Accelerator:
    """The stand-ins, and what they have run on the kernel: ``layers`` {kernel name: kind}."""

    def __init__(self, original):
        self.original = original
        self.layers = {}
        self._announced = False
        self._directions = 1  # 2 inside a bidirectional call: each direction gets half the batch parts

    def announce(self):
        """Once, when something ran on the kernel: one line naming what."""
        if self._announced or not self.layers:
            return
        self._announced = True
        counts = collections.Counter(self.layers.values())
        what = " and ".join(f"{n} {kind} layer{'s' if n != 1 else ''}" for kind, n in counts.items())
        print(f"run_legacy: {what} on the compiled kernel (--rnn-impl tf runs TensorFlow's own ops)",
              file=sys.stderr)

    def _record(self, kind, kernel):
        self.layers.setdefault(kernel.name, kind)  # a graph built twice, or reused weights: one layer

    # -- the four functions ---------------------------------------------------------------------

    def static_rnn(self, cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
        steps = _time_steps(inputs)
        if steps is not None:
            taken = self._run(cell, steps[0].dtype, v1.dimension_value(steps[0].shape[0]), lambda: steps[0],
                              lambda: v1.stack(steps), initial_state, dtype, sequence_length, scope, stacked=False)
            if taken is not None:
                return taken
        return self.original["static_rnn"](cell, inputs, initial_state, dtype, sequence_length, scope)

    def dynamic_rnn(self, cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                    parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
        sequence = _sequence_tensor(inputs, time_major)
        if sequence is not None:
            time_major_inputs = (lambda: sequence) if time_major else (lambda: v1.transpose(sequence, [1, 0, 2]))
            first_step = (lambda: sequence[0]) if time_major else (lambda: sequence[:, 0])
            static_batch = v1.dimension_value(sequence.shape[1 if time_major else 0])
            taken = self._run(cell, sequence.dtype, static_batch, first_step, time_major_inputs, initial_state, dtype,
                              sequence_length, scope, stacked=True)
            if taken is not None:
                outputs, state = taken  # [T, batch, units]
                return (outputs if time_major else v1.transpose(outputs, [1, 0, 2])), state
        return self.original["dynamic_rnn"](cell, inputs, sequence_length, initial_state, dtype,
                                            parallel_iterations, swap_memory, time_major, scope)

    def takes(self, cell, inputs, initial_state):
        """True when :meth:`sequence` would run ``cell`` over ``inputs`` on the kernel (the cell, the
        dtypes, unnested inputs of known depth, the kernel loaded); builds nothing."""
        sequence = _sequence_tensor(inputs, time_major=True)
        return (sequence is not None and _accepted(cell, sequence.dtype, initial_state, None)
                and lstm_impl.choose("auto").name == "compiled")

    def sequence(self, cell, inputs, initial_state, sequence_length, scope):
        """``cell`` from ``initial_state`` over time-major ``inputs`` [T, batch, depth] in the variable
        scope ``scope``, as dynamic_rnn's loop would step it: (outputs [T, batch, units], final state)
        on the kernel, or None where the kernel does not take it (then nothing was built)."""
        sequence = _sequence_tensor(inputs, time_major=True)
        if sequence is None:
            return None
        return self._run(cell, sequence.dtype, v1.dimension_value(sequence.shape[1]), lambda: sequence[0],
                         lambda: sequence, initial_state, None, sequence_length, scope, stacked=True)

    def static_bidirectional_rnn(self, cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None,
                                 dtype=None, sequence_length=None, scope=None):
        """TensorFlow's composition (scopes fw and bw, the backward direction on reversed steps)
        over ``static_rnn``, so that each direction is taken or not on its own."""
        if not (accelerate_cells.supported(cell_fw) or accelerate_cells.supported(cell_bw)) \
                or _time_steps(inputs) is None:
            return self.original["static_bidirectional_rnn"](cell_fw, cell_bw, inputs, initial_state_fw,
                                                             initial_state_bw, dtype, sequence_length, scope)

        def reverse(steps):
            if sequence_length is None:
                return list(reversed(steps))
            return v1.unstack(v1.reverse_sequence(v1.stack(steps), sequence_length, seq_axis=0, batch_axis=1))

        with self._side_by_side(), v1.variable_scope(scope or "bidirectional_rnn"):
            with v1.variable_scope("fw") as fw_scope:
                outputs_fw, state_fw = self.static_rnn(cell_fw, inputs, initial_state_fw, dtype, sequence_length,
                                                       scope=fw_scope)
            with v1.variable_scope("bw") as bw_scope:
                reversed_bw, state_bw = self.static_rnn(cell_bw, reverse(list(inputs)), initial_state_bw, dtype,
                                                        sequence_length, scope=bw_scope)
        outputs = [v1.concat([fw, bw], 1) for fw, bw in zip(outputs_fw, reverse(reversed_bw))]
        return outputs, state_fw, state_bw

    def bidirectional_dynamic_rnn(self, cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                                  initial_state_bw=None, dtype=None, parallel_iterations=None, swap_memory=False,
                                  time_major=False, scope=None):
        """TensorFlow's composition over ``dynamic_rnn``, each direction taken or not on its own."""
        if not (accelerate_cells.supported(cell_fw) or accelerate_cells.supported(cell_bw)) \
                or _sequence_tensor(inputs, time_major) is None:
            return self.original["bidirectional_dynamic_rnn"](
                cell_fw, cell_bw, inputs, sequence_length, initial_state_fw, initial_state_bw, dtype,
                parallel_iterations, swap_memory, time_major, scope)
        time_axis, batch_axis = (0, 1) if time_major else (1, 0)

        def reverse(sequence):
            if sequence_length is None:
                return v1.reverse(sequence, [time_axis])
            return v1.reverse_sequence(sequence, sequence_length, seq_axis=time_axis, batch_axis=batch_axis)

        common = dict(sequence_length=sequence_length, dtype=dtype, parallel_iterations=parallel_iterations,
                      swap_memory=swap_memory, time_major=time_major)
        with self._side_by_side(), v1.variable_scope(scope or "bidirectional_rnn"):
            with v1.variable_scope("fw") as fw_scope:
                outputs_fw, state_fw = self.dynamic_rnn(cell_fw, inputs, initial_state=initial_state_fw,
                                                        scope=fw_scope, **common)
            with v1.variable_scope("bw") as bw_scope:
                reversed_bw, state_bw = self.dynamic_rnn(cell_bw, reverse(v1.convert_to_tensor(inputs)),
                                                         initial_state=initial_state_bw, scope=bw_scope, **common)
        return (outputs_fw, reverse(reversed_bw)), (state_fw, state_bw)

    # -- one direction ----------------------------------------------------------------------------

    def _run(self, cell, inputs_dtype, static_batch, first_step, time_major_inputs, initial_state, dtype,
             sequence_length, scope, stacked):
        """(outputs, final state) on the kernel, or None to leave the call to TensorFlow; outputs a
        list of [batch, units] tensors, or with ``stacked`` one [T, batch, units] tensor.

        ``static_batch``: the batch size if known, else None. ``first_step()``
        makes the [batch, depth] step that the cell's variable-making first call reads, and
        ``time_major_inputs()`` the [T, batch, depth] sequence: only once the call is taken, so
        that a call left to TensorFlow gets the graph it would have had.
        """
        if not _accepted(cell, inputs_dtype, initial_state, dtype):
            return None
        impl = lstm_impl.choose("auto", static_batch)  # builds or loads the kernel once per process
        if impl.name != "compiled":
            return None
        directions = self._directions

        def shards(units):
            return max(1, impl.shards(units) // directions)

        with v1.variable_scope(scope or "rnn"):
            step = first_step()
            state = initial_state
            if state is None:
                state = cell.zero_state(static_batch if static_batch is not None else v1.shape(step)[0], dtype)
            cell(step, state)  # TensorFlow's first step: the variables, as it makes them
            context = accelerate_cells.Run(impl, shards, self._record, stacked)
            outputs, final = accelerate_cells.run(cell, time_major_inputs(), initial_state, sequence_length, context)
        _known_batch(outputs, final, static_batch if static_batch is not None else _batch_of(state), stacked)
        return outputs, final

    @contextlib.contextmanager
    def _side_by_side(self):
        self._directions = 2
        try:
            yield
        finally:
            self._directions = 1


def _accepted(cell, inputs_dtype, initial_state, dtype):
    """The cell, the dtypes and the state are ones the kernel computes exactly."""
    if v1.executing_eagerly() or not accelerate_cells.supported(cell):
        return False
    if inputs_dtype != v1.float32 or (dtype is not None and v1.as_dtype(dtype) != v1.float32):
        return False
    if initial_state is None:
        return dtype is not None  # else TensorFlow's own error
    dtypes = [getattr(part, "dtype", None) for part in nest.flatten(initial_state)]  # tensors, variables, arrays
    return all(d is not None and v1.as_dtype(d).base_dtype == v1.float32 for d in dtypes)


def _batch_of(state):
    """The batch size a state's parts know, or None."""
    known = [v1.dimension_value(part.shape[0]) for part in nest.flatten(state) if getattr(part, "shape", None)]
    return next((size for size in known if size is not None), None)


def _known_batch(outputs, state, batch, stacked):
    """Give the kernel's results the static batch size TensorFlow's own loop would show (from the
    inputs or the initial state), which the batch parts' split and concat leave unknown."""
    if batch is None:
        return
    for part in ([outputs] if stacked else outputs) + nest.flatten(state):
        if isinstance(part, v1.Tensor):
            part.set_shape([None] * (part.shape.ndims - 2) + [batch, None])


def _time_steps(inputs):
    """static_rnn's inputs as a list of [batch, depth] tensors of one known depth, or None."""
    if not isinstance(inputs, (list, tuple)) or not inputs or any(nest.is_nested(step) for step in inputs):
        return None
    steps = [v1.convert_to_tensor(step) for step in inputs]
    depths = {v1.dimension_value(step.shape[-1]) if step.shape.ndims == 2 else None for step in steps}
    return steps if len(depths) == 1 and None not in depths else None


def _sequence_tensor(inputs, time_major):
    """dynamic_rnn's inputs as one [batch, T, depth] (or [T, batch, depth]) tensor with its depth known."""
    if nest.is_nested(inputs):
        return None
    sequence = v1.convert_to_tensor(inputs)
    if sequence.shape.ndims != 3:
        return None
    steps = v1.dimension_value(sequence.shape[0 if time_major else 1])
    return sequence if steps != 0 and v1.dimension_value(sequence.shape[2]) is not None else None

