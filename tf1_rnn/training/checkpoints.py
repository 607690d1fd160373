"""Restoring checkpoints: a run's newest one that restores, or a TF 1.x program's by variable name.

Damage (a truncated or missing file, a bad checksum, a lost state file) shows only when the
files are read, so a restore tries the listed checkpoints newest first and keeps the first that
restores, with one warning line for each damaged one it passed over; when none restores, it
stops with one line naming each.

A checkpoint written by a tutorial's TF 1.x program (its own ``saver.save``) restores by the TF1
names the models keep: each model variable from the entry of the same name and shape. Optimizer
slots and other extra entries are ignored, a missing ``global_step`` is tolerated (the tutorials
seldom made one); a variable the checkpoint lacks or holds with another shape stops it with one
line, because then the flags do not describe the program that wrote it.
"""
import os
import zipfile

from tf1_rnn import compat
from tf1_rnn.compat import tf
from tf1_rnn.training.runs import RunError, step_of

# What a damaged checkpoint raises: TensorFlow's read errors (OutOfRange for a truncated .data
# file, DataLoss for a bad index or checksum, NotFound for a missing file), the Saver's ValueError
# for a prefix without its index, and NumPy's for an unreadable state-<step>.npz.
DAMAGE = (tf.errors.OpError, ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile)


def reason(err):
    """What went wrong, in one line: TensorFlow's message without the graph traceback around it."""
    text = getattr(err, "message", None) or str(err)
    lines = [line for line in text.splitlines() if line.strip() and not line[0].isspace()]
    return lines[-1].strip() if lines else type(err).__name__


def restore_newest(prefixes, restore, warn, where):
    """``(prefix, restore(prefix))`` for the first prefix, newest first, whose restore succeeds."""
    damaged = []
    for prefix in prefixes:
        try:
            result = restore(prefix)
        except DAMAGE as err:
            damaged.append((prefix, reason(err)))
            continue
        for bad, why in damaged:
            warn(f"checkpoint {bad} is damaged ({why}); using {os.path.basename(prefix)}")
        return prefix, result
    raise RunError(f"no checkpoint in {where} restores: "
                   + "; ".join(f"{os.path.basename(p)} ({why})" for p, why in damaged))


def restore_run(saver, sess, run_dir, warn, with_state=True):
    """Restore ``run_dir``'s newest checkpoint that restores; ``(step, state or None)``.

    ``with_state``: a resume needs the data order too (``state-<step>.npz``); an evaluation not.
    TensorFlow's C++ lines about a damaged checkpoint (OP_REQUIRES failed, a rendezvous aborting)
    are held back: a TensorFlow that logs them at a level TF_CPP_MIN_LOG_LEVEL lets through would
    print them around our own warning or one error line, which say it all.
    """
    held = []
    with compat.cpp_log_hidden():  # replays what it held only for an exception other than ours
        try:
            step, state = _restore_newest_run(saver, sess, run_dir, held.append, with_state)
        except RunError as err:
            failure = err
        else:
            failure = None
    if failure:
        raise failure
    for line in held:
        warn(line)
    return step, state


def _restore_newest_run(saver, sess, run_dir, warn, with_state):
    steps = run_dir.checkpoint_steps()

    def restore(prefix):
        state = run_dir.load_state(step_of(prefix)) if with_state else None
        saver.restore(sess, prefix)
        return state

    prefix, state = restore_newest([run_dir.checkpoint_prefix(s) for s in steps], restore, warn,
                                   run_dir.checkpoint_dir)
    step = step_of(prefix)
    # A new Saver knows no earlier checkpoints. Tell it of those up to this one (the newer ones are
    # damaged and will be written again), so that it keeps pruning to the last few.
    saver.recover_last_checkpoints([run_dir.checkpoint_prefix(s) for s in reversed(steps) if s <= step])
    return step, state


def _fit(model_vars, stored, prefix):
    """The model variables by checkpoint name; RunError naming the first that does not match."""
    problems = []
    for name, var in model_vars.items():
        ours = var.shape.as_list()
        if name not in stored:
            problems.append(f"it has no variable {name} {ours}")
        elif list(stored[name]) != ours:
            problems.append(f"{name} is {list(stored[name])} there, {ours} here")
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RunError(f"TF1 checkpoint {prefix} does not fit this model: {problems[0]}{more}; give the flags "
                       "of the program that wrote it (such as --n-hidden)")
    return model_vars


def restore_tf1(sess, prefixes, warn):
    """Restore a TF 1.x program's checkpoint into ``sess``'s graph by name; ``(prefix, step or None)``.

    The step is the checkpoint's ``global_step`` if it has one, else the prefix's ``-<step>``.
    """
    graph = sess.graph
    global_step = tf.train.get_global_step(graph)
    model_vars = {var.op.name: var for var in graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)}

    def restore(prefix):
        stored = dict(tf.train.list_variables(prefix))
        wanted = {name: var for name, var in model_vars.items()
                  if not (var is global_step and name not in stored)}
        with graph.as_default():
            saver = tf.train.Saver(var_list=_fit(wanted, stored, prefix))
        saver.restore(sess, prefix)
        if global_step is not None and global_step.op.name in stored:
            return int(sess.run(global_step))
        return step_of(prefix)

    return restore_newest(prefixes, restore, warn, os.path.dirname(prefixes[0]) or ".")
