"""The compiled LSTM op (``lstm_sequence.cc``): built on first use, once per machine.

TensorFlow ships its headers, so a C++ compiler is all a custom op needs. The library is
compiled for this CPU (``-march=native``) into the user's cache directory, keyed by the
source, TensorFlow's version, the compiler and the CPU, and loaded from there afterwards.
Where it cannot be built (no compiler, say) ``load_or_reason()`` says why in one line, and
``tf1_rnn.lstm.impl.choose`` runs the LSTM as TensorFlow ops instead; so it does on a machine
with a GPU, where TensorFlow's own kernels are the fast ones. ``TF1_RNN_KERNEL=0`` turns it
off; ``TF1_RNN_KERNEL_DIR`` moves the cache.
"""
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from tf1_rnn import compat

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lstm_sequence.cc")
OPTIMIZE = ["-O3", "-march=native", "-DNDEBUG"]


class KernelUnavailable(RuntimeError):
    """The kernel cannot be built or loaded here; the message says why in one line."""


@functools.lru_cache(maxsize=None)
def load_or_reason():
    """``(library, None)``, or ``(None, why)`` when the op cannot run here. Tried once per process."""
    if os.environ.get("TF1_RNN_KERNEL", "1") == "0":
        return None, "turned off by TF1_RNN_KERNEL=0"
    tf = compat.tf
    if tf.config.list_physical_devices("GPU"):
        return None, "it is for CPUs, and on a GPU TensorFlow's own kernels are the fast ones"
    try:
        return tf.load_op_library(build()), None
    except (KernelUnavailable, tf.errors.NotFoundError) as err:
        return None, str(err)


def load():
    """The loaded op library (``.tf1_rnn_lstm_sequence``, ``.tf1_rnn_lstm_sequence_grad``), or None."""
    return load_or_reason()[0]


def build(cache_dir=None, compiler=None):
    """Compile the kernel unless a build for this machine exists; returns the library's path."""
    compiler = compiler or os.environ.get("CXX", "c++")
    if shutil.which(compiler) is None:
        raise KernelUnavailable(f"no C++ compiler: {compiler!r} not found (set CXX)")
    sysconfig = compat.tf.sysconfig
    command = [compiler, "-std=c++17", "-shared", "-fPIC", "-w", *OPTIMIZE, *sysconfig.get_compile_flags(),
               SOURCE, *sysconfig.get_link_flags()]
    key = _build_key(command, compiler)
    directory = os.path.join(cache_dir or _cache_root(), key)
    library = os.path.join(directory, "lstm_sequence.so")
    if os.path.exists(library):
        return library
    import filelock

    os.makedirs(directory, exist_ok=True)
    with filelock.FileLock(library + ".lock"):
        if not os.path.exists(library):  # another process may have built it while we waited
            _compile(command, library)
    return library


def _compile(command, library):
    print("tf1_rnn: compiling the LSTM kernel for this machine (once, about 10 s)", file=sys.stderr)
    fd, partial = tempfile.mkstemp(suffix=".so.tmp", dir=os.path.dirname(library))
    os.close(fd)
    try:
        done = subprocess.run([*command, "-o", partial], capture_output=True, text=True)
        if done.returncode != 0:
            first_error = next((line for line in done.stderr.splitlines() if "error" in line), done.stderr.strip())
            raise KernelUnavailable(f"compiling {os.path.basename(SOURCE)} failed: {first_error[:300]}")
        os.replace(partial, library)  # whole or absent: a killed build leaves no half library
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _build_key(command, compiler):
    """What the library depends on: source, command (TensorFlow's flags name its version), compiler, CPU."""
    digest = hashlib.sha256()
    with open(SOURCE, "rb") as source:
        digest.update(source.read())
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout
    for part in (" ".join(command), compat.tf.__version__, version, _cpu_signature()):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def _cpu_signature():
    """-march=native compiles for this CPU: its model and instruction-set flags."""
    try:
        with open("/proc/cpuinfo") as info:
            lines = [line for line in info if line.startswith(("model name", "flags", "Features"))]
        return "".join(sorted(set(lines)))
    except OSError:
        import platform

        return platform.machine() + platform.processor()


def _cache_root():
    if os.environ.get("TF1_RNN_KERNEL_DIR"):
        return os.environ["TF1_RNN_KERNEL_DIR"]
    import platformdirs

    return os.path.join(platformdirs.user_cache_dir("tf1_rnn"), "kernels")
