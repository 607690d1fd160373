"""TF1 graph mode on current TensorFlow, in one place.

Every module of tf1_rnn imports TensorFlow's v1 API the same way::

    from tf1_rnn.compat import tf

``tf`` is ``tensorflow.compat.v1``, loaded on first use of that name. Importing this module
(or any of tf1_rnn) changes nothing in the process: not the environment, not eager execution,
not the warning filters, not TensorFlow's modules. An entry point (a tutorial script, the
runner, ``%load_ext tf1_rnn``, the reproduction, the benchmark, the tests) switches TF1 mode
on with one call, :func:`enable_tf1`.

The legacy RNN cells and layers (``tf.nn.rnn_cell.*``, ``tf.layers.*``) live in the tf-keras
package on Keras 3 installs; :func:`legacy_rnn_cells` and :func:`legacy_layers` return its
modules directly, so no ``TF_USE_LEGACY_KERAS`` is needed for them. Their variables keep
TF1's names (``.../basic_lstm_cell/kernel``), so a TF1 checkpoint's names match.
"""
import contextlib
import importlib
import logging
import os
import sys
import tempfile
import warnings

_LOADED = {}


def __getattr__(name):
    """``tf`` and ``tensorflow``, imported on first use (PEP 562)."""
    if name in ("tf", "tensorflow"):
        if "tensorflow" not in _LOADED:
            with cpp_log_hidden():
                _LOADED["tensorflow"] = importlib.import_module("tensorflow")
        return _LOADED["tensorflow"].compat.v1 if name == "tf" else _LOADED["tensorflow"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _cpp_log_shown():
    """The user asked for TensorFlow's C++ log by lowering its level to 0 (all) or 1 (warnings)."""
    return os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2") in ("0", "1")


@contextlib.contextmanager
def cpp_log_hidden():
    """Hide what C++ writes to fd 2 meanwhile (absl prints start-up lines before any level applies).

    On an exception the hidden lines are replayed, so nothing that explains a failure is lost.
    """
    if _cpp_log_shown():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def enable_tf1(verbose=False):
    """Switch this process to TF1 graph mode, quietly; what every entry point calls first.

    Call it before TensorFlow is imported to keep TensorFlow's C++ start-up log quiet too (it
    reads TF_CPP_MIN_LOG_LEVEL once, at import; child processes inherit the setting).
    """
    if "tensorflow" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tf = __getattr__("tf")
    with cpp_log_hidden():
        tf.config.list_physical_devices()  # device discovery logs once, here, not at each Session
    tf.disable_eager_execution()
    if not _cpp_log_shown():
        with cpp_log_hidden():  # TensorFlow 2.18 logs one line at the first graph it runs, whatever the level
            with tf.Graph().as_default() as graph, tf.Session(graph=graph) as session:
                session.run(tf.constant(0))
    quiet_tensorflow(verbose)
    return tf


def quiet_tensorflow(verbose=False):
    """Keep TensorFlow's deprecation notices out of a normal run; ``verbose`` shows them."""
    tensorflow = __getattr__("tensorflow")
    tensorflow.get_logger().setLevel(logging.INFO if verbose else logging.ERROR)
    _set_deprecation_notices(verbose)
    if not verbose:
        # The legacy cells warn on every construction that Keras 3 replaces them.
        warnings.filterwarnings("ignore", module=r"tf_keras(\..*)?$")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*is deprecated.*", category=UserWarning)


def internal(name, without_it):
    """TensorFlow's (or tf-keras's) private module ``name``, or None after one line saying what
    ``without_it`` is lost: a later release that moves it degrades one feature, not every import."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if name not in _MISSING_INTERNALS:
            _MISSING_INTERNALS.add(name)
            print(f"tf1_rnn: this TensorFlow has no internal module {name}; {without_it}", file=sys.stderr)
        return None


_MISSING_INTERNALS = set()


def _set_deprecation_notices(shown):
    """TensorFlow's own switch for its deprecation notices; private, so a TensorFlow without it
    only keeps printing them (one line says so under --verbose)."""
    deprecation = internal("tensorflow.python.util.deprecation", "its deprecation notices stay on") or object()
    if hasattr(deprecation, "_PRINT_DEPRECATION_WARNINGS"):
        deprecation._PRINT_DEPRECATION_WARNINGS = shown
    elif shown:
        print("tf1_rnn: this TensorFlow has no switch for its deprecation notices", file=sys.stderr)


def legacy_rnn_cells():
    """TF1's ``tf.nn.rnn_cell`` namespace (BasicLSTMCell, MultiRNNCell, ...), from tf-keras."""
    return _tf_keras_v1("rnn_cell")


def legacy_layers():
    """TF1's ``tf.layers`` namespace (dense, Dense, conv2d, ...), from tf-keras."""
    return _tf_keras_v1("layers")


def layer_rnn_cell():
    """tf-keras's ``LayerRNNCell`` (TF1's base for cells that build their own weights), private in
    tf-keras; where it moved, ``RNNCell``, which lacks only its scope handling on first call."""
    cells = internal("tf_keras.src.layers.rnn.legacy_cells", "custom cells build as plain RNNCells")
    return getattr(cells, "LayerRNNCell", None) or legacy_rnn_cells().RNNCell


def _tf_keras_v1(part):
    # What tf.compat.v1.nn.rnn_cell / tf.compat.v1.layers resolve to under TF_USE_LEGACY_KERAS=1.
    try:
        return importlib.import_module(f"tf_keras.api._v1.keras.__internal__.legacy.{part}")
    except ImportError as err:
        version = __getattr__("tensorflow").__version__.rsplit(".", 1)[0]
        raise ImportError(f"tf1_rnn needs TF1's legacy {part} from the 'tf-keras' package "
                          f"(pip install 'tf-keras~={version}'): {err}") from err


class TF1DefaultInitializer:
    """What TF1's ``get_variable`` used when given no initializer: glorot_uniform for floats,
    zeros otherwise. Seeded by the graph seed, as in TF1.

    tf-keras's legacy cells otherwise fall back to Keras's own glorot_uniform with a random
    seed, so ``tf.set_random_seed`` would no longer fix their initial weights. Set it on a
    variable scope (``initializer=``) and everything below that scope gets TF1's default.
    """

    def __init__(self):
        self._floats = self._float_initializer()

    @staticmethod
    def _float_initializer():
        return __getattr__("tf").glorot_uniform_initializer()

    def __call__(self, shape, dtype=None, partition_info=None):
        tf = __getattr__("tf")
        dtype = tf.as_dtype(dtype or tf.float32)
        if dtype.is_floating:
            return self._floats(shape, dtype, partition_info=partition_info)
        return tf.zeros(shape, dtype)


class TF0DefaultInitializer(TF1DefaultInitializer):
    """TF 0.x's default before 1.0 made it glorot: uniform_unit_scaling, U(+-sqrt(3 / fan_in))
    with fan_in the product of all dimensions but the last (an LSTM kernel: input + H)."""

    @staticmethod
    def _float_initializer():
        return __getattr__("tf").uniform_unit_scaling_initializer()
