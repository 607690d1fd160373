"""The one training loop every tutorial script runs.

``train`` owns the fresh graph, seeding, initialisation or restore, the TensorBoard curves
(summaries.py), the tutorial's periodic line, periodic test evaluation, checkpoints and the
final evaluation (evaluation.py), and returns its metrics.

Resume is exact: a checkpoint holds the weights, optimizer slots and step (tf.train.Saver)
plus the training set's order, position, epochs and generator state (state-<step>.npz).
Dropout masks are functions of (seed, step), never of a stateful generator. If the newest
checkpoint is damaged, the run resumes from the newest one that restores (checkpoints.py),
repeats the steps since exactly as they ran, and its curves drop what was written past it.

The test curve has a point every ``eval_every`` steps on ``eval_subset`` and, at the final step,
the final evaluation itself: the accuracy and loss that ``Testing Accuracy`` prints, on the
tutorial's test subset (for bilstm_mnist the full test set, where the points before it are on
the first 1000 images). Every run has it, however short.

Around the step (profiled with cProfile): the training step's session.run is most of a run; what
is left is kept small: training steps through a callable made once, evaluation through an
inference graph (see :func:`inference_model`), each final evaluation done once.
"""
import dataclasses
import math
import os
import sys
import time

import numpy as np

from tf1_rnn.compat import tf
from tf1_rnn.training import checkpoints, interrupts, runs, summaries
from tf1_rnn.training.evaluation import (check_test_subsets, evaluate, evaluate_checkpoint,  # noqa: F401
                                         evaluate_tf1_checkpoint, final_report, test_subset)
from tf1_rnn.training.interrupts import Interrupted
from tf1_rnn.training.runs import RunError

KEEP_CHECKPOINTS = 3

__all__ = ["train", "evaluate_checkpoint", "evaluate_tf1_checkpoint", "check_test_subsets", "Interrupted",
           "Diverged", "evaluate", "test_subset", "TrainingSession", "inference_model"]


class Diverged(RunError):
    """The loss became NaN or infinite."""


def _feeds_differ(a, b):
    return a.keys() != b.keys() or any(not np.array_equal(a[key], b[key]) for key in a)


def inference_model(build_model, cfg, model):
    """The graph that evaluates ``model``: the training graph itself, or a twin beside it.

    session.run computes only the ops its fetches need, so evaluating on the training graph does
    no gradient or optimizer work. Where testing feeds other values than training (a keep
    probability: the model has dropout), a twin built with ``training=False`` shares the
    variables, so that the builder can leave training-only work such as masks out of it.
    Elsewhere a twin would only cost graph-building time (docs/speed.md).
    """
    if not _feeds_differ(model.extra_feed(1, True), model.extra_feed(1, False)):
        return model
    return build_model(cfg, training=False)


def _callable(sess, fetches, feed):
    """``sess.run(fetches, feed)`` as a function of feeds with ``feed``'s keys, prepared once.

    Session.make_callable skips session.run's per-call Python work on fetches and feeds (it shows at
    small n_hidden; docs/speed.md); the ops run and the numbers are the same.
    """
    keys = list(feed)
    run = sess.make_callable(fetches, feed_list=keys)
    return lambda values: run(*(values[key] for key in keys))


