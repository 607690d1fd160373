"""Names that Python, SciPy and scikit-learn have removed since 2016-2018, back while a program runs.

:func:`old_libraries` provides, until it exits:

- ``scipy.misc.imread``, ``imsave``, ``imresize``, ``toimage``, ``fromimage``, ``bytescale``
  (removed in SciPy 1.2-1.3) through Pillow, with SciPy's old conversions: a non-uint8 array is
  scaled to 0-255 by its own minimum and maximum before it becomes an image; without Pillow each
  fails with one line naming its replacement. ``scipy.misc.logsumexp``, ``comb``, ``factorial``
  from ``scipy.special``. Where SciPy is not installed, nothing.
- ``sklearn.cross_validation``, ``sklearn.grid_search``, ``sklearn.learning_curve`` as
  ``sklearn.model_selection`` (same functions; its splitter classes take ``n_splits`` and
  ``split(X)`` where the old ones took ``n, n_folds``). Where scikit-learn is not installed, nothing.
- Python 2's ``string.maketrans`` (a 256-byte table, which ``str.translate`` and
  ``bytes.translate`` both read), ``string.letters``/``lowercase``/``uppercase`` (ASCII, the C
  locale's), ``string.join``/``split``/``atoi``/...; ``itertools.izip``/``imap``/``ifilter``/
  ``ifilterfalse``/``izip_longest``; ``os.getcwdu``, ``os.errno``, ``sys.maxint``;
  ``urllib.urlretrieve``/``urlopen``/``urlencode``/``quote``/... (calling ``urllib.request``'s
  and ``urllib.parse``'s at call time). The runner's Python 2 converter rewrites these in a file
  that only Python 2 can compile; they are here for the files it never converts: a module the
  program imports, or a Python 2 file that compiles as Python 3 (``from __future__ import
  print_function``), such as TF 0.5's own ``input_data.py``.
- ``collections.Mapping`` and the other ABCs (removed in Python 3.10), ``time.clock`` (3.8:
  ``time.perf_counter``; on Linux it was processor time), ``inspect.getargspec`` and
  ``ArgSpec`` (3.11), ``fractions.gcd`` (3.9; the result has ``b``'s sign, as it had).

Not provided: Python 2's two-argument ``str.translate(table, deletechars)`` (a method of a
built-in type; use ``str.maketrans("", "", deletechars)``).
"""
import collections
import collections.abc
import contextlib
import errno
import fractions
import importlib
import inspect
import itertools
import os
import string
import sys
import time
import types
import urllib.parse
import urllib.request
import warnings

import numpy as np

from tf1_rnn.legacy.namespace import LegacyImportError
from tf1_rnn.legacy.patches import Patches

# PIL's resampling filters, by scipy.misc.imresize's names for them.
RESAMPLING = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "cubic": 3}
MISSING_PILLOW = {
    "imread": "imageio.imread(path) or np.asarray(PIL.Image.open(path))",
    "imsave": "imageio.imwrite(path, array) or PIL.Image.fromarray(array).save(path)",
    "imresize": "np.asarray(PIL.Image.fromarray(array).resize((width, height)))",
    "toimage": "PIL.Image.fromarray(array)", "fromimage": "np.asarray(image)",
}


