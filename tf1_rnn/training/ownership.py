"""One process per run directory: a lock its owner holds for the whole run.

The lock is ``flock`` on ``<run>/.owner.lock``; the file also says who holds it (pid, host,
start time), so that a second process on the same run can name what is in its way. The
kernel drops the lock when its holder exits, however it exits: a killed run leaves at most a
stale file, never a stale lock, and the next owner takes the file over. The owner removes the
file when it lets go, so a finished run holds no trace of it.
"""
import fcntl
import json
import os
import socket
import time

LOCK = ".owner.lock"

# What to do about a run in use, said after who holds it: by a new run, by a resumed one.
FOR_NEW = "wait for it or pass another --logdir"
FOR_RESUME = "one process per run: wait for it to stop, then resume"


class InUse(RuntimeError):
    """Another process holds the lock; ``str()`` names it as far as its file says."""


def in_use(path, holder, hint):
    return f"run directory {path} is in use by {holder}; {hint}"


def describe(record):
    """``pid 1234 on host (started 12:01:02)`` from a lock file's bytes; ``another process`` if unreadable
    (its holder may be writing it this very moment)."""
    try:
        holder = json.loads(record)
        started = time.localtime(holder["started"])
        today = time.localtime()[:3] == started[:3]
        return (f"pid {int(holder['pid'])} on {holder['host']} "
                f"(started {time.strftime('%H:%M:%S' if today else '%Y-%m-%d %H:%M:%S', started)})")
    except (ValueError, TypeError, KeyError, OverflowError):
        return "another process"


def _still_named(fd, path):
    """Whether ``path`` still names the file open as ``fd`` (a leaving owner may have removed it)."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def holder(directory):
    """Who holds ``directory``'s lock now, or None (also where it cannot look: taking the lock will
    say why); looks without creating anything."""
    try:
        fd = os.open(os.path.join(directory, LOCK), os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return describe(os.read(fd, 4096))
    finally:
        os.close(fd)  # also lets go of a lock this look took
    return None


class Owner:
    """This process's hold on a directory, from :meth:`take` until :meth:`release` (or exit)."""

    def __init__(self, path, fd):
        self.path, self._fd = path, fd

    @classmethod
    def take(cls, directory):
        """Lock ``directory`` for this process; InUse if another holds it, OSError if it cannot be locked."""
        path = os.path.join(directory, LOCK)
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                record = os.read(fd, 4096)
                os.close(fd)
                raise InUse(describe(record)) from None
            except BaseException:
                os.close(fd)
                raise
            if _still_named(fd, path):
                break
            os.close(fd)  # locked a file its owner removed as it left: take the one there now
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()})
        try:
            os.ftruncate(fd, 0)
            os.write(fd, record.encode())
        except BaseException:
            cls(path, fd).release()
            raise
        return cls(path, fd)

    def release(self):
        """Let go, removing the file first: whoever locks it after that finds it gone and retries."""
        if self._fd is None:
            return
        try:
            if _still_named(self._fd, self.path):
                os.remove(self.path)
        except OSError:
            pass  # the directory went away or turned read-only: closing still lets go
        finally:
            os.close(self._fd)
            self._fd = None
