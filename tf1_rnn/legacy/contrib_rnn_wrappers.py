"""tf.contrib.rnn's AttentionCellWrapper and HighwayWrapper, with TF 1.15's equations and names.

AttentionCellWrapper (an LSTM with attention over its own last ``attn_length`` outputs, after
Bahdanau et al.) makes, under ``attention_cell_wrapper/``:

    kernel, bias                           inputs and previous attention -> the cell's input
    <cell>/...                             the wrapped cell
    attention/{attn_w, attn_v}             attn_w [1, 1, attn_size, attn_vec_size], as TF's 1x1 conv
    attention/{kernel, bias}               the cell's new state -> the attention query
    attn_output_projection/{kernel, bias}  cell output and attention -> the output

Its state is ``(cell state, attention [batch, attn_size], window [batch, attn_length * attn_size])``
(concatenated with ``state_is_tuple=False``).

HighwayWrapper mixes a cell's input into its output through a carry gate. As in TF 1.x its
variables ``carry_w``, ``carry_b`` (and ``transform_w``, ``transform_b`` when the gates are not
coupled) sit in the scope it is called in (``rnn/carry_w``), beside the cell's own scope.
"""
from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy.contrib_rnn_cells import linear, plain_call, static_size

RNNCell = legacy_rnn_cells().RNNCell
nest = v1.nest


def check_cell(wrapper, cell):
    if not all(hasattr(cell, name) for name in ("output_size", "state_size", "zero_state")) or not callable(cell):
        raise TypeError(f"{wrapper} wraps an RNNCell; got {cell!r}")


class AttentionCellWrapper(RNNCell):
    """A cell whose input is mixed with attention over a window of its own past outputs."""

    def __init__(self, cell, attn_length, attn_size=None, attn_vec_size=None, input_size=None,
                 state_is_tuple=True, reuse=None):
        super().__init__(_reuse=reuse)
        check_cell("AttentionCellWrapper", cell)
        if nest.is_nested(cell.state_size) and not state_is_tuple:
            raise ValueError("AttentionCellWrapper: the cell's state is a tuple, so state_is_tuple must be True; "
                             f"state size {cell.state_size}")
        if attn_length <= 0:
            raise ValueError(f"AttentionCellWrapper's attn_length must be > 0, got {attn_length}")
        self._cell, self._attn_length, self._input_size = cell, attn_length, input_size
        self._attn_size = cell.output_size if attn_size is None else attn_size
        self._attn_vec_size = self._attn_size if attn_vec_size is None else attn_vec_size
        self._state_is_tuple = state_is_tuple

    @property
    def state_size(self):
        return self._state_parts() if self._state_is_tuple else sum(self._state_parts())

    @property
    def output_size(self):
        return self._attn_size

    @plain_call
    def call(self, inputs, state):
        if self._state_is_tuple:
            cell_state, attns, window = state
        else:
            cell_state, attns, window = v1.split(state, list(self._state_parts()), axis=1)
        window = v1.reshape(window, [-1, self._attn_length, self._attn_size])  # [batch, length, attn]
        input_size = self._input_size or static_size(inputs, "AttentionCellWrapper")
        cell_output, new_cell_state = self._cell(linear([inputs, attns], input_size), cell_state)
        query = v1.concat(nest.flatten(new_cell_state), 1) if self._state_is_tuple else new_cell_state
        new_attns = self._attention(query, window)
        with v1.variable_scope("attn_output_projection"):
            output = linear([cell_output, new_attns], self._attn_size)
        # the window drops its oldest entry and appends this output: [batch, length * attn]
        new_window = v1.reshape(v1.concat([window[:, 1:], output[:, None]], 1),
                                [-1, self._attn_length * self._attn_size])
        new_state = (new_cell_state, new_attns, new_window)
        return output, (new_state if self._state_is_tuple else v1.concat(list(new_state), 1))

    def _state_parts(self):
        return self._cell.state_size, self._attn_size, self._attn_size * self._attn_length

    def _attention(self, query, window):
        """Additive attention of ``query`` over ``window``: sum_t softmax(v . tanh(W h_t + U q)) h_t."""
        with v1.variable_scope("attention"):
            attn_w = v1.get_variable("attn_w", [1, 1, self._attn_size, self._attn_vec_size])
            attn_v = v1.get_variable("attn_v", [self._attn_vec_size])
            keys = v1.tensordot(window, attn_w[0, 0], 1)  # [batch, length, vec]: TF's 1x1 conv
            projected_query = linear(query, self._attn_vec_size)[:, None, :]  # [batch, 1, vec]
            scores = v1.reduce_sum(attn_v * v1.tanh(keys + projected_query), 2)  # [batch, length]
            weights = v1.nn.softmax(scores)
            return v1.reduce_sum(weights[:, :, None] * window, 1)  # [batch, attn]


class HighwayWrapper(RNNCell):
    """A cell whose output is ``carry * input + transform * cell_output`` (Srivastava et al., 2015),
    ``transform = 1 - carry`` unless ``couple_carry_transform_gates=False``."""

    def __init__(self, cell, couple_carry_transform_gates=True, carry_bias_init=1.0):
        super().__init__()
        check_cell("HighwayWrapper", cell)
        self._cell, self._coupled, self._carry_bias_init = cell, couple_carry_transform_gates, carry_bias_init

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)

    def zero_state(self, batch_size, dtype):
        with v1.name_scope(type(self).__name__ + "ZeroState"):
            return self._cell.zero_state(batch_size, dtype)

    def _gate(self, name, inputs, bias_init):
        size = inputs.shape[-1]
        weights = v1.get_variable(f"{name}_w", [size, size])
        bias = v1.get_variable(f"{name}_b", [size], initializer=v1.constant_initializer(bias_init))
        return v1.sigmoid(v1.nn.xw_plus_b(inputs, weights, bias))

    def _highway(self, inputs, outputs):
        static_size(inputs, "HighwayWrapper")
        carry = self._gate("carry", inputs, self._carry_bias_init)
        transform = 1 - carry if self._coupled else self._gate("transform", inputs, -self._carry_bias_init)
        return inputs * carry + outputs * transform

    def __call__(self, inputs, state, scope=None):
        """Not a layer call: the gates' variables go in the caller's scope, as in TF 1.x."""
        outputs, new_state = self._cell(inputs, state, scope=scope)
        nest.assert_same_structure(inputs, outputs)
        for inp, out in zip(nest.flatten(inputs), nest.flatten(outputs)):
            if not inp.shape.is_compatible_with(out.shape):
                raise ValueError(f"HighwayWrapper needs the cell's output shaped like its input: "
                                 f"input {inp.shape}, output {out.shape}")
        return nest.map_structure(self._highway, inputs, outputs), new_state
