"""TensorFlow 0.x's RNN API on today's legacy cells.

Modules: ``tensorflow.models.rnn.{rnn,rnn_cell}`` (0.5 to 0.10) and
``tensorflow.python.ops.{rnn,rnn_cell}`` (0.7 to 0.12); functions ``tf.nn.rnn``,
``tf.nn.bidirectional_rnn``, ``tf.nn.state_saving_rnn``. Facts they keep from 0.x:

- Cells from the 0.x modules default to ``state_is_tuple=False`` (0.x's default until 0.11):
  an LSTM's state is one ``[batch, 2 * num_units]`` tensor, ``[c, h]``. ``tf.nn.rnn_cell`` keeps
  1.x's tuple default.
- ``rnn``, ``bidirectional_rnn`` and ``dynamic_rnn`` accept a concatenated state (fed through
  a placeholder) for a cell with tuple state too: the cell sees it split into its parts, and its
  new state comes back concatenated the same way.
- Constructor arguments are named by 0.x's order when their types say so: the second argument
  of ``LSTMCell(n, 28)`` is 0.x's (ignored) ``input_size``, not 1.x's ``use_peepholes``.
- ``MultiRNNCell([cell] * 3)`` gives each layer its own weights, as in 0.x (TF 1.x refused the
  repeated cell; today's cells would silently share one set of weights).
- ``rnn`` returns ``(outputs, final_state)`` (0.7 on; 0.6 returned every step's state).
  ``bidirectional_rnn`` returned only the outputs up to 0.7 and ``(outputs, state_fw,
  state_bw)`` from 0.8: a call whose result is unpacked into three names gets the triple,
  any other call the outputs (how the result is unpacked is the one thing that tells them apart).

- Their variables start from 0.x's default initializer, uniform_unit_scaling (TF 1.0 made it
  glorot_uniform): for the 0.x-only functions (``rnn``, ``bidirectional_rnn``, ``linear``) and the
  cells of the 0.x modules, unless the script set an initializer on the scope. A 0.x script
  that reached the cells only through names 1.x kept (``tf.nn.dynamic_rnn`` with
  ``tf.nn.rnn_cell``) cannot be told from a 1.x one and gets 1.x's default.

Variable names are TF 1.x's (``rnn/basic_lstm_cell/kernel``), not 0.x's (``RNN/BasicLSTMCell/Linear/Matrix``).
"""
import contextlib
import copy
import dis
import functools
import sys

from tf1_rnn.compat import (TF0DefaultInitializer, TF1DefaultInitializer, internal, legacy_rnn_cells, tensorflow,
                            tf as v1)
from tf1_rnn.legacy.namespace import Namespace, module, name_positionals

# TF's own module, bound before install() puts 0.x's in its place; where it moved, tf.nn has its functions
_real_rnn = internal("tensorflow.python.ops.rnn", "tensorflow.python.ops.rnn offers tf.nn's RNN functions") or v1.nn

nest = tensorflow.nest


class ConcatenatedState:
    """A cell with tuple state, seen through one concatenated ``[batch, sum of sizes]`` state.

    Not a layer: it calls the cell in the caller's variable scope, so variable names are the cell's own.
    """

    def __init__(self, cell):
        self.cell = cell
        self.sizes = [int(size) for size in nest.flatten(cell.state_size)]

    state_size = property(lambda self: sum(self.sizes))
    output_size = property(lambda self: self.cell.output_size)

    def zero_state(self, batch_size, dtype):
        return v1.zeros([batch_size, self.state_size], dtype)

    def __call__(self, inputs, state, scope=None):
        parts = v1.split(state, self.sizes, axis=1)
        output, new_state = self.cell(inputs, nest.pack_sequence_as(self.cell.state_size, parts), scope=scope)
        return output, v1.concat(nest.flatten(new_state), 1)


def accepting(cell, state):
    """``cell``, or a view of it that takes ``state`` when that is a concatenated tensor for a tuple-state cell."""
    if state is None or nest.is_nested(state) or not nest.is_nested(cell.state_size):
        return cell
    view = ConcatenatedState(cell)
    width = v1.convert_to_tensor(state).shape.with_rank(2)[1]
    if width is not None and int(width) != view.state_size:
        raise ValueError(f"the initial state has {int(width)} columns; the cell's state concatenated has "
                         f"{view.state_size} ({' + '.join(map(str, view.sizes))})")
    return view


