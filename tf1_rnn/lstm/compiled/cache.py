"""The kernel cache's folders: made private, checked before a library is loaded from them, locked
while one process compiles, and a failed build remembered in them.

A library is code this process runs, so it is loaded only from a cache that no other account can
have written: the library and every folder from the cache root down to it belong to this user
(or to root, who can change anything anyway) and are writable by no group or other user, and the
library is a regular file, not a symbolic link. The root itself may be a link (``~/.cache`` often
is); the folder it names is what is checked.
"""
import contextlib
import os
import stat
import sys


class KernelUnavailable(RuntimeError):
    """The kernel cannot be built or loaded here; the message says why in one line."""


MARKER = "rnn_sequence.failed"  # in the key folder: the first line of why the build failed


def check_private(root, library):
    """Raise KernelUnavailable if ``library``, or an existing folder from ``root`` down to it, is unsafe."""
    path, below = root, os.path.relpath(library, root).split(os.sep)
    for depth in range(len(below) + 1):
        if depth:
            path = os.path.join(path, below[depth - 1])
        try:
            info = os.stat(path) if depth == 0 else os.lstat(path)
        except FileNotFoundError:
            return  # nothing below it exists yet; what this process creates is private
        problem = _problem(info, is_library=depth == len(below))
        if problem:
            raise KernelUnavailable(f"the kernel cache {path} {problem}; not loading a library from it")


def _problem(info, is_library):
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not (stat.S_ISREG(info.st_mode) if is_library else stat.S_ISDIR(info.st_mode)):
        return "is not a regular file" if is_library else "is not a folder"
    if info.st_uid not in (os.getuid(), 0):
        return f"belongs to another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "is writable by other users"
    return None


def make_private_dirs(directory):
    """Create ``directory`` and its missing parents, each readable by this user only (0700)."""
    missing, path = [], os.path.abspath(directory)
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first; it is checked after
            os.mkdir(path, 0o700)


@contextlib.contextmanager
def locked(path, timeout):
    """Hold the lock file ``path``; say once that we wait for it, and give up after ``timeout`` seconds."""
    import filelock

    lock = filelock.FileLock(path)
    try:
        lock.acquire(blocking=False)
    except filelock.Timeout:
        print(f"tf1_rnn: waiting for another process compiling the LSTM and GRU kernels (lock {path})", file=sys.stderr)
        try:
            lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise KernelUnavailable(f"another process held the lock {path} for over {timeout:g} s; "
                                    "gave up waiting (TF1_RNN_KERNEL_TIMEOUT)") from None
    try:
        yield
    finally:
        lock.release()


def remembered_failure(directory):
    """Why the build in ``directory`` failed before, or None."""
    try:
        with open(os.path.join(directory, MARKER), encoding="utf-8", errors="replace") as marker:
            return marker.readline().strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None


def remember_failure(directory, why):
    """Record ``why`` (one line) so that other processes do not compile this build again."""
    fd = os.open(os.path.join(directory, MARKER), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as marker:
        marker.write((why.splitlines() or [""])[0] + "\n")


def forget_failure(directory):
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(directory, MARKER))


def same_file(path, info):
    """True when ``path`` is still the file ``info`` (an ``os.lstat`` result) was taken of."""
    try:
        return os.path.samestat(os.lstat(path), info)
    except FileNotFoundError:
        return False
