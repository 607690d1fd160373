"""NumPy as the programs of 2016-2018 used it (NumPy 1.11-1.15), on today's NumPy.

:func:`legacy_numpy` puts back, until it exits, what NumPy has since removed:

- the aliases of Python's types (``np.float``, ``np.int``, ``np.object``, ``np.str``,
  ``np.unicode``, ``np.complex``), the renamed scalar types (``np.float_``, ``np.int0``, ...), the
  constants (``np.NaN``, ``np.Inf``, ...) and functions (``np.asscalar``, ``np.product``,
  ``np.in1d``, ``np.rank``, ...); ``np.math`` and ``np.warnings`` as the modules they were;
- a ragged nested list given to ``np.array``/``np.asarray`` without a dtype becomes an object
  array, as before NumPy 1.24 (NumPy 2 raises ValueError), with the VisibleDeprecationWarning
  that NumPy 1.19-1.23 gave (the NumPy of 2016-2018 said nothing);
- ``np.fromstring`` of bytes (its binary mode) and ``np.load`` of pickled objects (the default
  was ``allow_pickle=True`` until NumPy 1.16.3);
- a one-element array of big-endian integers from ``np.frombuffer``, as the IDX readers of TF
  0.5's ``input_data.py`` read each header field, can be used as a size or an index;
- scalars print as ``3.5``, not ``np.float32(3.5)`` (``legacy="1.25"``; ``printing="1.13"`` also
  gives the array layout of NumPy <= 1.13, ``[ 1.  2.]``).

Kept as NumPy 2 has them: ``np.bool`` and ``np.long`` exist again, as NumPy's own bool and C long
types; NumPy's own code compares dtypes with ``np.bool``, so it cannot become Python's ``bool``.

``int()``, ``float()`` and ``complex()`` of a one-element array of any ndim (NumPy 2 accepts only
0-d) cannot be given back by patching NumPy; :func:`builtins_overrides` gives stand-ins for the
program's own builtins. Methods NumPy 2 removed from arrays (``tostring``, ``itemset``, ``ptp``,
``newbyteorder``) cannot be added back either.
"""
import builtins
import contextlib
import functools
import math
import warnings

import numpy as np

from tf1_rnn.legacy.patches import Patches

PRINT_LEGACY = "1.25"  # scalars print as before NumPy 2; arrays print as today

TYPE_ALIASES = {"float": float, "int": int, "object": object, "str": str, "unicode": str, "complex": complex}
SCALAR_TYPES = {
    "float_": np.float64, "complex_": np.complex128, "cfloat": np.complex128, "singlecomplex": np.complex64,
    "longfloat": np.longdouble, "longcomplex": np.clongdouble, "clongfloat": np.clongdouble,
    "int0": np.intp, "uint0": np.uintp, "bool8": np.bool_, "object0": np.object_,
    "string_": np.bytes_, "bytes0": np.bytes_, "unicode_": np.str_, "str0": np.str_, "void0": np.void,
}
CONSTANTS = {"NaN": math.nan, "NAN": math.nan, "Inf": math.inf, "Infinity": math.inf, "infty": math.inf,
             "PINF": math.inf, "NINF": -math.inf, "PZERO": 0.0, "NZERO": -0.0}
RAGGED_WARNING = ("Creating an ndarray from ragged nested sequences (which is a list-or-tuple of lists-or-"
                  "tuples-or ndarrays with different lengths or shapes) is deprecated. If you meant to do "
                  "this, you must specify 'dtype=object' when creating the ndarray.")


def asscalar(a):
    """``a.item()``: the array's one element as a Python scalar."""
    return a.item()


def in1d(ar1, ar2, assume_unique=False, invert=False):
    """Whether each element of ``ar1``, flattened, is in ``ar2``."""
    return np.isin(ar1, ar2, assume_unique=assume_unique, invert=invert).ravel()


