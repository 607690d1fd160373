"""old_libraries(): the removed names of Python 2, Python <= 3.10, SciPy <= 1.1 and scikit-learn < 0.20
inside the block, with their old results; absent before and after it, as today."""
import collections
import collections.abc
import errno
import fractions
import importlib.util
import inspect
import itertools
import os
import string
import sys
import time
import types
import urllib
import urllib.request

import numpy as np
import pytest
import scipy

from tf1_rnn.legacy.namespace import LegacyImportError
from tf1_rnn.legacy.old_libraries import old_libraries

REMOVED = [(string, n) for n in ("maketrans", "letters", "lowercase", "uppercase", "join", "split", "atoi")] + [
    (itertools, n) for n in ("izip", "imap", "ifilter", "ifilterfalse", "izip_longest")] + [
    (os, "getcwdu"), (os, "errno"), (sys, "maxint"), (time, "clock"), (inspect, "getargspec"),
    (inspect, "ArgSpec"), (fractions, "gcd"), (collections, "Mapping"), (collections, "MutableMapping"),
    (collections, "Sequence"), (collections, "Iterable"), (collections, "Callable"), (collections, "OrderedDict"),
    (urllib, "urlretrieve"), (urllib, "urlopen"), (urllib, "urlencode"), (urllib, "quote")]


@pytest.mark.parametrize("module, name", REMOVED, ids=[f"{m.__name__}.{n}" for m, n in REMOVED])
def test_removed_names_exist_only_inside(module, name):
    kept = name == "OrderedDict"  # never removed: left as it is
    assert hasattr(module, name) == kept
    original = getattr(module, name, None)
    with old_libraries():
        assert hasattr(module, name)
        assert not kept or getattr(module, name) is original
    assert hasattr(module, name) == kept


def test_python2_string_module():
    with old_libraries():
        table = string.maketrans("ab", "xy")
        assert len(table) == 256 and "aabcä".translate(table) == "xxycä"
        assert b"aabc".translate(string.maketrans(b"ab", b"xy")) == b"xxyc"
        assert string.letters == string.ascii_letters and string.lowercase == "abcdefghijklmnopqrstuvwxyz"
        assert string.uppercase == string.ascii_uppercase
        assert string.join(["a", "b"], "-") == "a-b" and string.join(["a", "b"]) == "a b"
        assert string.split("a b  c") == ["a", "b", "c"] and string.atoi("ff", 16) == 255
        with pytest.raises(ValueError, match="string.maketrans: .* use str.maketrans"):
            string.maketrans("€", "e")


def test_python2_itertools_os_sys():
    with old_libraries():
        assert list(itertools.izip("ab", [1, 2])) == [("a", 1), ("b", 2)]
        assert list(itertools.imap(abs, [-1, 2])) == [1, 2] and list(itertools.ifilter(None, [0, 3])) == [3]
        assert list(itertools.ifilterfalse(None, [0, 3])) == [0]
        assert list(itertools.izip_longest([1], [2, 3])) == [(1, 2), (None, 3)]
        assert os.getcwdu() == os.getcwd() and os.errno.EEXIST == errno.EEXIST and sys.maxint == sys.maxsize


def test_python_3_10_names():
    def f(a, b=2, *rest, **options):
        pass
    with old_libraries():
        assert collections.Mapping is collections.abc.Mapping and isinstance({}, collections.MutableMapping)
        assert time.clock is time.perf_counter and time.clock() <= time.clock()
        spec = inspect.getargspec(f)
        assert spec == (["a", "b"], "rest", "options", (2,)) and spec.keywords == "options"
        with pytest.raises(ValueError, match="getargspec: .*keyword-only.*inspect.signature"):
            inspect.getargspec(lambda *, k: k)
        assert fractions.gcd(-4, 6) == 2 and fractions.gcd(4, -6) == -2 and fractions.gcd(5, 0) == 5
        assert fractions.gcd(fractions.Fraction(1, 2), fractions.Fraction(3, 4)) == fractions.Fraction(1, 4)


def test_python2_urllib_calls_urllib_request_as_it_is_when_called(monkeypatch):
    calls = []
    with old_libraries():
        monkeypatch.setattr(urllib.request, "urlretrieve", lambda *args: calls.append(args) or ("f", None))
        monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kwargs: calls.append(args) or "response")
        assert urllib.urlretrieve("http://x/a.gz", "a.gz") == ("f", None)
        assert urllib.urlopen("http://x/b") == "response"
        assert urllib.quote("a b/c") == "a%20b/c" and urllib.urlencode({"q": 1}) == "q=1"
    assert calls == [("http://x/a.gz", "a.gz"), ("http://x/b", None)]


