"""Turning SIGINT/SIGTERM into "stop after this step" instead of an exception mid-step."""
import signal
import sys

EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(Exception):
    """Training stopped on a signal after saving; ``message`` says how to resume.

    Until ``release()`` is called, a further SIGINT/SIGTERM is acknowledged, not raised: a
    quick second Ctrl-C must not replace the resume message with a KeyboardInterrupt. Whoever
    reports the message calls ``release()`` after it (``cli.main`` does).
    """

    def __init__(self, message, exit_status):
        super().__init__(message)
        self.message, self.exit_status = message, exit_status
        self.release = lambda: None


class StopRequest:
    """Context manager: while active, SIGINT and SIGTERM only set ``signum``.

    The loop checks it between steps, so a signal never lands in the middle of a step or of
    a checkpoint write; a second signal while saving is acknowledged and ignored.
    """

    def __init__(self):
        self.signum = None
        self._previous = {}

    def _handle(self, signum, frame):
        if self.signum is None:
            self.signum = signum
            print(f"\n{signal.Signals(signum).name}: finishing this step, then saving a checkpoint",
                  file=sys.stderr, flush=True)
        else:
            print("already stopping; the checkpoint is saved before exit", file=sys.stderr, flush=True)

    def __enter__(self):
        for signum in EXIT_STATUS:
            try:
                self._previous[signum] = signal.signal(signum, self._handle)
            except ValueError:  # not the main thread: signals stay with whoever owns them
                pass
        return self

    def __exit__(self, exc_type, exc, traceback):
        if isinstance(exc, Interrupted):
            exc.release = self._restore  # the process is on its way out; keep acknowledging
        else:
            self._restore()
        return False

    def _restore(self):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    @property
    def requested(self):
        return self.signum is not None

    @property
    def exit_status(self):
        return EXIT_STATUS[self.signum]
