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
"""
import dataclasses
import glob
import os

from tensorboard.plugins.hparams import summary as hparams_summary

from tf1_rnn.compat import tf

SPLITS = ("train", "test")


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


def write_hparams(run_dir, script, cfg, facts=None):
    """Record the run's configuration for the HParams dashboard (once, when the run starts)."""
    writer = tf.summary.FileWriter(run_dir.path)
    writer.add_summary(hparams_summary.session_start_pb(hparams=hparams(script, cfg, facts)))
    writer.close()


def drop_events_after(directory, step):
    """Rewrite ``directory``'s event files without the summaries of steps after ``step``.

    A record cut short by a kill ends its file's readable part and goes too. Files that hold
    nothing to drop are left untouched; a rewritten one replaces the old by a rename.
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
            tmp = os.path.join(directory, ".rewrite.tmp")  # no "tfevents" in the name: TensorBoard skips it
            with tf.io.TFRecordWriter(tmp) as writer:
                for record in kept:
                    writer.write(record)
            os.replace(tmp, path)


class Curves:
    """The train and test FileWriters of one process of a run; events wait for :meth:`flush`.

    ``resumed_at``: the step a resumed run restored; later events already on disk are dropped.
    ``graph`` goes to the train writer (a run writes it once, when it starts).
    """

    def __init__(self, run_dir, graph=None, resumed_at=None):
        if resumed_at is not None:
            for split in SPLITS:
                drop_events_after(run_dir.join(split), resumed_at)
        self.writers = {split: tf.summary.FileWriter(run_dir.join(split), graph=graph if split == "train" else None)
                        for split in SPLITS}
        self.pending = []  # (split, summary, step)

    def add(self, split, summary, step):
        self.pending.append((split, summary, step))

    def flush(self):
        """Write what waits; called as a checkpoint is written, so the checkpoint covers it."""
        for split, summary, step in self.pending:
            self.writers[split].add_summary(summary, step)
        self.pending.clear()
        for writer in self.writers.values():
            writer.flush()

    def close(self):
        """Close the files; events no checkpoint covers are dropped (a resumed run redoes them)."""
        for writer in self.writers.values():
            writer.close()