def alen(a):
    """The length of ``a``'s first dimension (1 for a scalar)."""
    return len(np.array(a, ndmin=1))


def asfarray(a, dtype=np.float64):
    """``a`` as a floating-point array (float64 unless ``dtype`` is floating or complex)."""
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.float64
    return np.asarray(a, dtype=dtype)


def msort(a):
    """A copy of ``a`` sorted along its first axis."""
    return np.sort(a, axis=0)


class _Cast:
    """``np.cast[dtype](x)``: ``x`` as an array of ``dtype``."""

    def __getitem__(self, dtype):
        return lambda x: np.asarray(x).astype(dtype)


FUNCTIONS = {
    "asscalar": asscalar, "in1d": in1d, "alen": alen, "asfarray": asfarray, "msort": msort, "cast": _Cast(),
    "product": np.prod, "cumproduct": np.cumprod, "alltrue": np.all, "sometrue": np.any, "round_": np.round,
    "rank": np.ndim, "trapz": getattr(np, "trapezoid", None) or np.trapz, "mat": np.asmatrix, "math": math,
    "warnings": warnings,
}


class SizeOneIndexArray(np.ndarray):
    """A one-element array that converts to a Python int or float, as NumPy <= 1.11 allowed for any."""

    def _as_plain(self):
        plain = self.view(np.ndarray)
        return plain.reshape(()) if plain.size == 1 else plain  # 0-d: NumPy's own rules from here

    def __index__(self):
        return self._as_plain().__index__()

    def __int__(self):
        return self._as_plain().__int__()

    def __float__(self):
        return self._as_plain().__float__()


def _ragged_as_objects(create):
    """``np.array``/``np.asarray`` that turns ragged nested sequences into an object array."""
    @functools.wraps(create)
    def wrapper(*args, **kwargs):
        try:
            return create(*args, **kwargs)
        except ValueError as err:
            dtype = args[1] if len(args) > 1 else kwargs.get("dtype")
            if dtype is not None or "inhomogeneous" not in str(err):
                raise
        warnings.warn(RAGGED_WARNING, np.exceptions.VisibleDeprecationWarning, stacklevel=2)
        if len(args) > 1:
            args = (args[0], object, *args[2:])
        else:
            kwargs["dtype"] = object
        return create(*args, **kwargs)
    return wrapper


def _binary_fromstring(fromstring):
    """``np.fromstring`` whose binary mode (no ``sep``) reads bytes into a new array, as before."""
    @functools.wraps(fromstring)
    def wrapper(string, dtype=float, count=-1, sep="", **kwargs):
        if sep == "" and not isinstance(string, str):
            return np.frombuffer(string, dtype=dtype, count=count, **kwargs).copy()  # writable, as fromstring's
        return fromstring(string, dtype=dtype, count=count, sep=sep, **kwargs)
    return wrapper


def _header_frombuffer(frombuffer):
    """``np.frombuffer`` whose one-element big-endian integer results work as sizes (IDX headers)."""
    @functools.wraps(frombuffer)
    def wrapper(*args, **kwargs):
        result = frombuffer(*args, **kwargs)
        if result.size == 1 and result.dtype.kind in "iu" and result.dtype.byteorder == ">":
            return result.view(SizeOneIndexArray)
        return result
    return wrapper


def _pickles_allowed(load):
    """``np.load`` with NumPy < 1.16.3's default, ``allow_pickle=True`` (the program's own files)."""
    @functools.wraps(load)
    def wrapper(file, mmap_mode=None, *args, **kwargs):
        if not args:
            kwargs.setdefault("allow_pickle", True)
        return load(file, mmap_mode, *args, **kwargs)
    return wrapper


