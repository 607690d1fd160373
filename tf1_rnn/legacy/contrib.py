"""``tf.contrib`` on today's TensorFlow: the parts tutorials used, through their successors.

``tf.contrib.rnn``: the legacy cells and static RNNs (tf-keras's ``tf.nn.rnn_cell``), the block
cells on TensorFlow's fused kernels (block_cells.py), LayerNormBasicLSTMCell and the projection
and embedding wrappers (contrib_cells.py), the research cells (RESEARCH_CELLS); ``tf.contrib.cudnn_rnn``
on its compatible cells (cudnn_rnn.py), and the stacked bidirectional RNNs below, all with
TF 1.x's variable names. ``tf.contrib.{layers,slim,framework,losses,metrics}``: tf-slim
(contrib_layers.py). ``tf.contrib.seq2seq``: helpers, decoders, beam search and attention
(contrib_seq2seq.py); ``legacy_seq2seq`` in full (legacy_seq2seq.py). What has no port keeps its
one-line error (legacy/namespace.py).
"""
from tf1_rnn.compat import legacy_rnn_cells, tf as v1
from tf1_rnn.legacy import (block_cells, contrib_cells, contrib_conv_cells, contrib_grid_cells, contrib_layers,
                            contrib_phased_lstm, contrib_rnn_cells, contrib_rnn_wrappers, contrib_seq2seq, cudnn_rnn,
                            legacy_seq2seq, tf0_rnn)
from tf1_rnn.legacy.namespace import module

CELL_NAMES = ["BasicLSTMCell", "LSTMCell", "GRUCell", "BasicRNNCell", "MultiRNNCell", "DropoutWrapper",
              "LSTMStateTuple", "RNNCell", "ResidualWrapper", "DeviceWrapper"]
BLOCK_CELL_NAMES = ["LSTMBlockCell", "LSTMBlockFusedCell", "GRUBlockCell", "GRUBlockCellV2"]
PYTHON_CELL_NAMES = ["LayerNormBasicLSTMCell", "OutputProjectionWrapper", "InputProjectionWrapper",
                     "EmbeddingWrapper"]
RESEARCH_CELLS = {  # TF 1.x contrib.rnn's other cells, by the module that ports them
    contrib_rnn_cells: ["CoupledInputForgetGateLSTMCell", "NASCell", "UGRNNCell", "IntersectionRNNCell", "GLSTMCell"],
    contrib_phased_lstm: ["PhasedLSTMCell"],
    contrib_rnn_wrappers: ["AttentionCellWrapper", "HighwayWrapper"],
    contrib_conv_cells: ["ConvLSTMCell", "Conv1DLSTMCell", "Conv2DLSTMCell", "Conv3DLSTMCell"],
    contrib_grid_cells: ["GridLSTMCell", "TimeFreqLSTMCell", "BidirectionalGridLSTMCell"],
}


def stack_bidirectional_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None, initial_states_bw=None,
                            dtype=None, sequence_length=None, scope=None):
    """tf.contrib.rnn's stacked static BiRNN: each layer reads the previous layer's outputs.

    Variables: ``<scope or stack_bidirectional_rnn>/cell_<i>/{fw,bw}/...``, as in TF 1.x.
    """
    layers = _stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw, layer = [], [], inputs
    with v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw, initial_fw, initial_bw) in enumerate(layers):
            with v1.variable_scope(f"cell_{i}") as cell_scope:
                layer, state_fw, state_bw = v1.nn.static_bidirectional_rnn(
                    cell_fw, cell_bw, layer, initial_state_fw=initial_fw, initial_state_bw=initial_bw,
                    dtype=dtype, sequence_length=sequence_length, scope=cell_scope)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None, initial_states_bw=None,
                                    dtype=None, sequence_length=None, parallel_iterations=None,
                                    time_major=False, scope=None, swap_memory=False):
    """tf.contrib.rnn's stacked dynamic BiRNN; outputs concatenated on the last axis per layer.

    Variables: ``<scope>/cell_<i>/bidirectional_rnn/{fw,bw}/...``, as in TF 1.x.
    """
    layers = _stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw, layer = [], [], inputs
    with v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw, initial_fw, initial_bw) in enumerate(layers):
            with v1.variable_scope(f"cell_{i}"):
                outputs, (state_fw, state_bw) = v1.nn.bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, layer, initial_state_fw=initial_fw, initial_state_bw=initial_bw,
                    sequence_length=sequence_length, parallel_iterations=parallel_iterations,
                    dtype=dtype, swap_memory=swap_memory, time_major=time_major)
                layer = v1.concat(outputs, 2)  # [batch, time, fw + bw]
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer, tuple(states_fw), tuple(states_bw)


def _stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw):
    """Checked (cell_fw, cell_bw, initial_fw, initial_bw) per layer; a missing initial state is None."""
    if not cells_fw or not cells_bw:
        raise ValueError("stack_bidirectional_rnn needs at least one forward and one backward cell")
    if not isinstance(cells_fw, list) or not isinstance(cells_bw, list):
        raise ValueError("cells_fw and cells_bw must be lists of RNNCells (one per layer)")
    if len(cells_fw) != len(cells_bw):
        raise ValueError("forward and backward cells must have the same depth")
    none = [None] * len(cells_fw)
    return list(zip(cells_fw, cells_bw, initial_states_fw or none, initial_states_bw or none))


RNN_INTERNAL = ["core_rnn_cell", "core_rnn_cell_impl", "core_rnn", "rnn_cell", "rnn", "lstm_ops", "gru_ops"]


def _rnn_internal_modules(rnn):
    """TF 1.x's own module paths under ``tensorflow.contrib.rnn.python.ops`` (``from ...core_rnn_cell
    import *``): each is contrib.rnn itself, which holds what any of them held."""
    ops = module("tensorflow.contrib.rnn.python.ops", **{name: rnn for name in RNN_INTERNAL})
    python = module("tensorflow.contrib.rnn.python", ops=ops)
    rnn.provide(python=python)
    return {"tensorflow.contrib.rnn.python": python, "tensorflow.contrib.rnn.python.ops": ops,
            **{f"tensorflow.contrib.rnn.python.ops.{name}": rnn for name in RNN_INTERNAL}}


def modules(two_value_decode=False):
    """{module name: namespace} for ``tensorflow.contrib`` and the parts provided here.

    ``two_value_decode``: ``seq2seq.dynamic_decode`` returns (outputs, state), as TF 1.0-1.1 did.
    """
    rnn_cell = legacy_rnn_cells()
    rnn = module("tensorflow.contrib.rnn", **{name: getattr(rnn_cell, name) for name in CELL_NAMES},
                 **{name: getattr(block_cells, name) for name in BLOCK_CELL_NAMES},
                 **{name: getattr(contrib_cells, name) for name in PYTHON_CELL_NAMES},
                 LayerRNNCell=block_cells.LayerRNNCell,
                 static_rnn=v1.nn.static_rnn, static_bidirectional_rnn=v1.nn.static_bidirectional_rnn,
                 static_state_saving_rnn=v1.nn.static_state_saving_rnn,
                 stack_bidirectional_rnn=stack_bidirectional_rnn,
                 stack_bidirectional_dynamic_rnn=stack_bidirectional_dynamic_rnn)
    # MultiRNNCell([cell] * n): each layer its own weights, as TF 1.0 gave (today's cells would share one set)
    rnn.provide(MultiRNNCell=tf0_rnn.cell_classes(state_is_tuple=True)["MultiRNNCell"])
    rnn.provide(**{name: getattr(part, name) for part, names in RESEARCH_CELLS.items() for name in names})
    # legacy_seq2seq: TF 1.1+ deep-copied the cell for the encoder (legacy_seq2seq.py says how 0.x differed)
    parts = {"tensorflow.contrib.rnn": rnn, **contrib_layers.modules(), **contrib_seq2seq.modules(two_value_decode),
             **cudnn_rnn.modules(),
             "tensorflow.contrib.legacy_seq2seq": legacy_seq2seq.module("tensorflow.contrib.legacy_seq2seq",
                                                                        copy_encoder_cell=True)}
    parts.update(contrib_seq2seq.internal_modules(parts["tensorflow.contrib.seq2seq"],
                                                  parts["tensorflow.contrib.legacy_seq2seq"]))
    parts.update(_rnn_internal_modules(rnn))
    # tf.contrib.rnn, .layers, .slim, ...: the parts one level down (slim.nets hangs off slim)
    contrib = module("tensorflow.contrib", **{name.split(".")[2]: part for name, part in parts.items()
                                              if name.count(".") == 2})
    return {"tensorflow.contrib": contrib, **parts}
