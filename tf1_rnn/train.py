"""The one training loop every tutorial script runs.

``train`` owns the fresh graph, seeding, initialisation or restore, the train/test
``FileWriter``s, the tutorial's periodic line, periodic test evaluation, checkpoints and
the final evaluation, and returns its metrics.

Resume is exact: a checkpoint holds the weights, optimizer slots and step (tf.train.Saver)
plus the training set's order, position, epochs and generator state (state-<step>.npz).
Dropout masks are functions of (seed, step), never of a stateful generator. Summaries are
held back until the checkpoint that covers their step is written, so after any stop the
event files hold each step once and a resumed run appends from where they end.
"""
import dataclasses
import os
import time

import numpy as np

from tf1_rnn import interrupts, runs
from tf1_rnn.compat import tf
from tf1_rnn.idx import DataError
from tf1_rnn.interrupts import Interrupted
from tf1_rnn.runs import RunError

KEEP_CHECKPOINTS = 3
EVAL_CHUNK = 1000  # test images per session.run: bounds memory, same mean as one big batch

__all__ = ["train", "evaluate_checkpoint", "check_test_subsets", "Interrupted", "Diverged", "evaluate",
           "test_subset"]


class Diverged(RunError):
    """The loss became NaN or infinite."""


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


def scalars(**values):
    return tf.Summary(value=[tf.Summary.Value(tag=tag, simple_value=v) for tag, v in values.items()])


class TrainingSession:
    """A run's graph, tf.Session, saver and writers; one instance per call of :func:`train`."""

    def __init__(self, build_model, cfg, run_dir, restore_step=None):
        self.cfg, self.run_dir = cfg, run_dir
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(cfg.seed)
            self.model = build_model(cfg, training=True)
            self.saver = tf.train.Saver(max_to_keep=KEEP_CHECKPOINTS)
            init = tf.global_variables_initializer()
        self.sess = tf.Session(graph=self.graph)
        graph = self.graph if restore_step is None else None  # the graph is written once, by the first run
        self.writers = {split: tf.summary.FileWriter(run_dir.join(split), graph=graph if split == "train" else None)
                        for split in ("train", "test")}
        self.pending = []  # (split, summary, step) not yet covered by a checkpoint
        if restore_step is not None:
            self.saver.restore(self.sess, os.path.join(run_dir.checkpoint_dir, f"model.ckpt-{restore_step}"))
            # A new Saver knows no earlier checkpoints; tell it, so it keeps pruning to the last few.
            state = tf.train.get_checkpoint_state(run_dir.checkpoint_dir)
            self.saver.recover_last_checkpoints(list(state.all_model_checkpoint_paths))
        else:
            self.sess.run(init)

    @property
    def step(self):
        return int(self.sess.run(self.model.global_step))

    def log(self, split, summary, step):
        self.pending.append((split, summary, step))

    def checkpoint(self, step, state):
        os.makedirs(self.run_dir.checkpoint_dir, exist_ok=True)
        self.run_dir.save_state(step, state)
        try:
            self.saver.save(self.sess, os.path.join(self.run_dir.checkpoint_dir, "model.ckpt"), global_step=step)
        except tf.errors.OpError as err:
            raise RunError(f"cannot write checkpoint for step {step} in {self.run_dir.checkpoint_dir}: "
                           f"{err.message.splitlines()[0]}") from None
        kept = {int(p.rsplit("-", 1)[1]) for p in self.saver.last_checkpoints}
        self.run_dir.prune_states(kept)
        for split, summary, at in self.pending:
            self.writers[split].add_summary(summary, at)
        self.pending.clear()
        for writer in self.writers.values():
            writer.flush()

    def close(self):
        for writer in self.writers.values():
            writer.close()
        self.sess.close()


def train(build_model, cfg, run_dir, data, script, json_path=None, settings=None, log=print):
    """Train ``build_model(cfg)`` on ``data`` in ``run_dir`` (new or resumed); return the metrics.

    ``data`` is ``read_data_sets(..., one_hot=True, seed=cfg.seed)``; ``cfg.seed`` must be set.
    ``settings`` (where the data came from) are stored beside the config for ``--resume``.
    """
    if cfg.seed is None:
        raise ValueError("train() needs cfg.seed; use configs.with_seed(cfg)")
    check_test_subsets(cfg, data.test)
    # Drawn once, tutorial subset first: a draw:N subset must be the same batch all run long.
    tutorial_set = test_subset(data.test, cfg.TEST_SUBSET)
    eval_set = tutorial_set if cfg.eval_subset == cfg.TEST_SUBSET else test_subset(data.test, cfg.eval_subset)
    restore_step = run_dir.latest_step()
    if restore_step is None:
        run_dir.save_config(script, cfg, {"tensorflow": tf.__version__, **(settings or {})})
    run = TrainingSession(build_model, cfg, run_dir, restore_step)
    try:
        start = run.step
        if restore_step is not None:
            data.train.restore(run_dir.load_state(start))
            log(f"Resuming {run_dir.path} at step {start} of {cfg.num_steps} (seed {cfg.seed})")
        else:
            log(f"Run directory {run_dir.path} (seed {cfg.seed}); TensorBoard: tensorboard --logdir "
                f"{os.path.dirname(run_dir.path) or '.'}")
        began = time.time()
        _loop(run, data, eval_set, start, script, log)
        wall = time.time() - began
        metrics = _finish(run, data, tutorial_set, start, wall, log)
    finally:
        run.close()
    metrics["run_dir"] = run_dir.path
    runs.write_json(run_dir.join("metrics.json"), metrics)
    if json_path:
        runs.write_json(json_path, metrics)
    return metrics