class TrainingSession:
    """A run's graph, tf.Session, saver and curves; one instance per call of :func:`train`.

    ``resume``: restore ``run_dir``'s newest checkpoint that restores (``start`` is its step,
    ``state`` its data state); otherwise initialise (``start`` 0).
    """

    def __init__(self, build_model, cfg, run_dir, resume=False, warn=print):
        self.cfg, self.run_dir = cfg, run_dir
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(cfg.seed)
            self.model = build_model(cfg, training=True)
            self.infer = inference_model(build_model, cfg, self.model)
            self.saver = tf.train.Saver(max_to_keep=KEEP_CHECKPOINTS)
            init = tf.global_variables_initializer()
        self.sess = tf.Session(graph=self.graph)
        self.start, self.state = 0, None
        try:
            if resume:
                _, self.state = checkpoints.restore_run(self.saver, self.sess, run_dir, warn)
                self.start = int(self.sess.run(self.model.global_step))
            else:
                self.sess.run(init)
            # The graph is written once, by the run's first process.
            self.curves = summaries.Curves(run_dir, graph=None if resume else self.graph,
                                           resumed_at=self.start if resume else None)
        except BaseException:
            self.sess.close()
            raise

    def checkpoint(self, step, state):
        """Write the waiting events, then the data state and the Saver's files for ``step``.

        Events first: should the process die before the checkpoint completes, the resumed run
        drops them (summaries.drop_events_after); the other order could lose them.
        """
        self.curves.flush()
        os.makedirs(self.run_dir.checkpoint_dir, exist_ok=True)
        self.run_dir.save_state(step, state)
        try:
            self.saver.save(self.sess, os.path.join(self.run_dir.checkpoint_dir, "model.ckpt"), global_step=step)
        except tf.errors.OpError as err:
            raise RunError(f"cannot write checkpoint for step {step} in {self.run_dir.checkpoint_dir}: "
                           f"{err.message.splitlines()[0]}") from None
        self.run_dir.prune_states({runs.step_of(p) for p in self.saver.last_checkpoints})

    def close(self):
        try:
            self.curves.close()
        finally:
            self.sess.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        """Close; a failed close of the curves is not raised over an error already on its way (a full
        disk that stopped a flush fails the close too: the first line says it)."""
        try:
            self.close()
        except RunError:
            if kind is None:
                raise


def train(build_model, cfg, run_dir, data, script, json_path=None, settings=None, log=print, warn=None,
          facts=None, command=None):
    """Train ``build_model(cfg)`` on ``data`` in ``run_dir`` (new or resumed); return the metrics.

    ``data`` is ``read_data_sets(..., one_hot=True, seed=cfg.seed)``; ``cfg.seed`` must be set.
    ``settings`` (where the data came from) are stored beside the config for ``--resume``.
    ``facts``: what this process ran as, beyond the config (``{"lstm_impl_ran": "compiled"}``),
    written to config.json (by the run's first process), the HParams and metrics.json.
    ``command``: how the user started this script, for the resume hint (default: ``script``).
    ``warn`` gets warning lines (a damaged checkpoint passed over); default: stderr.
    """
    if cfg.seed is None:
        raise ValueError("train() needs cfg.seed; use configs.with_seed(cfg)")
    warn = warn or (lambda line: print(f"{script}: warning: {line}", file=sys.stderr))
    check_test_subsets(cfg, data.test)
    # Drawn once, tutorial subset first: a draw:N subset must be the same batch all run long.
    tutorial_set = test_subset(data.test, cfg.TEST_SUBSET)
    eval_set = tutorial_set if cfg.eval_subset == cfg.TEST_SUBSET else test_subset(data.test, cfg.eval_subset)
    resume = run_dir.latest_step() is not None
    if not resume:
        run_dir.save_config(script, cfg, {"tensorflow": tf.__version__, **(settings or {})}, facts)
        summaries.write_hparams(run_dir, script, cfg, facts)
    with TrainingSession(build_model, cfg, run_dir, resume, warn) as run:
        start = run.start
        if resume:
            data.train.restore(run.state)
            log(f"Resuming {run_dir.path} at step {start} of {cfg.num_steps} (seed {cfg.seed})")
        else:
            log(f"Run directory {run_dir.path} (seed {cfg.seed}); TensorBoard: tensorboard --logdir "
                f"{os.path.dirname(run_dir.path) or '.'}")
        began = time.time()
        final = _loop(run, data, eval_set, tutorial_set, start, command or script, log)
        wall = time.time() - began
        metrics = final_report(run.sess, run.infer, cfg, data, tutorial_set, log, tutorial=final)
    steps_run = cfg.num_steps - start
    metrics.update(steps=cfg.num_steps, steps_this_process=steps_run, wall_seconds=wall,
                   samples_per_second=steps_run * cfg.batch_size / wall if wall > 0 else None,
                   seed=cfg.seed, config=dataclasses.asdict(cfg), run_dir=run_dir.path, **(facts or {}))
    runs.write_json(run_dir.join("metrics.json"), metrics)
    if json_path:
        runs.write_json(json_path, metrics)
    return metrics