def _importable(name):
    """The module ``name``, or None when it (or its package) is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# scipy.misc's image functions (SciPy <= 1.1), on Pillow.

def bytescale(data, cmin=None, cmax=None, high=255, low=0):
    """``data`` scaled linearly from [cmin, cmax] (default: its own range) to uint8 [low, high]."""
    data = np.asarray(data)
    if data.dtype == np.uint8:
        return data
    if not 0 <= low <= high <= 255:
        raise ValueError(f"scipy.misc.bytescale: need 0 <= low <= high <= 255, got low={low}, high={high}")
    cmin = data.min() if cmin is None else cmin
    cmax = data.max() if cmax is None else cmax
    if cmax < cmin:
        raise ValueError("scipy.misc.bytescale: cmax must be >= cmin")
    scale = (high - low) / ((cmax - cmin) or 1)
    return (((data - cmin) * scale + low).clip(low, high) + 0.5).astype(np.uint8)  # rounded


def _channels_last(data, channel_axis):
    """A 3-D array as [height, width, channels], its channel axis found as SciPy did (3 or 4 long)."""
    if channel_axis is None:
        found = [axis for axis in (2, 1, 0) if data.shape[axis] in (3, 4)]
        if not found:
            raise ValueError(f"scipy.misc.toimage: an image of shape {data.shape} has no axis of 3 or 4 channels")
        channel_axis = found[0]
    return np.moveaxis(data, channel_axis, 2)


def make_image_functions(image):
    """scipy.misc's image functions on ``image`` (``PIL.Image``)."""
    def fromimage(im, flatten=False, mode=None):
        if mode is not None and mode != im.mode:
            im = im.convert(mode)
        elif im.mode == "P":
            im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        if flatten:
            im = im.convert("F")
        elif im.mode == "1":
            im = im.convert("L")  # an array of 0/255, not of packed bits
        return np.array(im)

    def toimage(arr, high=255, low=0, cmin=None, cmax=None, pal=None, mode=None, channel_axis=None):
        data = np.asarray(arr)
        if np.iscomplexobj(data) or data.ndim not in (2, 3) or pal is not None:
            raise ValueError(f"scipy.misc.toimage: only real 2-D or 3-D arrays without a palette here "
                             f"(got shape {data.shape}); use PIL.Image.fromarray")
        if data.ndim == 2 and mode == "F":
            return image.fromarray(data.astype(np.float32), "F")
        if data.ndim == 2 and mode in (None, "L"):
            return image.fromarray(bytescale(data, cmin, cmax, high, low), "L")
        if data.ndim == 3:
            pixels = np.ascontiguousarray(_channels_last(bytescale(data, cmin, cmax, high, low), channel_axis))
            default = "RGB" if pixels.shape[2] == 3 else "RGBA"
            if mode in (None, default):
                return image.fromarray(pixels, default)
        raise ValueError(f"scipy.misc.toimage: mode {mode!r} for a {data.ndim}-D array is not provided here; "
                         "use PIL.Image.fromarray")

    def imread(name, flatten=False, mode=None):
        with image.open(name) as im:
            return fromimage(im, flatten=flatten, mode=mode)

    def imsave(name, arr, format=None):
        toimage(arr, channel_axis=2).save(name, format=format)

    def imresize(arr, size, interp="bilinear", mode=None):
        im = toimage(arr, mode=mode)
        if isinstance(size, (int, np.integer)):  # a percentage
            size = tuple(int(side * size / 100.0) for side in im.size)
        elif isinstance(size, (float, np.floating)):  # a fraction
            size = tuple(int(side * size) for side in im.size)
        else:  # (height, width[, channels]); PIL wants (width, height)
            size = (size[1], size[0])
        return fromimage(im.resize(size, resample=RESAMPLING[interp]))

    return {"fromimage": fromimage, "toimage": toimage, "imread": imread, "imsave": imsave,
            "imresize": imresize, "bytescale": bytescale}


def _needs_pillow(name, replacement):
    def missing(*args, **kwargs):
        raise LegacyImportError(f"scipy.misc.{name} (removed in SciPy 1.2) needs Pillow here, which is not "
                                f"installed: pip install pillow, or use {replacement}")
    missing.__name__ = name
    return missing


def _scipy_misc(patches):
    scipy = _importable("scipy")
    if scipy is None:
        return
    image = _importable("PIL.Image")
    if image is not None:
        names = make_image_functions(image)
    else:
        names = {name: _needs_pillow(name, replacement) for name, replacement in MISSING_PILLOW.items()}
        names["bytescale"] = bytescale
    special = importlib.import_module("scipy.special")
    names.update(logsumexp=special.logsumexp, comb=special.comb, factorial=special.factorial)
    misc = sys.modules.get("scipy.misc")
    if misc is None:  # SciPy's own is an empty, deprecated module: give the program this one instead
        misc = types.ModuleType("scipy.misc", "scipy.misc as SciPy <= 1.1 had it (tf1_rnn.legacy.old_libraries)")
        patches.setitem(sys.modules, "scipy.misc", misc)
        patches.setattr(scipy, "misc", misc)
    for name, value in names.items():
        patches.setattr(misc, name, value)