def _loop(run, data, eval_set, start, script, log):
    cfg, model, sess = run.cfg, run.model, run.sess
    last_checkpoint = start
    with interrupts.StopRequest() as stop:
        for step in range(start + 1, cfg.num_steps + 1):
            images, labels = data.train.next_batch(cfg.batch_size)
            feed = model.feed(images, labels, training=True)
            _, loss = sess.run([model.train_op, model.loss], feed)
            if not np.isfinite(loss):
                raise Diverged(f"loss became {loss} at step {step}; the last good checkpoint "
                               f"(step {last_checkpoint}) is kept in {run.run_dir.path}")
            test_accuracy = test_loss = float("nan")
            if step % cfg.eval_every == 0:
                test_accuracy, test_loss = evaluate(sess, model, *eval_set)
                run.log("test", scalars(accuracy=test_accuracy, loss=test_loss), step)
            if step % cfg.display_step == 0:
                # As the tutorials did: the batch's accuracy and loss after the update.
                accuracy, loss = sess.run([model.accuracy, model.loss], model.feed(images, labels, training=False))
                log(cfg.LINE.format(step=step, samples=step * cfg.batch_size, epochs=data.train.epochs_completed,
                                    loss=loss, accuracy=accuracy, test_accuracy=test_accuracy, test_loss=test_loss))
                run.log("train", scalars(accuracy=accuracy, loss=loss), step)
                if model.summaries is not None:
                    run.log("train", sess.run(model.summaries, feed), step)
            if step % cfg.checkpoint_every == 0 or step == cfg.num_steps or stop.requested:
                run.checkpoint(step, data.train.state())
                last_checkpoint = step
            if stop.requested:
                raise Interrupted(f"Stopped at step {step}; checkpoint saved. Resume with: "
                                  f"python scripts/{script}.py --resume {run.run_dir.path}",
                                  stop.exit_status)


def _test_report(sess, model, cfg, data, tutorial_set, log):
    """The final lines: the tutorial's test subset, then the full test set if that differs."""
    accuracy, _ = evaluate(sess, model, *tutorial_set)
    full_accuracy, full_loss = evaluate(sess, model, data.test.images, data.test.labels)
    log(f"Testing Accuracy: {accuracy:.4f}" + ("" if cfg.TEST_SUBSET == "full"
                                                else f"  ({cfg.TEST_SUBSET} of the test set)"))
    if cfg.TEST_SUBSET != "full":
        log(f"Full test set ({data.test.num_examples} images): {full_accuracy:.4f}")
    return {"test_accuracy": accuracy, "test_subset": cfg.TEST_SUBSET,
            "full_test_accuracy": full_accuracy, "full_test_loss": full_loss}


def _finish(run, data, tutorial_set, start, wall, log):
    cfg = run.cfg
    metrics = _test_report(run.sess, run.model, cfg, data, tutorial_set, log)
    steps_run = cfg.num_steps - start
    return {**metrics, "steps": cfg.num_steps, "steps_this_process": steps_run, "wall_seconds": wall,
            "samples_per_second": steps_run * cfg.batch_size / wall if wall > 0 else None,
            "seed": cfg.seed, "config": dataclasses.asdict(cfg)}


def evaluate_checkpoint(build_model, cfg, run_dir, data, log=print):
    """Restore ``run_dir``'s latest checkpoint into a freshly built eval graph and test it."""
    step = run_dir.latest_step()
    tutorial_set = test_subset(data.test, cfg.TEST_SUBSET)  # drawn first, as in training
    graph = tf.Graph()
    with graph.as_default():
        model = build_model(cfg, training=False)
        saver = tf.train.Saver()
    with tf.Session(graph=graph) as sess:
        saver.restore(sess, os.path.join(run_dir.checkpoint_dir, f"model.ckpt-{step}"))
        log(f"Restored {run_dir.path} at step {step}")
        return {**_test_report(sess, model, cfg, data, tutorial_set, log), "step": step}