def _test_point(run, step, eval_set, tutorial_set):
    """Evaluate as ``step`` requires; ``(final, shown)``, each (accuracy, loss) or None/NaN.

    ``shown`` is on ``eval_set`` every ``eval_every`` steps, for the printed line; ``final``, at
    the last step only, is the final evaluation on the tutorial's subset. The test curve gets
    ``shown`` at evaluation steps, and ``final`` in its place at the last step.
    """
    cfg = run.cfg
    last, due = step == cfg.num_steps, step % cfg.eval_every == 0
    final = evaluate(run.sess, run.infer, *tutorial_set) if last else None
    shown = (math.nan, math.nan)
    if due and not (last and step % cfg.display_step):  # at the last step, only a printed line needs it
        shown = final if last and eval_set is tutorial_set else evaluate(run.sess, run.infer, *eval_set)
    point = final if last else shown if due else None
    if point is not None:
        run.curves.add("test", summaries.scalars(accuracy=point[0], loss=point[1]), step)
    return final, shown


def _with_way_back(err, run_dir, command):
    """``err``, and how to resume where the run has a checkpoint to resume from."""
    step = run_dir.latest_step()
    if step is None:
        return err
    return RunError(f"{err}; once that is fixed, resume from step {step} with: {command} --resume {run_dir.path}")


def _loop(run, data, eval_set, tutorial_set, start, command, log):
    """Train from ``start`` to the last step; the final evaluation, if this process got there."""
    cfg, model, infer, sess = run.cfg, run.model, run.infer, run.sess
    last_checkpoint, final, train_step = start, None, None
    with interrupts.StopRequest() as stop:
        for step in range(start + 1, cfg.num_steps + 1):
            images, labels = data.train.next_batch(cfg.batch_size)
            feed = model.feed(images, labels, training=True)
            train_step = train_step or _callable(sess, [model.train_op, model.loss], feed)
            _, loss = train_step(feed)
            if not np.isfinite(loss):
                raise Diverged(f"loss became {loss} at step {step}; the last good checkpoint "
                               f"(step {last_checkpoint}) is kept in {run.run_dir.path}")
            final, (test_accuracy, test_loss) = _test_point(run, step, eval_set, tutorial_set)
            if step % cfg.display_step == 0:
                # As the tutorials did: the batch's accuracy and loss after the update.
                accuracy, loss = sess.run([infer.accuracy, infer.loss], infer.feed(images, labels, training=False))
                log(cfg.LINE.format(step=step, samples=step * cfg.batch_size, epochs=data.train.epochs_completed,
                                    loss=loss, accuracy=accuracy, test_accuracy=test_accuracy, test_loss=test_loss))
                run.curves.add("train", summaries.scalars(accuracy=accuracy, loss=loss), step)
                if model.summaries is not None:
                    run.curves.add("train", sess.run(model.summaries, feed), step)
            if step % cfg.checkpoint_every == 0 or step == cfg.num_steps or stop.requested:
                try:
                    run.checkpoint(step, data.train.state())
                except RunError as err:  # a full disk, most likely: the checkpoints before stay usable
                    raise _with_way_back(err, run.run_dir, command) from None
                last_checkpoint = step
            if stop.requested:
                raise Interrupted(f"Stopped at step {step}; checkpoint saved. Resume with: "
                                  f"{command} --resume {run.run_dir.path}",
                                  stop.exit_status)
    return final
