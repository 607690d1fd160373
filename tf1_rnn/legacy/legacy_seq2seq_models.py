"""The decoders and models of ``tf.contrib.legacy_seq2seq`` (TF 1.15), on static lists of tensors.

Each function keeps TF 1.15's signature, defaults and variable scopes. Models whose encoder needs a
cell of its own take ``split_cell(cell) -> (encoder cell, decoder cell)`` as a keyword: how TF 1.x
(a deep copy) and 0.x (one cell object) did that is legacy_seq2seq.py's business, which binds it.

``feed_previous`` may be a Python bool or a scalar boolean tensor; for a tensor, as in TF 1.x, both
decoders are built (the feeding one first, which makes the variables) and ``tf.cond`` picks one
when the graph runs; their embeddings of fed-back symbols then get no gradient.
"""
from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy.contrib_cells import EmbeddingWrapper, OutputProjectionWrapper
from tf1_rnn.legacy.contrib_seq2seq import legacy_sequence_loss, sequence_loss_by_example
from tf1_rnn.legacy.legacy_attention import attention_decoder

nest = v1.nest


def argmax_and_embed(embedding, output_projection=None, update_embedding=True):
    """The greedy loop function: the previous output's most likely symbol (after the projection), embedded."""
    def loop_function(previous, _):
        if output_projection is not None:
            previous = v1.nn.xw_plus_b(previous, output_projection[0], output_projection[1])
        embedded = v1.nn.embedding_lookup(embedding, v1.argmax(previous, 1))  # [batch, embedding_size]
        return embedded if update_embedding else v1.stop_gradient(embedded)
    return loop_function


def check_output_projection(output_projection, num_symbols, dtype, what):
    """``output_projection`` must be ``(W [output_size, num_symbols], B [num_symbols])``."""
    if output_projection is None:
        return
    if not isinstance(output_projection, (tuple, list)) or len(output_projection) != 2:
        raise ValueError(f"{what}: output_projection must be a pair (W, B), got {output_projection!r}")
    weights, biases = (v1.convert_to_tensor(t, dtype=dtype) for t in output_projection)
    if not (weights.shape.is_compatible_with([None, num_symbols]) and biases.shape.is_compatible_with([num_symbols])):
        raise ValueError(f"{what}: output_projection must be W [output_size, {num_symbols}] and B [{num_symbols}] "
                         f"for {num_symbols} symbols, got W {weights.shape} and B {biases.shape}")


def _decode(feed_previous, decode, what):
    """``decode(feeding, update_embedding)`` for a bool ``feed_previous``; for a tensor, both ways under
    ``tf.cond``, where TF 1.x kept fed-back symbols' embeddings out of the gradient."""
    if isinstance(feed_previous, bool):
        return decode(feed_previous, True)
    feed_previous = v1.convert_to_tensor(feed_previous)
    if feed_previous.dtype != v1.bool or feed_previous.shape.rank not in (0, None):
        raise ValueError(f"{what}: feed_previous must be a Python bool or a scalar boolean tensor, "
                         f"got {feed_previous.dtype.name} of shape {feed_previous.shape}")
    state_structure = []

    def branch(feeding):
        with v1.variable_scope(v1.get_variable_scope(), reuse=None if feeding else True):
            outputs, state = decode(feeding, False)
        state_structure[:] = [state]
        return list(outputs) + nest.flatten(state)  # cond returns flat lists

    chosen = v1.cond(feed_previous, lambda: branch(True), lambda: branch(False))
    steps = len(chosen) - len(nest.flatten(state_structure[0]))
    return chosen[:steps], nest.pack_sequence_as(state_structure[0], chosen[steps:])


def _like_cell(cell):
    return callable(cell) and hasattr(cell, "state_size") and hasattr(cell, "output_size")


def _python_bool(feed_previous, what):
    if not isinstance(feed_previous, bool):
        raise ValueError(f"{what}: feed_previous must be a Python bool here (the *_seq2seq models also take a "
                         f"boolean tensor), got {feed_previous!r}")
    return feed_previous