def install(patches, printing=PRINT_LEGACY):
    """What :func:`legacy_numpy` does, recorded in ``patches`` (a :class:`Patches`; ``undo()`` reverts it)."""
    for name, value in {**TYPE_ALIASES, **SCALAR_TYPES, **CONSTANTS, **FUNCTIONS}.items():
        if name not in vars(np):  # a NumPy that still has it keeps its own
            patches.setattr(np, name, value)
    patches.setattr(np, "array", _ragged_as_objects(np.array))
    patches.setattr(np, "asarray", _ragged_as_objects(np.asarray))
    patches.setattr(np, "fromstring", _binary_fromstring(np.fromstring))
    patches.setattr(np, "frombuffer", _header_frombuffer(np.frombuffer))
    patches.setattr(np, "load", _pickles_allowed(np.load))
    saved = np.get_printoptions()
    np.set_printoptions(legacy=printing)
    patches.on_undo(lambda: np.set_printoptions(**saved))  # the program's own settings go too


@contextlib.contextmanager
def legacy_numpy(printing=PRINT_LEGACY):
    """NumPy of 2016-2018 inside the ``with`` block; today's NumPy again after it, print options included.

    ``printing`` is NumPy's ``legacy`` print mode: ``"1.25"`` (scalars as before NumPy 2) or
    ``"1.13"`` (also the array layout of NumPy <= 1.13).
    """
    patches = Patches()
    try:
        install(patches, printing)
        yield
    finally:
        patches.undo()


def _size_one_as_scalar(value):
    """A one-element array of any ndim as a 0-d array (which NumPy 2 still converts)."""
    if isinstance(value, np.ndarray) and value.ndim > 0 and value.size == 1:
        return np.asarray(value).reshape(())  # np.matrix cannot be 0-d
    return value


class _StandInType(type):
    """The metaclass of the stand-ins: for ``isinstance``, ``issubclass``, ``==`` and dict keys the
    stand-in is the builtin type it replaces (``isinstance(3, int)``, ``type(x) == float``).
    A class a program derives from a stand-in is an ordinary class."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls._builtin) if "_builtin" in vars(cls) else type.__instancecheck__(cls, obj)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls._builtin) if "_builtin" in vars(cls) else type.__subclasscheck__(cls, sub)

    def __eq__(cls, other):
        return other is cls or ("_builtin" in vars(cls) and other is cls._builtin)

    def __hash__(cls):
        return hash(cls._builtin) if "_builtin" in vars(cls) else type.__hash__(cls)

    def __repr__(cls):
        return repr(cls._builtin) if "_builtin" in vars(cls) else type.__repr__(cls)


def _stand_in(builtin):
    """A type that acts as ``builtin`` and also converts one-element arrays of any ndim.

    Its instances are ``builtin``'s own (``type(int(a)) is builtins.int``); NumPy and TensorFlow
    read it as ``builtin``'s dtype through its ``dtype`` attribute (``np.zeros(3, dtype=float)``), so
    ``tf.as_dtype(int)`` gives int64 where TensorFlow refused Python's ``int``.
    """
    def __new__(cls, *args, **kwargs):
        if args:  # int(x[, base]), float(x), complex(real[, imag])
            args = (_size_one_as_scalar(args[0]), *map(_size_one_as_scalar, args[1:]))
        if cls is stand_in:
            return builtin(*args, **kwargs)
        return builtin.__new__(cls, *args, **kwargs)  # a program's own subclass

    stand_in = _StandInType(builtin.__name__, (builtin,), {
        "__new__": __new__, "_builtin": builtin, "dtype": np.dtype(builtin), "__module__": "builtins",
        "__doc__": builtin.__doc__})
    return stand_in


def builtins_overrides():
    """``{"int": ..., "float": ..., "complex": ...}`` for the program's ``__builtins__``.

    Each converts a one-element array of any ndim, as NumPy < 2 allowed (``int(np.array([3]))``),
    and stays a type: ``isinstance(3, int)``, ``type(x) == int``, ``dtype=int`` and subclassing
    behave as with the builtin. Only ``type(x) is int`` tells them apart.
    """
    return {name: _stand_in(getattr(builtins, name)) for name in ("int", "float", "complex")}
