"""A run's TensorBoard output: the train and test curves, and its hyperparameters.

``<run>/train`` and ``<run>/test`` hold scalar tags ``accuracy`` and ``loss``, so TensorBoard
draws train and test on one chart; ``<run>`` itself holds one HParams record (the config and the
script), written once when the run starts, so TensorBoard's HParams dashboard lists runs side
by side by configuration, with the curves' last values as metrics.

Curves and resume: events wait in memory and are written when a checkpoint is, just before it.
A resumed run first drops, from the event files, whatever was written past the step it restores
(events of a checkpoint that did not complete, or of a damaged one it fell back over), so each
step is in the files once. TensorBoard would not drop them for us: with ``brain.Event:2`` files its
event reader discards orphaned steps only after a ``SessionLog.START`` event, which we do not write.

Event files are written here, in the training thread, not by ``tf.summary.FileWriter``, whose writer
thread met a full disk with a traceback of its own (or, failing to open its file, with one log line
and no events at all). Here a write that fails stops the run in one line, before the checkpoint
that would have covered those events.
"""
import dataclasses
import glob
import os
import socket
import tempfile
import time

from tensorboard.plugins.hparams import summary as hparams_summary

from tf1_rnn.compat import tf
from tf1_rnn.training.runs import RunError

SPLITS = ("train", "test")
FILE_VERSION = "brain.Event:2"  # what TensorBoard expects first in an event file


def scalars(**values):
    """A Summary with one simple_value per keyword: ``scalars(accuracy=0.98, loss=0.05)``."""
    return tf.Summary(value=[tf.Summary.Value(tag=tag, simple_value=v) for tag, v in values.items()])


def hparams(script, cfg, facts=None):
    """The values the HParams dashboard compares runs by: the script, every config field, and
    ``facts`` (what the run ran as: ``lstm_impl_ran``)."""
    values = {"script": script}
    values.update((name, value) for name, value in dataclasses.asdict(cfg).items() if value is not None)
    values.update(facts or {})
    return values


def _cannot_write(err, path):
    """RunError for a failed event write: ``err`` is TensorFlow's (its message opens with the path) or an OSError."""
    reason = getattr(err, "message", None) or getattr(err, "strerror", None) or str(err)
    reason = reason.splitlines()[0].rpartition("; ")[2] if reason else type(err).__name__
    return RunError(f"cannot write TensorBoard events to {path}: {reason}")


def new_event_path(directory):
    """A free name for a new event file in ``directory``, as TensorBoard looks for them (and sorts them:
    by time)."""
    name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}"
    path, n = os.path.join(directory, name), 1
    while os.path.exists(path):  # another file of this process, within the same second
        n += 1
        path = os.path.join(directory, f"{name}.{n}")
    return path


class EventFile:
    """An event file written in the calling thread; a write, flush or close that fails raises
    RunError naming the file."""

    def __init__(self, path):
        self.path = path
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self._records = tf.io.TFRecordWriter(path)
        except (OSError, tf.errors.OpError) as err:
            raise _cannot_write(err, path) from None
        self.add(tf.Event(file_version=FILE_VERSION))

    def add(self, event):
        """Write ``event`` (a tf.Event), stamped with the time now."""
        event.wall_time = time.time()
        self._guarded(self._records.write, event.SerializeToString())

    def add_summary(self, summary, step):
        """A tf.Summary, or one serialized (as session.run returns merged summaries), at ``step``."""
        summary = summary if isinstance(summary, tf.Summary) else tf.Summary.FromString(summary)
        self.add(tf.Event(summary=summary, step=int(step)))

    def flush(self):
        self._guarded(self._records.flush)

    def close(self):
        self._guarded(self._records.close)

    def _guarded(self, write, *args):
        try:
            write(*args)
        except (OSError, tf.errors.OpError) as err:
            raise _cannot_write(err, self.path) from None


def write_hparams(run_dir, script, cfg, facts=None):
    """Record the run's configuration for the HParams dashboard (once, when the run starts)."""
    events = EventFile(new_event_path(run_dir.path))
    # TensorBoard's own Summary type: the same message, so its bytes are one of ours.
    events.add_summary(hparams_summary.session_start_pb(hparams=hparams(script, cfg, facts)).SerializeToString(), 0)
    events.close()


def drop_events_after(directory, step):
    """Rewrite ``directory``'s event files without the summaries of steps after ``step``.

    A record cut short by a kill ends its file's readable part and goes too. Files that hold
    nothing to drop are left untouched; a rewritten one replaces the old by a rename, from a
    temporary file of its own (two processes never share one) that a failure removes.
    """
    for path in sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*"))):
        kept, dropped = [], 0
        try:
            for record in tf.io.tf_record_iterator(path):
                event = tf.Event.FromString(record)
                if event.HasField("summary") and event.step > step:
                    dropped += 1
                else:
                    kept.append(record)
        except tf.errors.DataLossError:
            dropped += 1
        if dropped:
            _rewrite(path, kept)


def _rewrite(path, records):
    tmp = None
    try:
        # No "tfevents" in the name: TensorBoard skips the file while it is written.
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".rewrite.", suffix=".tmp")
        os.close(fd)
        with tf.io.TFRecordWriter(tmp) as writer:
            for record in records:
                writer.write(record)
        os.replace(tmp, path)
    except (OSError, tf.errors.OpError) as err:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
        raise _cannot_write(err, path) from None


class Curves:
    """The train and test event files of one process of a run; events wait for :meth:`flush`.

    ``resumed_at``: the step a resumed run restored; later events already on disk are dropped.
    ``graph`` goes to the train file (a run writes it once, when it starts).
    """

    def __init__(self, run_dir, graph=None, resumed_at=None):
        if resumed_at is not None:
            for split in SPLITS:
                drop_events_after(run_dir.join(split), resumed_at)
        self.files = {split: EventFile(new_event_path(run_dir.join(split))) for split in SPLITS}
        if graph is not None:
            self.files["train"].add(tf.Event(graph_def=graph.as_graph_def(add_shapes=True).SerializeToString()))
        self.pending = []  # (split, summary, step)

    def add(self, split, summary, step):
        self.pending.append((split, summary, step))

    def flush(self):
        """Write what waits; called as a checkpoint is written, so the checkpoint covers it."""
        pending, self.pending = self.pending, []  # written or failed: never twice
        for split, summary, step in pending:
            self.files[split].add_summary(summary, step)
        for events in self.files.values():
            events.flush()

    def close(self):
        """Close the files; events no checkpoint covers are dropped (a resumed run redoes them).

        Every file is closed even if one fails; the first failure is raised.
        """
        failures = []
        for events in self.files.values():
            try:
                events.close()
            except RunError as err:
                failures.append(err)
        if failures:
            raise failures[0]