def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None):
    """tf.contrib.legacy_seq2seq.rnn_decoder: ``(outputs, final state)``; scope ``rnn_decoder``."""
    with v1.variable_scope(scope or "rnn_decoder") as decoder_scope:
        if loop_function is None and decoder_inputs:
            # static_rnn steps the cell exactly as this loop does, in this scope; under the runner it
            # may run the whole sequence on the compiled kernel (legacy/accelerate.py)
            return v1.nn.static_rnn(cell, list(decoder_inputs), initial_state=initial_state, scope=decoder_scope)
        state, outputs, previous = initial_state, [], None
        for i, step_input in enumerate(decoder_inputs):
            if loop_function is not None and previous is not None:
                with v1.variable_scope("loop_function", reuse=True):
                    step_input = loop_function(previous, i)
            if i > 0:
                v1.get_variable_scope().reuse_variables()
            output, state = cell(step_input, state)
            outputs.append(output)
            if loop_function is not None:
                previous = output
    return outputs, state


def basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, dtype=v1.float32, scope=None, *, split_cell):
    """The encoder's final state starts the decoder; separate weights (``rnn/`` and ``rnn_decoder/``)."""
    with v1.variable_scope(scope or "basic_rnn_seq2seq"):
        encoder_cell, cell = split_cell(cell)
        _, encoder_state = v1.nn.static_rnn(encoder_cell, encoder_inputs, dtype=dtype)
        return rnn_decoder(decoder_inputs, encoder_state, cell)


def tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, loop_function=None, dtype=v1.float32, scope=None):
    """Encoder and decoder share one set of weights, in ``combined_tied_rnn_seq2seq/<scope or tied_rnn_seq2seq>``."""
    with v1.variable_scope("combined_tied_rnn_seq2seq"):
        scope = scope or "tied_rnn_seq2seq"
        _, encoder_state = v1.nn.static_rnn(cell, encoder_inputs, dtype=dtype, scope=scope)
        v1.get_variable_scope().reuse_variables()
        return rnn_decoder(decoder_inputs, encoder_state, cell, loop_function=loop_function, scope=scope)


def embedding_rnn_decoder(decoder_inputs, initial_state, cell, num_symbols, embedding_size, output_projection=None,
                          feed_previous=False, update_embedding_for_previous=True, scope=None):
    """rnn_decoder on symbols [batch] embedded by ``<scope or embedding_rnn_decoder>/embedding``."""
    with v1.variable_scope(scope or "embedding_rnn_decoder") as scope:
        check_output_projection(output_projection, num_symbols, scope.dtype, "embedding_rnn_decoder")
        embedding = v1.get_variable("embedding", [num_symbols, embedding_size])
        loop_function = None
        if _python_bool(feed_previous, "embedding_rnn_decoder"):
            loop_function = argmax_and_embed(embedding, output_projection, update_embedding_for_previous)
        embedded = [v1.nn.embedding_lookup(embedding, symbols) for symbols in decoder_inputs]
        return rnn_decoder(embedded, initial_state, cell, loop_function=loop_function)


def embedding_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols, num_decoder_symbols,
                          embedding_size, output_projection=None, feed_previous=False, dtype=None, scope=None, *,
                          split_cell):
    """Embedded encoder (``rnn/embedding_wrapper``), embedded decoder, logits unless ``output_projection``."""
    with v1.variable_scope(scope or "embedding_rnn_seq2seq", dtype=dtype) as scope:
        encoder_cell, cell = split_cell(cell)
        encoder = EmbeddingWrapper(encoder_cell, embedding_classes=num_encoder_symbols, embedding_size=embedding_size)
        _, encoder_state = v1.nn.static_rnn(encoder, encoder_inputs, dtype=scope.dtype)
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)

        def decode(feeding, update_embedding):
            return embedding_rnn_decoder(decoder_inputs, encoder_state, cell, num_decoder_symbols, embedding_size,
                                         output_projection, feeding, update_embedding)
        return _decode(feed_previous, decode, "embedding_rnn_seq2seq")