SQUARE = np.array([[0.0, 10.0], [20.0, 30.0]])  # scaled by its own range: 0, 85, 170, 255


def scipy_misc_state():
    return sys.modules.get("scipy.misc"), vars(scipy).get("misc")


def test_scipy_misc_image_functions(tmp_path):
    before = scipy_misc_state()
    with old_libraries():
        from scipy.misc import bytescale, imread, imresize, imsave, toimage
        assert bytescale(SQUARE).tolist() == [[0, 85], [170, 255]]
        assert bytescale(np.arange(12.0)).tolist() == np.floor(np.arange(12) * 255 / 11 + 0.5).tolist()
        assert bytescale(np.array([[3.0, 3.0]])).tolist() == [[0, 0]]  # a flat image: no division by zero
        assert imresize(SQUARE, (4, 4), interp="nearest").tolist() == [[0, 0, 85, 85]] * 2 + [[170, 170, 255, 255]] * 2
        assert imresize(SQUARE, 50).shape == (1, 1) and imresize(SQUARE, 2.0).shape == (4, 4)
        assert toimage(SQUARE).mode == "L" and toimage(SQUARE, mode="F").getpixel((1, 1)) == 30.0
        rgb = np.arange(18, dtype=np.uint8).reshape(2, 3, 3)
        assert toimage(np.moveaxis(rgb, 2, 0)).mode == "RGB"  # channels first, found as SciPy did
        path = str(tmp_path / "image.png")
        imsave(path, rgb)
        assert np.array_equal(imread(path), rgb) and imread(path, mode="L").shape == (2, 3)
        assert imread(path, flatten=True).dtype == np.float32
        with pytest.raises(ValueError, match="scipy.misc.toimage: .*PIL.Image.fromarray"):
            toimage(np.zeros((2, 2, 2, 2)))
        assert scipy.misc.logsumexp([0.0, 0.0]) == pytest.approx(np.log(2.0))
        assert scipy.misc.comb(5, 2) == 10 and scipy.misc.factorial(4) == 24
    assert scipy_misc_state() == before


def test_without_pillow_each_image_function_names_its_replacement(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL.Image", None)  # as if Pillow were not installed
    with old_libraries():
        from scipy.misc import bytescale, imread
        with pytest.raises(LegacyImportError, match=r"scipy.misc.imread .*needs Pillow.*imageio.imread"):
            imread("image.png")
        assert bytescale(SQUARE).tolist() == [[0, 85], [170, 255]]  # needs no Pillow


def test_an_imported_scipy_misc_gets_the_names_and_loses_them_again(monkeypatch):
    imported = types.ModuleType("scipy.misc")
    monkeypatch.setitem(sys.modules, "scipy.misc", imported)
    with old_libraries():
        import scipy.misc
        assert sys.modules["scipy.misc"] is imported and callable(imported.imresize)
    assert not hasattr(imported, "imresize") and sys.modules["scipy.misc"] is imported


def test_sklearn_cross_validation_is_model_selection(monkeypatch):
    sklearn, model_selection = types.ModuleType("sklearn"), types.ModuleType("sklearn.model_selection")
    model_selection.train_test_split = lambda *arrays, **options: "split"
    monkeypatch.setitem(sys.modules, "sklearn", sklearn)
    monkeypatch.setitem(sys.modules, "sklearn.model_selection", model_selection)
    with old_libraries():
        from sklearn.cross_validation import train_test_split
        import sklearn.grid_search
        assert train_test_split([1]) == "split" and sklearn.cross_validation is model_selection
        assert sys.modules["sklearn.grid_search"] is model_selection
    assert "sklearn.cross_validation" not in sys.modules and not hasattr(sklearn, "cross_validation")


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is not None, reason="scikit-learn is installed")
@pytest.mark.skipif(importlib.util.find_spec("sklearn") is not None, reason="scikit-learn is installed here")
def test_without_sklearn_nothing_is_added():
    with old_libraries():
        assert not [name for name in sys.modules if name.startswith("sklearn")]


def test_everything_is_restored_after_an_error_inside():
    before = scipy_misc_state()
    with pytest.raises(RuntimeError):
        with old_libraries():
            raise RuntimeError("the program failed")
    assert not any(hasattr(module, name) for module, name in REMOVED if name != "OrderedDict")
    assert scipy_misc_state() == before
