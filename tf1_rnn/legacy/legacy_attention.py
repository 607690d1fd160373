"""``attention_decoder`` of ``tf.contrib.legacy_seq2seq`` (TF 1.15), and the linear map it is built from.

The attention of Vinyals et al., 2015 ("Grammar as a Foreign Language", arXiv:1412.7449). For
attention states ``h_j`` [batch, attn_length, attn_size], each head reads, after every cell step,

    score_j = v . tanh(W1 h_j + W2 query + b)      query: the cell's new state (an LSTM's c and h side by side)
    a       = softmax(score)                       [batch, attn_length]
    read    = sum_j a_j h_j                        [batch, attn_size]

and a step runs ``cell(linear([input] + previous reads), state)``, then outputs
``linear([cell output] + new reads)``. Variables, as TF 1.15 names them, in the decoder's scope
(``attention_decoder`` unless given):

    AttnW_<head>  [1, 1, attn_size, attn_size]   W1, applied as a 1x1 convolution
    AttnV_<head>  [attn_size]                     v
    kernel, bias                                  the merge of input and reads (in the scope itself)
    Attention_<head>/{kernel, bias}               W2 and b
    AttnOutputProjection/{kernel, bias}           the output
    <cell's own scope>/...                        the cell's weights

TF 0.x and 1.0 named each linear map's variables ``Linear/Matrix`` and ``Linear/Bias``; those
names are not provided (nor are 0.x's cell names), so 0.x checkpoints do not load. TF 0.x also
merged the input into ``cell.input_size`` columns and needed a static ``attn_length``; here, as
in 1.x, the merge keeps the input's width and ``attn_length`` may be known only when the graph runs.
"""
from tf1_rnn.compat import tf as v1

nest = v1.nest


def linear(args, output_size, what="linear"):
    """TF 1.15's ``Linear`` with a bias: ``concat(args, 1) @ kernel + bias`` in the current variable scope.

    ``kernel`` takes the scope's initializer (glorot_uniform by default); ``bias`` starts at zero.
    """
    args = list(args) if isinstance(args, (list, tuple)) else [args]
    widths = [arg.shape.with_rank(2)[1] for arg in args]
    if any(width is None for width in widths):
        raise ValueError(f"{what}: every input needs a static last dimension, got shapes "
                         f"{[arg.shape.as_list() for arg in args]}")
    dtype = args[0].dtype
    kernel = v1.get_variable("kernel", [sum(widths), output_size], dtype=dtype)
    bias = v1.get_variable("bias", [output_size], dtype=dtype, initializer=v1.constant_initializer(0.0, dtype=dtype))
    merged = args[0] if len(args) == 1 else v1.concat(args, 1)  # [batch, sum(widths)]
    return v1.nn.bias_add(v1.matmul(merged, kernel), bias)


class AttentionHeads:
    """The ``num_heads`` heads over ``attention_states``; makes ``AttnW_<h>`` and ``AttnV_<h>`` when built."""

    def __init__(self, attention_states, num_heads, dtype):
        self.dtype = dtype
        self.size = int(attention_states.shape[2])
        length = attention_states.shape[1]
        self.length = int(length) if length is not None else v1.shape(attention_states)[1]
        self.hidden = v1.reshape(attention_states, [-1, self.length, 1, self.size])  # [batch, length, 1, size]
        self.features, self.vectors = [], []
        for head in range(num_heads):
            w1 = v1.get_variable(f"AttnW_{head}", [1, 1, self.size, self.size], dtype=dtype)
            # W1 h_j for every j: [batch, length, 1, size]
            self.features.append(v1.nn.conv2d(self.hidden, w1, [1, 1, 1, 1], "SAME"))
            self.vectors.append(v1.get_variable(f"AttnV_{head}", [self.size], dtype=dtype))

    def read(self, query):
        """``(weights, reads)``: per head, ``a`` [batch, attn_length] and the read [batch, attn_size]."""
        if nest.is_nested(query):  # an LSTM's (c, h), or a stack's states: one query vector
            query = v1.concat(nest.flatten(query), 1)
        weights, reads = [], []
        for head, (features, v) in enumerate(zip(self.features, self.vectors)):
            with v1.variable_scope(f"Attention_{head}"):
                projected = v1.reshape(linear(query, self.size, "attention_decoder"), [-1, 1, 1, self.size])
                projected = v1.cast(projected, self.dtype)
                scores = v1.reduce_sum(v * v1.tanh(features + projected), [2, 3])  # [batch, length]
                a = v1.cast(v1.nn.softmax(v1.cast(scores, v1.float32)), self.dtype)  # float32 softmax, as TF 1.15
                read = v1.reduce_sum(v1.reshape(a, [-1, self.length, 1, 1]) * self.hidden, [1, 2])
            weights.append(a)
            reads.append(v1.reshape(read, [-1, self.size]))  # [batch, size]
        return weights, reads


