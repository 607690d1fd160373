"""The sequence losses of ``tf.contrib.seq2seq`` and ``tf.contrib.legacy_seq2seq``.

Char-RNN and language-model tutorials of the TF 1.x years trained with these two functions
and nothing else from their modules; the decoders, attention and beam search are not ported
(each one a one-line error naming it). Semantics are TF 1.x's: a weighted cross-entropy per
time step, averaged over the weights (plus 1e-12, so an all-zero weight row gives 0, not NaN).
"""
from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy.namespace import module

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


def modules():
    """``tensorflow.contrib.seq2seq`` and ``tensorflow.contrib.legacy_seq2seq`` with their losses."""
    return {"tensorflow.contrib.seq2seq": module("tensorflow.contrib.seq2seq", sequence_loss=sequence_loss),
            "tensorflow.contrib.legacy_seq2seq": module(
                "tensorflow.contrib.legacy_seq2seq", sequence_loss=legacy_sequence_loss,
                sequence_loss_by_example=sequence_loss_by_example)}
