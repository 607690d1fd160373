"""The C++ compiler as a subprocess: ``CXX`` as a command line, its version, and one compile that
leaves a whole library or nothing, within a time limit, and stops whole on SIGTERM or Ctrl-C."""
import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading

from tf1_rnn.lstm.compiled.cache import KernelUnavailable

DEFAULT_TIMEOUT_S = 300
VERSION_TIMEOUT_S = 60  # a compiler that takes longer to say its version is stuck


class BuildFailed(KernelUnavailable):
    """The compiler ran and failed, or ran out of time: remembered, not retried by every process."""


def command_words(line=None):
    """The compiler's command line as words: ``line``, else ``$CXX``, else ``c++`` (``ccache g++`` works)."""
    line = line or os.environ.get("CXX") or "c++"
    try:
        words = shlex.split(line)
    except ValueError as err:
        raise KernelUnavailable(f"CXX={line!r} is not a command line: {err}") from None
    if not words or shutil.which(words[0]) is None:
        raise KernelUnavailable(f"no C++ compiler: {(words or [line])[0]!r} not found (set CXX)")
    return words


def version(words):
    """The compiler's ``--version``; through a launcher (``ccache g++``), the real compiler's."""
    try:
        return subprocess.run([*words, "--version"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors="replace", timeout=VERSION_TIMEOUT_S).stdout
    except subprocess.TimeoutExpired:
        raise KernelUnavailable(f"{shlex.join(words)} --version took over {VERSION_TIMEOUT_S} s") from None


def timeout_s():
    """How long one compile may take: ``TF1_RNN_KERNEL_TIMEOUT`` seconds, default 300."""
    value = os.environ.get("TF1_RNN_KERNEL_TIMEOUT", str(DEFAULT_TIMEOUT_S))
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:
        raise KernelUnavailable(f"TF1_RNN_KERNEL_TIMEOUT must be a number of seconds, got {value!r}")
    return seconds


def compile_library(command, source, library):
    """Run ``command -o library.tmp`` (the caller holds the lock: the name is ours), then sync the
    result and move it into place. Whatever stops it, no ``.tmp`` and no compiler are left."""
    partial = library + ".tmp"
    print("tf1_rnn: compiling the LSTM and GRU kernels for this machine (once, about 20 s)", file=sys.stderr)
    with _signals_stop_the_compiler() as stop:
        try:
            returncode, output = _run([*command, "-o", partial], source, timeout_s(), stop)
            if returncode != 0:
                raise BuildFailed(f"compiling {source} failed: {_first_error(output, returncode)}")
            with open(partial, "rb") as built:
                os.fchmod(built.fileno(), 0o700)  # the linker's mode follows the umask, perhaps group-writable
                os.fsync(built.fileno())  # durable before it is renamed: never a named, empty library
            os.replace(partial, library)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(partial)


def _run(command, source, timeout, stop):
    """``(returncode, output)``; the compiler runs in a process group of its own, killed whole on a
    timeout or by ``stop`` (a signal)."""
    with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace", start_new_session=True) as compiler:
        stop.compiler = compiler
        try:
            if stop.signum:  # it came while the compiler started
                stop.kill()
            output, _ = compiler.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop.kill()
            compiler.wait()
            raise BuildFailed(f"compiling {source} took over {timeout:g} s (TF1_RNN_KERNEL_TIMEOUT)") from None
        finally:
            stop.compiler = None
    if stop.signum:
        raise Interrupted(f"compiling was interrupted by {signal.Signals(stop.signum).name}")
    return compiler.returncode, output


class Interrupted(KernelUnavailable):
    """SIGTERM or SIGINT came during the compile, and its handler did not end the process."""


class _Stop:
    """The signal handler during a compile: it notes the first signal and kills the compiler's
    process group (the driver and what it started: cc1plus, as, ld). It raises nothing, so no
    exception can come out of the middle of starting the compiler."""

    def __init__(self):
        self.signum = None
        self.compiler = None

    def __call__(self, signum, _frame):
        self.signum = self.signum or signum
        self.kill()

    def kill(self):
        if self.compiler is not None and self.compiler.returncode is None:  # not reaped: its group is ours
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.compiler.pid, signal.SIGKILL)


@contextlib.contextmanager
def _signals_stop_the_compiler():
    """Within: SIGTERM and SIGINT (main thread only) go to a ``_Stop``. After the block's own
    clean-up, the signal goes to the handler it had before (by default: the process ends)."""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    previous = {signum: handler for signum, handler in previous.items() if handler not in (None, signal.SIG_IGN)}
    for signum in previous:
        signal.signal(signum, stop)
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if stop.signum:
            signal.raise_signal(stop.signum)


def _first_error(output, returncode):
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    first = next((line for line in lines if "error" in line), lines[-1] if lines else f"exit status {returncode}")
    return first[:300]
