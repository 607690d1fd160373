"""The compiled LSTM and GRU ops (``lstm_sequence.cc``, ``gru_sequence.cc``): one library, built on
first use, once per machine.

TensorFlow ships its headers, so a C++ compiler is all a custom op needs. The library is
compiled for this CPU (``-march=native``) into the user's cache directory (``TF1_RNN_KERNEL_DIR``
moves it), in a folder named by what the library depends on: the source, the compile command,
TensorFlow's build (the distribution that provides it, its version, build information and
commit), the compiler's ``--version`` and the CPU. ``load_or_reason()`` loads it from there,
building it first if needed; where it cannot, it says why in one line and
``tf1_rnn.lstm.impl.choose`` runs the LSTM as TensorFlow ops instead. So it does on a machine
with a GPU, where TensorFlow's own kernels are the fast ones. ``TF1_RNN_KERNEL=0`` turns it off.

Folders are made 0700, and a library is loaded only where ``cache.check_private`` finds it
private: it and every folder from the cache root down to it belong to this user (or root) and
no one else may write them. Otherwise no library is loaded or built there, and the LSTM runs as
TensorFlow ops after one line naming the folder (a private build instead would cost every run
the compile, and hide the problem). Any other problem with the cache (read-only, no home
directory, no file locking) falls back the same way; a read-only cache that already holds the
build (an image that ran ``python -m tf1_rnn.lstm.compiled`` once) is loaded without writing.

``CXX`` is a command line (``ccache g++`` works). The compiler writes a temporary file that is
synced and renamed into place, so a library is whole or absent; SIGTERM or Ctrl-C during the
compile removes it and the compiler before the signal takes its usual effect. The compile may
take ``TF1_RNN_KERNEL_TIMEOUT`` seconds (default 300); another process waits for it up to twice
that, then runs without it. A failed compile is remembered in its folder and not tried again
until the key changes or ``python -m tf1_rnn.lstm.compiled`` asks; a library that does not load
is built again once, and remembered as failed if it still does not load.
"""
import functools
import hashlib
import os
import shlex

from tf1_rnn import compat
from tf1_rnn.lstm.compiled import cache, cxx
from tf1_rnn.lstm.compiled.cache import KernelUnavailable

SOURCES = [os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
           for name in ("lstm_sequence.cc", "gru_sequence.cc")]
SOURCE_NAMES = " + ".join(os.path.basename(source) for source in SOURCES)  # what messages name
HEADERS = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "matrix_rows.h")]  # what both include
LIBRARY = "rnn_sequence.so"
OPTIMIZE = ["-O3", "-march=native", "-DNDEBUG"]


@functools.lru_cache(maxsize=None)
def load_or_reason():
    """``(library, None)``, or ``(None, why)`` when the op cannot run here. Tried once per process."""
    if os.environ.get("TF1_RNN_KERNEL", "1") == "0":
        return None, "turned off by TF1_RNN_KERNEL=0"
    if compat.tf.config.list_physical_devices("GPU"):
        return None, "it is for CPUs, and on a GPU TensorFlow's own kernels are the fast ones"
    try:
        return build_and_load()[1], None
    except KernelUnavailable as err:
        return None, str(err)


def load():
    """The loaded op library (``.tf1_rnn_lstm_sequence``, ``.tf1_rnn_gru_sequence`` and their ``_grad``), or None."""
    return load_or_reason()[0]


def build_and_load(retry_failed=False):
    """``(path, library)``: this machine's build, compiled if missing, and loaded.

    Every problem is a KernelUnavailable. ``retry_failed``: compile even where it failed before.
    """
    tf = compat.tf
    try:
        library = build(retry_failed=retry_failed)
        try:
            return library, _load(library)
        except tf.errors.OpError:  # a library cut short, say: built again, once
            library = build(retry_failed=retry_failed, broken=os.lstat(library))
        try:
            return library, _load(library)
        except tf.errors.OpError as err:
            why = f"the library built at {library} does not load: {_first_line(err.message)}"
            _give_up(library, os.lstat(library), why)
            raise KernelUnavailable(why) from None
    except (OSError, NotImplementedError) as err:  # a read-only cache, no home directory, no flock
        raise KernelUnavailable(_describe(err)) from None