def _check_attention_inputs(decoder_inputs, attention_states, num_heads):
    """One ValueError line for what TF 1.x refused, or would have failed on deep inside."""
    if not decoder_inputs:
        raise ValueError("attention_decoder: decoder_inputs is empty; it needs at least one step "
                         "(a [batch, input_size] tensor)")
    if num_heads < 1:
        raise ValueError(f"attention_decoder: num_heads must be at least 1, got {num_heads} "
                         "(rnn_decoder decodes without attention)")
    shape = v1.convert_to_tensor(attention_states).shape
    if shape.rank != 3:
        raise ValueError("attention_decoder: attention_states must be [batch, attn_length, attn_size], "
                         f"got shape {shape}")
    if shape[2] is None:
        raise ValueError("attention_decoder: the last dimension (attn_size) of attention_states must be known "
                         f"when the graph is built, got shape {shape}")


def attention_decoder(decoder_inputs, initial_state, attention_states, cell, output_size=None, num_heads=1,
                      loop_function=None, dtype=None, scope=None, initial_state_attention=False):
    """tf.contrib.legacy_seq2seq.attention_decoder: ``(outputs, final state)``, one output [batch, output_size] a step.

    ``loop_function(previous output, i)`` replaces step i's input for i > 0 when given. The first
    step's reads are zeros, or (``initial_state_attention``) read with ``initial_state`` as the query.
    """
    decoder_inputs = list(decoder_inputs)
    _check_attention_inputs(decoder_inputs, attention_states, num_heads)
    attention_states = v1.convert_to_tensor(attention_states)
    if output_size is None:
        output_size = cell.output_size
    with v1.variable_scope(scope or "attention_decoder", dtype=dtype) as scope:
        dtype = scope.dtype
        heads = AttentionHeads(attention_states, num_heads, dtype)
        batch_size = v1.shape(decoder_inputs[0])[0]
        reads = [v1.zeros(v1.stack([batch_size, heads.size]), dtype=dtype) for _ in range(num_heads)]
        for read in reads:
            read.set_shape([None, heads.size])
        if initial_state_attention:
            reads = heads.read(initial_state)[1]
        state, outputs, previous = initial_state, [], None
        for i, step_input in enumerate(decoder_inputs):
            if i > 0:
                v1.get_variable_scope().reuse_variables()
            if loop_function is not None and previous is not None:
                with v1.variable_scope("loop_function", reuse=True):
                    step_input = loop_function(previous, i)
            width = step_input.shape.with_rank(2)[1]
            if width is None:
                raise ValueError(f"attention_decoder: the width of decoder input {i} ({step_input.name}) must be "
                                 "known when the graph is built")
            merged = linear([v1.cast(t, dtype) for t in [step_input] + reads], width, "attention_decoder")
            cell_output, state = cell(merged, state)
            if i == 0 and initial_state_attention:  # the heads' variables exist already
                with v1.variable_scope(v1.get_variable_scope(), reuse=True):
                    reads = heads.read(state)[1]
            else:
                reads = heads.read(state)[1]
            with v1.variable_scope("AttnOutputProjection"):
                output = linear([cell_output] + reads, output_size, "attention_decoder")
            if loop_function is not None:
                previous = output
            outputs.append(output)
    return outputs, state
