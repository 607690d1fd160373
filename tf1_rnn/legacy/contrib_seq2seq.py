"""``tf.contrib.seq2seq`` (decoders, helpers, beam search, sequence_loss) and the sequence losses of
``tf.contrib.legacy_seq2seq``.

The decoder API lives in seq2seq_helpers.py, seq2seq_decoder.py and seq2seq_beam.py; this module
holds the losses and assembles the namespaces. Char-RNN and language-model tutorials of the TF 1.x
years trained with the two losses; their semantics are TF 1.x's: a weighted cross-entropy per time
step, averaged over the weights (plus 1e-12, so an all-zero weight row gives 0, not NaN).
"""
from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy import seq2seq_attention, seq2seq_beam, seq2seq_decoder, seq2seq_helpers
from tf1_rnn.legacy.namespace import module

HELPER_NAMES = ["Helper", "CustomHelper", "TrainingHelper", "GreedyEmbeddingHelper", "SampleEmbeddingHelper",
                "ScheduledEmbeddingTrainingHelper", "ScheduledOutputTrainingHelper", "InferenceHelper"]
DECODER_NAMES = ["Decoder", "BasicDecoder", "BasicDecoderOutput", "dynamic_decode"]
BEAM_NAMES = ["BeamSearchDecoder", "BeamSearchDecoderOutput", "BeamSearchDecoderState",
              "FinalBeamSearchDecoderOutput", "tile_batch", "gather_tree"]

TINY = 1e-12  # keeps an all-zero weight row at 0 instead of 0/0


def _crossent(softmax_loss_function, labels, logits):
    if softmax_loss_function is None:
        return v1.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return softmax_loss_function(labels=labels, logits=logits)


def sequence_loss(logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                  softmax_loss_function=None, name=None, sum_over_timesteps=False, sum_over_batch=False):
    """tf.contrib.seq2seq.sequence_loss: logits [batch, time, classes], targets and weights [batch, time].

    ``average_across_*`` divide a sum by the sum of the weights; ``sum_over_*`` (TF 1.8) by the
    number of non-zero weights. The loss keeps the axes neither averages nor sums.
    """
    if (average_across_timesteps and sum_over_timesteps) or (average_across_batch and sum_over_batch):
        raise ValueError("average_across_* and sum_over_* cannot both be set for one axis")
    with v1.name_scope(name, "sequence_loss", [logits, targets, weights]):
        classes = v1.shape(logits)[2]
        flat = _crossent(softmax_loss_function, v1.reshape(targets, [-1]), v1.reshape(logits, [-1, classes]))
        crossent = v1.reshape(flat * v1.reshape(v1.cast(weights, flat.dtype), [-1]), v1.shape(targets))
        weights = v1.cast(weights, crossent.dtype)
        axes = [axis for axis, on in ((0, average_across_batch or sum_over_batch),
                                      (1, average_across_timesteps or sum_over_timesteps)) if on]
        if not axes:
            return crossent
        if sum_over_batch or sum_over_timesteps:
            total = v1.reduce_sum(v1.cast(v1.not_equal(weights, 0.0), crossent.dtype), axis=axes)
        else:
            total = v1.reduce_sum(weights, axis=axes)
        return v1.reduce_sum(crossent, axis=axes) / (total + TINY)


def sequence_loss_by_example(logits, targets, weights, average_across_timesteps=True,
                             softmax_loss_function=None, name=None):
    """tf.contrib.legacy_seq2seq: lists (one entry per time step) in, a loss per example [batch] out."""
    if not len(logits) == len(targets) == len(weights):
        raise ValueError(f"logits, targets and weights must have one entry per time step, got "
                         f"{len(logits)}, {len(targets)} and {len(weights)}")
    with v1.name_scope(name, "sequence_loss_by_example", logits + targets + weights):
        per_step = [_crossent(softmax_loss_function, v1.reshape(target, [-1]), logit) * weight
                    for logit, target, weight in zip(logits, targets, weights)]
        log_perplexities = v1.add_n(per_step)
        if average_across_timesteps:
            log_perplexities /= v1.add_n(weights) + TINY
        return log_perplexities


