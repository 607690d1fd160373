"""Which LSTM implementation runs, decided once per model: :func:`choose` returns an :class:`LSTMImpl`.

The builders ask it, and never re-read the flag: which implementation, and how many parts of
the batch a recurrence is split into. ``auto`` (the default) picks ``compiled`` where the C++
op builds and loads here, else ``fused``; ``compiled`` asked for explicitly and unavailable is
an :class:`LSTMUnavailable` with one line saying why. ``impl.name`` is what really runs, and
what a run records.
"""
import functools
import os
import sys
from typing import NamedTuple, Optional

from tf1_rnn.lstm.compiled import build

CHOICES = ("auto", "compiled", "fused", "cell")
# Up to this many hidden units a recurrence's per-step matmuls are small: as TensorFlow ops, one
# direction alone runs as two recurrences over halves of the batch (see docs/speed.md).
SMALL_HIDDEN = 128
# On the compiled op, the smallest part of the batch worth a core of its own: on 2 cores two parts
# of 8-25 rows train a char-rnn-sized LSTM 1.4-1.5x faster than one part of 16-50 rows on one core
# (docs/speed.md); below 8 rows the two are even.
MIN_SHARD_ROWS = 8


class LSTMUnavailable(RuntimeError):
    """The implementation asked for cannot run here; the message says why in one line."""


class LSTMImpl(NamedTuple):
    name: str                          # what runs: "cell", "fused" or "compiled"
    batch_size: Optional[int] = None   # the batch the graph trains on, if known (tunes the gradient)
    cores: Optional[int] = None        # cores a recurrence may use (default: this process's)

    @property
    def sequence_ops(self):
        """True when the whole sequence is one function (``fused`` or ``compiled``), not cell calls."""
        return self.name != "cell"

    def shards(self, n_hidden):
        """How many parts of the batch one LSTM's recurrence is split into, when it runs alone.

        On the compiled op each part is one op on one core: one part per core, of at least
        MIN_SHARD_ROWS rows. As TensorFlow ops: two for a small LSTM, else one.
        """
        if self.name == "compiled":
            cores = self.cores or _cores()
            return max(1, min(cores, (self.batch_size or MIN_SHARD_ROWS * cores) // MIN_SHARD_ROWS))
        return 2 if n_hidden <= SMALL_HIDDEN else 1

    def shards_side_by_side(self, n_hidden, fw_steps, bw_steps):
        """Parts for a forward and a backward LSTM that run side by side.

        On the compiled op the cores are split between them, or all go to the one that runs while
        the other runs a few steps (the published BiLSTM: 28 and 1). As TensorFlow ops: one each.
        """
        if self.name != "compiled":
            return 1, 1
        parts = self.shards(n_hidden)
        if min(fw_steps, bw_steps) * 4 <= max(fw_steps, bw_steps):
            return (parts, 1) if fw_steps > bw_steps else (1, parts)
        return max(1, parts // 2), max(1, parts // 2)


def choose(requested="auto", batch_size=None, cores=None):
    """The implementation to run for ``requested`` (one of CHOICES), given what loads here."""
    if requested not in CHOICES:
        raise ValueError(f"LSTM implementation must be one of {', '.join(CHOICES)}, got {requested!r}")
    if requested in ("auto", "compiled"):
        ops, why = build.load_or_reason()
        if ops is None and requested == "compiled":
            raise LSTMUnavailable(f"--lstm-impl compiled: the compiled LSTM is unavailable ({why}); "
                                  "--lstm-impl auto runs it as TensorFlow ops")
        if ops is None and not why.startswith("turned off"):
            _say_once(f"tf1_rnn: the compiled LSTM is unavailable ({why}); the LSTM runs as TensorFlow ops")
        requested = "compiled" if ops is not None else "fused"
    return LSTMImpl(requested, batch_size, cores)


@functools.lru_cache(maxsize=None)
def _say_once(line):
    print(line, file=sys.stderr)


def _cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