def embedding_tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, num_symbols, embedding_size,
                               num_decoder_symbols=None, output_projection=None, feed_previous=False, dtype=None,
                               scope=None):
    """One embedding and one set of cell weights for both sides (tied_rnn_seq2seq on embedded symbols)."""
    with v1.variable_scope(scope or "embedding_tied_rnn_seq2seq", dtype=dtype) as scope:
        dtype = scope.dtype
        check_output_projection(output_projection, num_symbols, dtype, "embedding_tied_rnn_seq2seq")
        embedding = v1.get_variable("embedding", [num_symbols, embedding_size], dtype=dtype)
        embedded_encoder = [v1.nn.embedding_lookup(embedding, symbols) for symbols in encoder_inputs]
        embedded_decoder = [v1.nn.embedding_lookup(embedding, symbols) for symbols in decoder_inputs]
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols or num_symbols)

        def decode(feeding, update_embedding):
            loop_function = argmax_and_embed(embedding, output_projection, update_embedding) if feeding else None
            return tied_rnn_seq2seq(embedded_encoder, embedded_decoder, cell, loop_function=loop_function, dtype=dtype)
        return _decode(feed_previous, decode, "embedding_tied_rnn_seq2seq")


def embedding_attention_decoder(decoder_inputs, initial_state, attention_states, cell, num_symbols, embedding_size,
                                num_heads=1, output_size=None, output_projection=None, feed_previous=False,
                                update_embedding_for_previous=True, dtype=None, scope=None,
                                initial_state_attention=False):
    """attention_decoder on symbols embedded by ``<scope or embedding_attention_decoder>/embedding``."""
    if output_size is None:
        output_size = cell.output_size
    check_output_projection(output_projection, num_symbols, dtype, "embedding_attention_decoder")
    with v1.variable_scope(scope or "embedding_attention_decoder", dtype=dtype):
        embedding = v1.get_variable("embedding", [num_symbols, embedding_size])
        loop_function = None
        if _python_bool(feed_previous, "embedding_attention_decoder"):
            loop_function = argmax_and_embed(embedding, output_projection, update_embedding_for_previous)
        embedded = [v1.nn.embedding_lookup(embedding, symbols) for symbols in decoder_inputs]
        return attention_decoder(embedded, initial_state, attention_states, cell, output_size=output_size,
                                 num_heads=num_heads, loop_function=loop_function,
                                 initial_state_attention=initial_state_attention)


def embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols, num_decoder_symbols,
                                embedding_size, encoder_cell=None, num_heads=1, output_projection=None,
                                feed_previous=False, dtype=None, scope=None, initial_state_attention=False, *,
                                split_cell):
    """The embedded encoder's outputs are the attention states of an embedding_attention_decoder."""
    if encoder_cell is not None and not _like_cell(encoder_cell):
        raise ValueError(f"embedding_attention_seq2seq: encoder_cell (the 7th argument) must be an RNNCell, got "
                         f"{encoder_cell!r}; TF 1.0 and 0.x had num_heads there: pass num_heads=... by name")
    with v1.variable_scope(scope or "embedding_attention_seq2seq", dtype=dtype) as scope:
        dtype = scope.dtype
        if encoder_cell is None:
            encoder_cell, cell = split_cell(cell)
        encoder = EmbeddingWrapper(encoder_cell, embedding_classes=num_encoder_symbols, embedding_size=embedding_size)
        encoder_outputs, encoder_state = v1.nn.static_rnn(encoder, encoder_inputs, dtype=dtype)
        attention_states = v1.stack(encoder_outputs, axis=1)  # [batch, encoder steps, cell.output_size]
        output_size = None
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
            output_size = num_decoder_symbols

        def decode(feeding, update_embedding):
            return embedding_attention_decoder(
                decoder_inputs, encoder_state, attention_states, cell, num_decoder_symbols, embedding_size,
                num_heads=num_heads, output_size=output_size, output_projection=output_projection,
                feed_previous=feeding, update_embedding_for_previous=update_embedding,
                initial_state_attention=initial_state_attention)
        return _decode(feed_previous, decode, "embedding_attention_seq2seq")


