"""Namespaces that look like TensorFlow 1.x modules, and the one-line errors for what they lack.

A :class:`Namespace` answers attribute lookups from its ``overrides`` first, then from its
``targets`` (``tf.compat.v1`` and ``tensorflow``); a name it cannot provide raises
:class:`LegacyAPIError`, whose message names the symbol, what replaced it, and where the
runner's support ends. ``import tensorflow.contrib.<x>`` for an ``x`` with no port fails the
same way (:class:`GuardedImports`).
"""
import importlib.abc
import importlib.util
import sys
import types

SUPPORT = ("the runner provides TensorFlow 1.15's API outside tf.contrib (as tf.compat.v1), TF 0.x's "
           "renamed functions and RNN modules (tensorflow.models.rnn with ptb and translate), tf.contrib.rnn, "
           "tf.contrib.{layers,slim,framework,losses,metrics} (through tf-slim), tf.contrib.cudnn_rnn, tf.contrib.seq2seq and "
           "legacy_seq2seq, tf.contrib.learn's run_n, preprocessing and datasets, and "
           "tf.examples.tutorials.mnist")

# Names with no port here, and what replaced them. (TF 0.x names the runner does provide live
# in legacy/tf0.py and legacy/tf0_rnn.py; contrib parts it provides live in legacy/contrib.py.)
REPLACED = {
    "tf.contrib.layers.real_valued_column": "tf.feature_column.numeric_column",
    "tf.contrib.layers.sparse_column_with_hash_bucket": "tf.feature_column.categorical_column_with_hash_bucket",
    "tf.contrib.layers.embedding_column": "tf.feature_column.embedding_column",
    "tf.contrib.learn": "tf.estimator, itself removed in TensorFlow 2.16; use Keras",
    "tf.estimator": "nothing in TensorFlow 2.16+ (removed); use Keras",
}


class LegacyAPIError(AttributeError):
    """A TF 1.x name the runner cannot provide."""

    def __init__(self, symbol):
        replaced = REPLACED.get(symbol) or REPLACED.get(symbol.rsplit(".", 1)[0])
        if replaced:
            how = f"replaced by {replaced}"
        elif symbol.startswith("tf.contrib."):
            how = "tf.contrib was removed in TensorFlow 2.0 and this part of it has no port here"
        else:
            how = "not part of TensorFlow 1.15's API"
        super().__init__(f"{symbol} is not available: {how}; {SUPPORT}")
        self.symbol = symbol


class LegacyImportError(ImportError):
    """``import tensorflow.contrib.X`` for an X the runner cannot provide."""


class LegacyCallError(TypeError):
    """A call that means different things in TF 0.x and 1.x, with arguments that do not tell which."""

    def __init__(self, symbol, why, fix):
        super().__init__(f"{symbol}(...) is ambiguous: {why}; {fix}")
        self.symbol = symbol


class Namespace(types.ModuleType):
    """Attribute lookup through ``overrides`` then ``targets``; a miss is a LegacyAPIError.

    A sub-module found on a target is wrapped in turn, so ``tf.nn.no_such_thing`` fails as
    clearly as ``tf.no_such_thing`` does.
    """

    def __init__(self, name, targets=(), overrides=None):
        super().__init__(name)  # the module's real name: Python imports submodules by it
        self._symbol = "tf" + name[len("tensorflow"):]  # how scripts spell it, for messages
        self._targets, self._overrides = list(targets), dict(overrides or {})
        self.__path__ = []  # a package: "import tensorflow.contrib.x" asks sys.modules, then GuardedImports

    def __getattr__(self, name):
        if name == "__all__":  # what "from tensorflow.x import *" binds: the public names
            return [n for n in self.__dir__() if not n.startswith("_")]
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._overrides:
            return self._overrides[name]
        symbol = f"{self._symbol}.{name}"
        if symbol not in REPLACED:
            found = [getattr(t, name) for t in self._loaded_targets() if hasattr(t, name)]
            if found:
                value = found[0]
                if isinstance(value, types.ModuleType):
                    value = Namespace(f"{self.__name__}.{name}", found)
                    self._overrides[name] = value
                return value
        raise LegacyAPIError(symbol)

    def __dir__(self):
        return sorted(set(self._overrides).union(*(dir(t) for t in self._loaded_targets())))

    def _loaded_targets(self):
        return self._targets

    def provide(self, **overrides):
        """Add or replace names (used to assemble the namespace from its parts)."""
        self._overrides.update(overrides)
        return self


class LazyNamespace(Namespace):
    """A :class:`Namespace` whose targets are imported on its first lookup: a library only some
    programs use (tf-slim) is loaded by those programs alone, so a break in it stops no other."""

    def __init__(self, name, load, overrides=None):
        super().__init__(name, (), overrides)
        self._load = load

    def _loaded_targets(self):
        if self._load is not None:  # a load that fails is tried again, and fails as clearly, next time
            self._targets = list(self._load())
            self._load = None
        return self._targets


def name_positionals(args, kwargs, names, what):
    """``kwargs`` with the positional ``args`` named by an old signature's ``names``, as Python would."""
    if len(args) > len(names):
        raise TypeError(f"{what}() takes at most {len(names)} positional arguments")
    for name, value in zip(names, args):
        if name in kwargs:
            raise TypeError(f"{what}() got multiple values for argument '{name}'")
        kwargs[name] = value
    return kwargs


def module(name, **overrides):
    """A namespace holding only ``overrides`` (a module TensorFlow no longer has)."""
    return Namespace(name, overrides=overrides)


class GuardedImports(importlib.abc.MetaPathFinder):
    """``import tensorflow.x.y`` resolved through the namespaces, as attribute lookups are.

    ``import tensorflow.models.rnn.rnn_cell`` or ``from tensorflow.keras.datasets import mnist``
    finds the sub-namespace ``tf.models.rnn.rnn_cell``; ``import tensorflow.contrib.<anything
    with no port>`` fails with the one-line message :class:`LegacyAPIError` would give.
    """

    def find_spec(self, fullname, path=None, target=None):
        parent, _, name = fullname.rpartition(".")
        if not isinstance(sys.modules.get(parent), Namespace):
            return None
        try:
            value = getattr(sys.modules[parent], name)
        except LegacyAPIError as err:
            raise LegacyImportError(str(err)) from None
        if not isinstance(value, types.ModuleType):
            return None
        return importlib.util.spec_from_loader(fullname, _Existing(value), is_package=True)


class _Existing(importlib.abc.Loader):
    """Loads a module that already exists (a namespace) under the name it is imported by."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass
