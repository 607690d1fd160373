"""Test-set evaluation: the subsets the tutorials reported on, the final lines, ``--evaluate``.

A model is evaluated through its inference graph (built with ``training=False``: no gradient
or optimizer work; see ``train.inference_model``) in chunks of ``EVAL_CHUNK`` images. The chunk
size stays 1000: larger chunks gave the same logits but no measurable speed on 2 CPU cores,
and the chunk-weighted mean keeps every number the earlier runs recorded.
"""
import numpy as np

from tf1_rnn.training import checkpoints
from tf1_rnn.compat import tf
from tf1_rnn.data.idx import DataError

EVAL_CHUNK = 1000  # test images per session.run: bounds memory, same mean as one big batch


def check_test_subsets(cfg, test):
    """Raise DataError now if the tutorial's or the evaluation's subset exceeds the test set."""
    for spec in (cfg.TEST_SUBSET, cfg.eval_subset):
        count = spec.partition(":")[2]
        if count and int(count) > test.num_examples:
            raise DataError(f"test subset {spec} asks for {count} images, the test set has {test.num_examples}")


def test_subset(test, spec):
    """(images, labels) of the test set a spec names: full, head:N or draw:N."""
    kind, _, count = spec.partition(":")
    if kind == "full":
        return test.images, test.labels
    if kind == "head":
        return test.images[:int(count)], test.labels[:int(count)]
    return test.next_batch(int(count))  # draw: as mnist.test.next_batch(N) did, once per run


def evaluate(sess, model, images, labels):
    """Example-weighted mean accuracy and loss over ``images``, in chunks."""
    totals = np.zeros(2)
    for start in range(0, len(images), EVAL_CHUNK):
        chunk = slice(start, start + EVAL_CHUNK)
        values = sess.run([model.accuracy, model.loss],
                          model.feed(images[chunk], labels[chunk], training=False))
        totals += np.array(values) * len(images[chunk])
    accuracy, loss = totals / len(images)
    return float(accuracy), float(loss)


def report(cfg, data, tutorial, full, log):
    """The final lines and their metrics; ``tutorial`` and ``full`` are (accuracy, loss) pairs.

    ``tutorial`` is on the test subset the author reported on (``cfg.TEST_SUBSET``); ``full`` on
    the whole test set (the same pair when that subset is the whole set).
    """
    log(f"Testing Accuracy: {tutorial[0]:.4f}" + ("" if cfg.TEST_SUBSET == "full"
                                                  else f"  ({cfg.TEST_SUBSET} of the test set)"))
    if cfg.TEST_SUBSET != "full":
        log(f"Full test set ({data.test.num_examples} images): {full[0]:.4f}")
    return {"test_accuracy": tutorial[0], "test_loss": tutorial[1], "test_subset": cfg.TEST_SUBSET,
            "full_test_accuracy": full[0], "full_test_loss": full[1]}


def final_report(sess, model, cfg, data, tutorial_set, log, tutorial=None):
    """Evaluate (unless ``tutorial`` was already measured on ``tutorial_set``) and report."""
    if tutorial is None:
        tutorial = evaluate(sess, model, *tutorial_set)
    full = tutorial if cfg.TEST_SUBSET == "full" else evaluate(sess, model, data.test.images, data.test.labels)
    return report(cfg, data, tutorial, full, log)


def _restored(build_model, cfg, data, restore, log):
    """Build the inference graph, let ``restore(sess)`` fill it and name it, then report."""
    tutorial_set = test_subset(data.test, cfg.TEST_SUBSET)  # drawn first, as in training
    graph = tf.Graph()
    with graph.as_default():
        model = build_model(cfg, training=False)
        init = tf.global_variables_initializer()
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        step = restore(sess)
        return {**final_report(sess, model, cfg, data, tutorial_set, log), "step": step}


def evaluate_checkpoint(build_model, cfg, run_dir, data, log=print, warn=print):
    """Restore ``run_dir``'s newest checkpoint that restores into a fresh graph and test it."""
    def restore(sess):
        with sess.graph.as_default():
            saver = tf.train.Saver()
        step, _ = checkpoints.restore_run(saver, sess, run_dir, warn, with_state=False)
        log(f"Restored {run_dir.path} at step {step}")
        return step
    return _restored(build_model, cfg, data, restore, log)


def evaluate_tf1_checkpoint(build_model, cfg, prefixes, data, log=print, warn=print):
    """Restore a TF 1.x program's checkpoint (``prefixes``, newest first) by name and test it.

    A ``draw:N`` subset is ``next_batch(N)`` of the test set ordered by ``cfg.seed``: the batch the
    program drew under ``python -m tf1_rnn.run_legacy --seed <seed>``.
    """
    def restore(sess):
        prefix, step = checkpoints.restore_tf1(sess, prefixes, warn)
        at = "" if step is None else f" at step {step}"
        log(f"Restored TF1 checkpoint {prefix}{at} (seed {cfg.seed})")
        return step
    return _restored(build_model, cfg, data, restore, log)