def _load(library):
    """``tf.load_op_library``; its Python wrappers import TensorFlow internals, and a TensorFlow that
    moved one fails there: that is a reason to run without the op, not a crash."""
    tf = compat.tf
    try:
        return tf.load_op_library(library)
    except tf.errors.OpError:
        raise
    except Exception as err:  # noqa: BLE001 - whatever a later TensorFlow's wrapper code raises
        raise KernelUnavailable(f"loading {library} failed in TensorFlow's op wrappers: "
                                f"{type(err).__name__}: {_first_line(str(err))}") from None


def build(cache_dir=None, compiler=None, retry_failed=False, broken=None):
    """Compile the kernel unless a build for this machine exists; returns the library's path.

    ``compiler``: its command line (default ``$CXX``, else ``c++``). ``retry_failed``: compile even
    where this build failed before. ``broken``: the ``os.lstat`` of the library found here that
    did not load; it is replaced, unless another process has replaced it already.
    """
    words = cxx.command_words(compiler)
    sysconfig = compat.tf.sysconfig
    command = [*words, "-std=c++17", "-shared", "-fPIC", "-w", *OPTIMIZE, *sysconfig.get_compile_flags(),
               *SOURCES, *sysconfig.get_link_flags()]
    root = cache_dir or _cache_root()
    directory = os.path.join(root, _build_key(command, words))
    library = os.path.join(directory, LIBRARY)
    cache.check_private(root, library)
    if broken is None and os.path.lexists(library):
        return library  # no lock, no write: a read-only cache that holds the build is enough
    _raise_if_failed_before(directory, retry_failed)
    cache.make_private_dirs(directory)
    cache.check_private(root, library)  # a folder another process made in the meantime
    with cache.locked(library + ".lock", 2 * cxx.timeout_s()):
        if broken is not None and cache.same_file(library, broken):
            os.remove(library)
        if os.path.lexists(library):  # another process built it while we waited
            cache.check_private(root, library)
            return library
        _raise_if_failed_before(directory, retry_failed)
        try:
            cxx.compile_library(command, SOURCE_NAMES, library)
        except cxx.BuildFailed as failure:
            cache.remember_failure(directory, str(failure))
            raise
        cache.forget_failure(directory)
    return library


def _raise_if_failed_before(directory, retry_failed):
    why = None if retry_failed else cache.remembered_failure(directory)
    if why:
        raise KernelUnavailable(f"{why} (an earlier try; python -m tf1_rnn.lstm.compiled tries again)")


def _give_up(library, info, why):
    """Remember that the library built here does not load, and remove it, so no process loads it again."""
    with cache.locked(library + ".lock", 2 * cxx.timeout_s()):
        if cache.same_file(library, info):
            os.remove(library)
        cache.remember_failure(os.path.dirname(library), why)


def _build_key(command, words):
    """What the library depends on: sources and header, command, TensorFlow's build, the compiler, the CPU."""
    digest = hashlib.sha256()
    for path in [*SOURCES, *HEADERS]:
        with open(path, "rb") as source:
            digest.update(source.read())
    for part in (shlex.join(command), *_tensorflow_build(), cxx.version(words), _cpu_signature()):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def _tensorflow_build():
    """The TensorFlow the op links against: the distribution that installed it (tensorflow,
    tensorflow-cpu, tf-nightly...) and its version, its build information, its version and commit."""
    from importlib import metadata

    tf = compat.tf
    distributions = sorted(set(metadata.packages_distributions().get("tensorflow", [])))
    build_info = getattr(tf.sysconfig, "get_build_info", dict)()
    return ([f"{name}=={metadata.version(name)}" for name in distributions]
            + [f"{key}={value}" for key, value in sorted(build_info.items())]
            + [tf.__version__, getattr(tf, "__git_version__", "")])


def _cpu_signature():
    """-march=native compiles for this CPU: its model and instruction-set flags."""
    try:
        with open("/proc/cpuinfo") as info:
            lines = [line for line in info if line.startswith(("model name", "flags", "Features"))]
        return "".join(sorted(set(lines)))
    except OSError:
        import platform

        return platform.machine() + platform.processor()


def _first_line(text):
    return (text.strip().splitlines() or [""])[0][:300]


def _describe(err):
    if isinstance(err, OSError) and err.strerror and err.filename:
        return f"{err.filename}: {err.strerror}"
    return str(err) or type(err).__name__


def _cache_root():
    if os.environ.get("TF1_RNN_KERNEL_DIR"):
        return os.environ["TF1_RNN_KERNEL_DIR"]
    import platformdirs

    return os.path.join(platformdirs.user_cache_dir("tf1_rnn"), "kernels")