@contextlib.contextmanager
def tf0_default_initializer():
    """Variables made inside get 0.x's default initializer where they would have got the runner's 1.x one."""
    scope = v1.get_variable_scope()
    if type(scope.initializer) is not TF1DefaultInitializer:  # the script chose one (or it is 0.x's already)
        yield
        return
    with v1.variable_scope(scope, initializer=TF0DefaultInitializer(), auxiliary_name_scope=False):
        yield


def with_tf0_initializer(function):
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with tf0_default_initializer():
            return function(*args, **kwargs)
    return wrapped


@with_tf0_initializer
def rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """0.x ``rnn``: ``(outputs, final_state)``."""
    return v1.nn.static_rnn(accepting(cell, initial_state), inputs, initial_state, dtype, sequence_length, scope)


def bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None, dtype=None,
                      sequence_length=None, scope=None):
    """0.x ``bidirectional_rnn``: the outputs (0.6, 0.7), or (outputs, state_fw, state_bw) (0.8 on)
    where the caller unpacks the result into three names."""
    triple = _unpacked_into(sys._getframe(1)) == 3
    with tf0_default_initializer():
        outputs, state_fw, state_bw = v1.nn.static_bidirectional_rnn(
            accepting(cell_fw, initial_state_fw), accepting(cell_bw, initial_state_bw), inputs, initial_state_fw,
            initial_state_bw, dtype, sequence_length, scope)
    return (outputs, state_fw, state_bw) if triple else outputs


def _unpacked_into(frame):
    """How many names the caller unpacks this call's result into (None: it keeps it whole).

    A function that returns the call's result as it is (``return rnn.bidirectional_rnn(...)``,
    also from inside ``with`` blocks) hands the question to its own caller.
    """
    while frame is not None:
        following = _past_with_exits([i for i in dis.get_instructions(frame.f_code) if i.offset > frame.f_lasti])
        if not following or following[0].opname != "RETURN_VALUE":
            break
        frame = frame.f_back
    return following[0].argval if following and following[0].opname == "UNPACK_SEQUENCE" else None


def _past_with_exits(instructions):
    """``instructions`` after the ``__exit__(None, None, None)`` calls a ``return`` inside ``with`` makes."""
    while True:
        start = 1 if instructions and instructions[0].opname == "SWAP" else 0
        if len(instructions) < start + 6 or not all(
                i.opname == "LOAD_CONST" and i.argval is None for i in instructions[start:start + 3]):
            break
        rest = instructions[start + 3:]
        rest = rest[1:] if rest[0].opname == "PRECALL" else rest
        if not (rest[0].opname == "CALL" and rest[0].arg == 2 and rest[1].opname == "POP_TOP"):
            break
        instructions = rest[2:]
    return instructions


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, *args, **kwargs):
    return v1.nn.dynamic_rnn(accepting(cell, initial_state), inputs, sequence_length, initial_state, dtype,
                             *args, **kwargs)


def state_saving_rnn(cell, inputs, state_saver, state_name, sequence_length=None, scope=None):
    return v1.nn.static_state_saving_rnn(cell, inputs, state_saver, state_name, sequence_length, scope)


@with_tf0_initializer
def linear(args, output_size, bias, bias_start=0.0, scope=None):
    """0.x ``rnn_cell.linear``: ``concat(args) @ Matrix + Bias`` in scope ``Linear``."""
    args = list(args) if nest.is_nested(args) else [args]
    total = sum(int(a.shape.with_rank(2)[1]) for a in args)
    with v1.variable_scope(scope or "Linear"):
        matrix = v1.get_variable("Matrix", [total, output_size], dtype=args[0].dtype)
        result = v1.matmul(args[0] if len(args) == 1 else v1.concat(args, 1), matrix)
        if not bias:
            return result
        return result + v1.get_variable("Bias", [output_size], dtype=args[0].dtype,
                                        initializer=v1.constant_initializer(bias_start))


def _bind(args, kwargs, names):
    """Name the positional ``args`` by ``names``; drop 0.x's ``input_size`` (ignored even in 0.x)."""
    kwargs = name_positionals(args, kwargs, names, "the cell")
    kwargs.pop("input_size", None)
    return kwargs