def legacy_sequence_loss(logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                         softmax_loss_function=None, name=None):
    """tf.contrib.legacy_seq2seq.sequence_loss: the per-example losses summed, over the batch size if asked."""
    with v1.name_scope(name, "sequence_loss", logits + targets + weights):
        cost = v1.reduce_sum(sequence_loss_by_example(logits, targets, weights, average_across_timesteps,
                                                      softmax_loss_function))
        if average_across_batch:
            return cost / v1.cast(v1.shape(targets[0])[0], cost.dtype)
        return cost


def internal_modules(seq2seq, legacy):
    """TF 1.x's own module paths under ``tensorflow.contrib.{seq2seq,legacy_seq2seq}.python.ops``,
    which programs imported directly (``from ...python.ops import attention_wrapper``)."""
    ops = {"attention_wrapper": seq2seq_attention.__all__ + seq2seq_attention.PRIVATE_NAMES,
           "helper": HELPER_NAMES, "basic_decoder": ["BasicDecoder", "BasicDecoderOutput"],
           "decoder": ["Decoder", "dynamic_decode"], "beam_search_decoder": BEAM_NAMES, "loss": ["sequence_loss"]}
    lookup = {**vars(seq2seq_attention), **seq2seq._overrides}
    found = {f"tensorflow.contrib.seq2seq.python.ops.{name}": module(
        f"tensorflow.contrib.seq2seq.python.ops.{name}", **{n: lookup[n] for n in names if n in lookup})
        for name, names in ops.items()}
    found["tensorflow.contrib.seq2seq.python.ops"] = module(
        "tensorflow.contrib.seq2seq.python.ops", **{name.rpartition(".")[2]: part for name, part in found.items()})
    found["tensorflow.contrib.seq2seq.python"] = module("tensorflow.contrib.seq2seq.python",
                                                        ops=found["tensorflow.contrib.seq2seq.python.ops"])
    legacy_ops = module("tensorflow.contrib.legacy_seq2seq.python.ops", seq2seq=legacy)
    found.update({"tensorflow.contrib.legacy_seq2seq.python.ops.seq2seq": legacy,
                  "tensorflow.contrib.legacy_seq2seq.python.ops": legacy_ops,
                  "tensorflow.contrib.legacy_seq2seq.python": module("tensorflow.contrib.legacy_seq2seq.python",
                                                                     ops=legacy_ops)})
    seq2seq.provide(python=found["tensorflow.contrib.seq2seq.python"])
    legacy.provide(python=found["tensorflow.contrib.legacy_seq2seq.python"])
    return found


def _two_values(dynamic_decode):
    """TF 1.0-1.1's dynamic_decode: (outputs, state), before 1.2 added the sequence lengths."""
    def decode(*args, **kwargs):
        return dynamic_decode(*args, **kwargs)[:2]
    return decode


def modules(two_value_decode=False):
    """``tensorflow.contrib.seq2seq`` (``tensorflow.contrib.legacy_seq2seq`` is legacy_seq2seq.module's)."""
    seq2seq = {**{name: getattr(seq2seq_helpers, name) for name in HELPER_NAMES},
               **{name: getattr(seq2seq_decoder, name) for name in DECODER_NAMES},
               **{name: getattr(seq2seq_beam, name) for name in BEAM_NAMES},
               **{name: getattr(seq2seq_attention, name) for name in seq2seq_attention.__all__}}
    if two_value_decode:
        seq2seq["dynamic_decode"] = _two_values(seq2seq["dynamic_decode"])
    return {"tensorflow.contrib.seq2seq": module("tensorflow.contrib.seq2seq", sequence_loss=sequence_loss, **seq2seq)}