def _sklearn(patches):
    model_selection = _importable("sklearn.model_selection")
    if model_selection is None:
        return
    sklearn = sys.modules["sklearn"]
    for old in ("cross_validation", "grid_search", "learning_curve"):
        patches.setitem(sys.modules, f"sklearn.{old}", model_selection)
        patches.setattr(sklearn, old, model_selection)


# Python 2 and Python <= 3.10.

def maketrans(frm, to):
    """Python 2's ``string.maketrans``: a 256-byte table (Latin-1 characters or bytes)."""
    try:
        return bytes.maketrans(*(s.encode("latin-1") if isinstance(s, str) else s for s in (frm, to)))
    except UnicodeEncodeError:
        raise ValueError("string.maketrans: Python 2's table maps bytes (Latin-1 characters); "
                         "use str.maketrans for other characters") from None


ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")


def getargspec(func):
    """``inspect.getargspec``: names, ``*args``, ``**kwargs`` and defaults of ``func``'s parameters."""
    spec = inspect.getfullargspec(func)
    if spec.kwonlyargs or spec.annotations:
        raise ValueError("inspect.getargspec: the function has keyword-only parameters or annotations; "
                         "use inspect.signature()")
    return ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)


def gcd(a, b):
    """``fractions.gcd``: Euclid's algorithm; the result has ``b``'s sign (unless ``b`` is 0)."""
    while b:
        a, b = b, a % b
    return a


def _call_at_time_of_use(module, name):
    """A function that calls ``module.name`` as it is when called (so later patches apply)."""
    def forward(*args, **kwargs):
        return getattr(module, name)(*args, **kwargs)
    forward.__name__ = name
    return forward


def python2_urlopen(url, data=None, proxies=None, context=None):
    """Python 2's ``urllib.urlopen``; ``proxies`` is ignored (the environment's apply)."""
    return urllib.request.urlopen(url, data, context=context)


STRING = {"maketrans": maketrans, "letters": string.ascii_letters, "lowercase": string.ascii_lowercase,
          "uppercase": string.ascii_uppercase,
          "join": lambda words, sep=" ": sep.join(words), "joinfields": lambda words, sep=" ": sep.join(words),
          "split": lambda s, sep=None, maxsplit=-1: s.split(sep, maxsplit),
          "splitfields": lambda s, sep=None, maxsplit=-1: s.split(sep, maxsplit),
          "lower": str.lower, "upper": str.upper, "strip": lambda s, chars=None: s.strip(chars),
          "replace": lambda s, old, new, count=-1: s.replace(old, new, count),
          "atoi": lambda s, base=10: int(s, base), "atof": float}
PATCHED = {
    itertools: {"izip": zip, "imap": map, "ifilter": filter, "ifilterfalse": itertools.filterfalse,
                "izip_longest": itertools.zip_longest},
    os: {"getcwdu": os.getcwd, "errno": errno},
    sys: {"maxint": sys.maxsize},
    time: {"clock": time.perf_counter},
    inspect: {"getargspec": getargspec, "ArgSpec": ArgSpec},
    fractions: {"gcd": gcd},
}
URLLIB = {"urlretrieve": (urllib.request, "urlretrieve"), "urlencode": (urllib.parse, "urlencode"),
          "quote": (urllib.parse, "quote"), "quote_plus": (urllib.parse, "quote_plus"),
          "unquote": (urllib.parse, "unquote"), "unquote_plus": (urllib.parse, "unquote_plus"),
          "pathname2url": (urllib.request, "pathname2url"), "url2pathname": (urllib.request, "url2pathname")}


def _collections_abcs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ByteString, on Pythons that deprecate it
        return {name: getattr(collections.abc, name) for name in collections.abc.__all__}


def install(patches):
    """What :func:`old_libraries` does, recorded in ``patches``."""
    urllib_names = {name: _call_at_time_of_use(*target) for name, target in URLLIB.items()}
    for module, names in {**PATCHED, string: STRING, collections: _collections_abcs(),
                          urllib: {**urllib_names, "urlopen": python2_urlopen}}.items():
        for name, value in names.items():
            if name not in vars(module):  # a Python that still has it keeps its own
                patches.setattr(module, name, value)
    _scipy_misc(patches)
    _sklearn(patches)


@contextlib.contextmanager
def old_libraries():
    """The removed names above inside the ``with`` block; all gone again after it."""
    patches = Patches()
    try:
        install(patches)
        yield
    finally:
        patches.undo()