def cell_classes(state_is_tuple):
    """Cells that read 0.x or 1.x positional arguments (by type) and default to ``state_is_tuple``."""
    base = legacy_rnn_cells()

    class BasicLSTMCell(base.BasicLSTMCell):
        def __init__(self, num_units, *args, **kwargs):
            new = len(args) > 1 and isinstance(args[1], bool)  # 1.x: (forget_bias, state_is_tuple, ...)
            names = (["forget_bias", "state_is_tuple", "activation", "reuse", "name", "dtype"] if new
                     else ["forget_bias", "input_size", "state_is_tuple", "activation"])
            super().__init__(num_units, **{"state_is_tuple": state_is_tuple, **_bind(args, kwargs, names)})

    class LSTMCell(base.LSTMCell):
        def __init__(self, num_units, *args, **kwargs):
            new = bool(args) and isinstance(args[0], bool)  # 1.x: (use_peepholes, ...); 0.x: (input_size, ...)
            names = ["use_peepholes", "cell_clip", "initializer", "num_proj", "proj_clip", "num_unit_shards",
                     "num_proj_shards", "forget_bias", "state_is_tuple", "activation"]
            names = names + ["reuse", "name", "dtype"] if new else ["input_size"] + names
            super().__init__(num_units, **{"state_is_tuple": state_is_tuple, **_bind(args, kwargs, names)})

    class GRUCell(base.GRUCell):
        def __init__(self, num_units, *args, **kwargs):
            new = bool(args) and callable(args[0])  # 1.x: (activation, ...); 0.x: (input_size, activation)
            names = (["activation", "reuse", "kernel_initializer", "bias_initializer", "name", "dtype"] if new
                     else ["input_size", "activation"])
            super().__init__(num_units, **_bind(args, kwargs, names))

    class BasicRNNCell(base.BasicRNNCell):
        def __init__(self, num_units, *args, **kwargs):
            new = bool(args) and callable(args[0])
            names = ["activation", "reuse", "name", "dtype"] if new else ["input_size", "activation"]
            super().__init__(num_units, **_bind(args, kwargs, names))

    class MultiRNNCell(base.MultiRNNCell):
        def __init__(self, cells, state_is_tuple=state_is_tuple):
            seen, own = set(), []
            for cell in cells:  # 0.x gave each layer its own weights, even for [cell] * n
                own.append(copy.deepcopy(cell) if id(cell) in seen and not getattr(cell, "built", False) else cell)
                seen.add(id(cell))
            super().__init__(own, state_is_tuple=state_is_tuple)

    return {cls.__name__: cls for cls in (BasicLSTMCell, LSTMCell, GRUCell, BasicRNNCell, MultiRNNCell)}


def _tf0_module_cells():
    """``cell_classes(False)`` whose weights, made at the first call, start from 0.x's initializer."""
    classes = {}
    for name, cls in cell_classes(state_is_tuple=False).items():
        call = with_tf0_initializer(cls.__call__)
        classes[name] = type(name, (cls,), {"__call__": call, "__module__": cls.__module__})
    return classes


def _rnn_cell_module(name, contrib_rnn):
    """0.x's ``rnn_cell``: its cells with 0.x's defaults; wrappers that went to tf.contrib.rnn in 1.0 from there."""
    return Namespace(name, [legacy_rnn_cells(), contrib_rnn], overrides={**_tf0_module_cells(), "linear": linear})


FUNCTIONS = {"rnn": rnn, "bidirectional_rnn": bidirectional_rnn, "dynamic_rnn": dynamic_rnn,
             "state_saving_rnn": state_saving_rnn}


def nn_overrides(contrib_rnn, state_is_tuple=True):
    """``tf.nn``'s 0.x functions, and ``tf.nn.rnn_cell`` with the era's ``state_is_tuple`` default (1.x's:
    True) and 0.x's wrappers from contrib."""
    rnn_cell = Namespace("tensorflow.nn.rnn_cell", [legacy_rnn_cells(), contrib_rnn],
                         overrides=cell_classes(state_is_tuple=state_is_tuple))
    return {**FUNCTIONS, "rnn_cell": rnn_cell}


def models_module(contrib_rnn):
    """``tensorflow.models`` with ``rnn.rnn`` and ``rnn.rnn_cell`` (the rest of it stayed in tensorflow/models)."""
    rnn_module = module("tensorflow.models.rnn.rnn", **FUNCTIONS)
    rnn_cell = _rnn_cell_module("tensorflow.models.rnn.rnn_cell", contrib_rnn)
    return module("tensorflow.models", rnn=module("tensorflow.models.rnn", rnn=rnn_module, rnn_cell=rnn_cell))


def python_ops_modules(contrib_rnn):
    """``tensorflow.python.ops.rnn`` and ``.rnn_cell`` as 0.x scripts imported them."""
    return {"tensorflow.python.ops.rnn": Namespace("tensorflow.python.ops.rnn", [_real_rnn], overrides=FUNCTIONS),
            "tensorflow.python.ops.rnn_cell": _rnn_cell_module("tensorflow.python.ops.rnn_cell", contrib_rnn)}