def one2many_rnn_seq2seq(encoder_inputs, decoder_inputs_dict, enc_cell, dec_cells_dict, num_encoder_symbols,
                         num_decoder_symbols_dict, embedding_size, feed_previous=False, dtype=None, scope=None):
    """One embedded encoder, an embedded decoder per name (``one2many_decoder_<name>``); ``(outputs, states)`` dicts."""
    for cell in [enc_cell, *dec_cells_dict.values()]:
        if not _like_cell(cell):
            raise TypeError(f"one2many_rnn_seq2seq: enc_cell and the values of dec_cells_dict must be RNNCells, "
                            f"got {type(cell).__name__}")
    if set(dec_cells_dict) != set(decoder_inputs_dict):
        raise ValueError(f"one2many_rnn_seq2seq: dec_cells_dict and decoder_inputs_dict must have the same keys, "
                         f"got {sorted(map(str, dec_cells_dict))} and {sorted(map(str, decoder_inputs_dict))}")
    outputs_dict, state_dict = {}, {}
    with v1.variable_scope(scope or "one2many_rnn_seq2seq", dtype=dtype) as scope:
        encoder = EmbeddingWrapper(enc_cell, embedding_classes=num_encoder_symbols, embedding_size=embedding_size)
        _, encoder_state = v1.nn.static_rnn(encoder, encoder_inputs, dtype=scope.dtype)
        for name, decoder_inputs in decoder_inputs_dict.items():
            num_symbols = num_decoder_symbols_dict[name]
            with v1.variable_scope(f"one2many_decoder_{name}"):
                cell = OutputProjectionWrapper(dec_cells_dict[name], num_symbols)

                def decode(feeding, _, decoder_inputs=decoder_inputs, cell=cell, num_symbols=num_symbols):
                    return embedding_rnn_decoder(decoder_inputs, encoder_state, cell, num_symbols, embedding_size,
                                                 feed_previous=feeding)  # TF 1.x kept the embedding's gradient here
                outputs_dict[name], state_dict[name] = _decode(feed_previous, decode, "one2many_rnn_seq2seq")
    return outputs_dict, state_dict


def model_with_buckets(encoder_inputs, decoder_inputs, targets, weights, buckets, seq2seq, softmax_loss_function=None,
                       per_example_loss=False, name=None):
    """``seq2seq(encoder_inputs[:n], decoder_inputs[:m])`` for each bucket (n, m), all on one set of
    variables: ``(outputs per bucket, loss per bucket)``; a loss is a scalar, or [batch] if ``per_example_loss``."""
    _check_buckets(encoder_inputs, targets, weights, buckets)
    losses, outputs = [], []
    with v1.name_scope(name, "model_with_buckets", encoder_inputs + decoder_inputs + targets + weights):
        for j, (encoder_size, decoder_size) in enumerate(buckets):
            with v1.variable_scope(v1.get_variable_scope(), reuse=True if j > 0 else None):
                bucket_outputs, _ = seq2seq(encoder_inputs[:encoder_size], decoder_inputs[:decoder_size])
                outputs.append(bucket_outputs)
                loss = sequence_loss_by_example if per_example_loss else legacy_sequence_loss
                losses.append(loss(bucket_outputs, targets[:decoder_size], weights[:decoder_size],
                                   softmax_loss_function=softmax_loss_function))
    return outputs, losses


def _check_buckets(encoder_inputs, targets, weights, buckets):
    if not buckets or not all(len(bucket) == 2 for bucket in buckets):
        raise ValueError(f"model_with_buckets: buckets must be a non-empty list of (encoder size, decoder size) "
                         f"pairs, got {buckets!r}")
    encoder_size, decoder_size = buckets[-1]
    for what, given, wanted in (("encoder_inputs", encoder_inputs, encoder_size), ("targets", targets, decoder_size),
                                ("weights", weights, decoder_size)):
        if len(given) < wanted:
            raise ValueError(f"model_with_buckets: {what} has {len(given)} steps, fewer than the last bucket's "
                             f"{wanted} (the last bucket must be the largest)")
