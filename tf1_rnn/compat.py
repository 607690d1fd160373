"""TF1 graph mode on current TensorFlow, in one place.

Every module of tf1_rnn imports TensorFlow's v1 API the same way::

    from tf1_rnn.compat import tf

``tf`` is ``tensorflow.compat.v1`` with eager execution off and the legacy RNN cells
(``tf.nn.rnn_cell.BasicLSTMCell`` and friends) routed to the ``tf-keras`` package, so
they work on TensorFlow >= 2.16 where Keras 3 would refuse them. Variables keep TF1's
names (``.../basic_lstm_cell/kernel``), so a TF1 checkpoint's names match.
"""
import contextlib
import logging
import os
import sys
import tempfile
import warnings

# The user asked for TensorFlow's C++ log by lowering its level to 0 (all) or 1 (warnings).
# Not "the variable is set": a child process inherits the default we set below.
_SHOW_CPP_LOG = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2") in ("0", "1")
# TensorFlow reads these when it (or its Keras loader) first needs them, so set them before
# the import; a user who imported TensorFlow first is handled by _route_legacy_cells().
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_QUIET = {"enabled": False, "cpp": not _SHOW_CPP_LOG}


@contextlib.contextmanager
def cpp_log_hidden():
    """Hide what C++ writes to fd 2 (absl prints start-up lines before any level applies).

    On an exception the hidden lines are replayed, so nothing that explains a failure is lost.
    """
    if not _QUIET["cpp"]:
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


with cpp_log_hidden():
    import tensorflow  # noqa: E402

    tensorflow.config.list_physical_devices()  # device discovery logs once, here, not at each Session

tf = tensorflow.compat.v1


def _route_legacy_cells():
    """Point TensorFlow's Keras loaders at tf-keras, even if one already chose Keras 3.

    TensorFlow resolves ``tf.compat.v1.nn.rnn_cell`` (and ``tf.compat.v1.layers``) lazily,
    reading TF_USE_LEGACY_KERAS on first use. If the user touched one before importing
    tf1_rnn, it is already bound to Keras 3; marking it uninitialised makes it re-read
    the variable on next use.
    """
    from tensorflow.python.util.lazy_loader import KerasLazyLoader

    for name, module in list(sys.modules.items()):
        if not name.startswith("tensorflow._api") or module is None:
            continue
        for value in list(vars(module).values()):
            if (isinstance(value, KerasLazyLoader)
                    and object.__getattribute__(value, "_tfll_initialized")
                    and getattr(value, "_tfll_keras_version", None) == "keras_3"):
                object.__setattr__(value, "_tfll_initialized", False)


def quiet_tensorflow(verbose=False):
    """Keep TensorFlow's deprecation notices out of a normal run; ``verbose`` shows them."""
    from tensorflow.python.util import deprecation

    _QUIET["cpp"] = not (verbose or _SHOW_CPP_LOG)
    level = logging.INFO if verbose else logging.ERROR
    tensorflow.get_logger().setLevel(level)
    deprecation._PRINT_DEPRECATION_WARNINGS = verbose
    if not verbose and not _QUIET["enabled"]:
        # The legacy cells warn on every construction that Keras 3 replaces them.
        warnings.filterwarnings("ignore", module=r"tf_keras(\..*)?$")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*is deprecated.*", category=UserWarning)
        _QUIET["enabled"] = True


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
        return tf.glorot_uniform_initializer()

    def __call__(self, shape, dtype=tf.float32, partition_info=None):
        dtype = tf.as_dtype(dtype)
        if dtype.is_floating:
            return self._floats(shape, dtype, partition_info=partition_info)
        return tf.zeros(shape, dtype)


class TF0DefaultInitializer(TF1DefaultInitializer):
    """TF 0.x's default before 1.0 made it glorot: uniform_unit_scaling, U(+-sqrt(3 / fan_in))
    with fan_in the product of all dimensions but the last (an LSTM kernel: input + H)."""

    @staticmethod
    def _float_initializer():
        return tf.uniform_unit_scaling_initializer()


def legacy_rnn_cells():
    """The ``tf.nn.rnn_cell`` namespace, resolved now (raises a clear error if it cannot be)."""
    try:
        return tf.nn.rnn_cell.BasicLSTMCell and tf.nn.rnn_cell
    except (AttributeError, ImportError) as err:
        raise ImportError(
            "tf1_rnn needs the legacy RNN cells from the 'tf-keras' package "
            f"(pip install 'tf-keras~={tensorflow.__version__.rsplit('.', 1)[0]}'): {err}") from err


_route_legacy_cells()
tf.disable_eager_execution()
quiet_tensorflow(verbose=False)
