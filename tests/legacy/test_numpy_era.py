"""legacy_numpy(): NumPy 1.11-1.15's removed names and behaviours inside the block, today's NumPy
before and after it; builtins_overrides(): int/float/complex of one-element arrays of any ndim."""
import builtins
import gzip
import io
import math
import re
import types
import warnings

import numpy as np
import pytest

from tf1_rnn.compat import tf as v1
from tf1_rnn.legacy.numpy_era import SizeOneIndexArray, builtins_overrides, legacy_numpy

ALIASES = {"float": float, "int": int, "object": object, "str": str, "unicode": str, "complex": complex,
           "float_": np.float64, "complex_": np.complex128, "int0": np.intp, "uint0": np.uintp,
           "bool8": np.bool_, "string_": np.bytes_, "unicode_": np.str_, "object0": np.object_,
           "longfloat": np.longdouble, "cfloat": np.complex128, "math": math, "warnings": warnings}
REMOVED = [*ALIASES, "asscalar", "product", "cumproduct", "alltrue", "sometrue", "round_", "in1d", "alen",
           "asfarray", "msort", "rank", "trapz", "mat", "cast", "NaN", "NAN", "Inf", "Infinity", "infty",
           "PINF", "NINF", "PZERO", "NZERO"]
RAGGED = [[1, 2], [3]]


def removed_from_numpy(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # NumPy 2 warns on a lookup of np.object, np.str
        return not hasattr(np, name)


@pytest.mark.parametrize("name", REMOVED)
def test_removed_names_exist_only_inside(name):
    if not removed_from_numpy(name):
        pytest.skip(f"NumPy {np.__version__} still has np.{name} (deprecated)")
    with legacy_numpy():
        assert not removed_from_numpy(name)
        if name in ALIASES:
            assert getattr(np, name) is ALIASES[name]
    assert removed_from_numpy(name)


def test_np_bool_and_long_stay_numpys_own_types():
    with legacy_numpy():
        assert np.bool is np.bool_ and np.long is np.dtype("long").type
        assert np.zeros(2, dtype=np.bool).dtype == np.dtype("?") and repr(np.dtype(bool)) == "dtype('bool')"


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix's own, in every NumPy since 1.15
def test_removed_functions_compute_what_they_did():
    with legacy_numpy():
        value = np.asscalar(np.array([[4.5]]))
        assert value == 4.5 and type(value) is float
        assert np.product([2, 3, 4]) == 24 and np.cumproduct([2, 3, 4]).tolist() == [2, 6, 24]
        assert np.alltrue([True, False]) == False and np.sometrue([True, False]) == True  # noqa: E712
        assert np.round_(2.567, 2) == 2.57
        assert np.in1d([[1, 2], [5, 7]], [2, 5]).tolist() == [False, True, True, False]
        assert np.in1d([1, 2], [2], invert=True).tolist() == [True, False]
        assert np.alen(7) == 1 and np.alen(np.zeros((3, 2))) == 3
        assert np.asfarray([1, 2]).dtype == np.float64 and np.asfarray([1], dtype=np.float32).dtype == np.float32
        assert np.asfarray([1], dtype=np.int32).dtype == np.float64
        assert np.msort(np.array([[3, 1], [2, 4]])).tolist() == [[2, 1], [3, 4]]
        assert np.rank(np.zeros((2, 3))) == 2 and np.trapz([1, 2, 3]) == 4.0
        assert np.cast[np.float32]([1, 2]).dtype == np.float32 and isinstance(np.mat([[1]]), np.matrix)
        assert math.isnan(np.NaN) and np.Inf == np.PINF == math.inf and np.NINF == -math.inf
        assert math.copysign(1, np.NZERO) == -1 and math.copysign(1, np.PZERO) == 1


@pytest.mark.parametrize("create", ["array", "asarray"])
def test_ragged_lists_become_object_arrays_with_the_old_warning(create):
    with pytest.raises(ValueError, match="inhomogeneous"):
        getattr(np, create)(RAGGED)
    with legacy_numpy():
        with pytest.warns(np.exceptions.VisibleDeprecationWarning, match="ragged nested sequences"):
            ragged = getattr(np, create)(RAGGED)
        assert ragged.dtype == object and ragged.shape == (2,) and ragged.tolist() == RAGGED
        with pytest.raises(ValueError, match="inhomogeneous"):  # a dtype asked for: no object array
            getattr(np, create)(RAGGED, np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert getattr(np, create)([[1, 2], [3, 4]], dtype=np.int8).tolist() == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="inhomogeneous"):
        getattr(np, create)(RAGGED)


OLD_NUMPY_2 = np.lib.NumpyVersion(np.__version__) < "2.4.0"  # 2.0.2 (TensorFlow 2.18's) still warned, 2.4.6 refuses


def outside_refuses(call, error, match):
    """True where this NumPy refuses ``call``, False where it still allows it (with a warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            call()
        except error as err:
            assert re.search(match, str(err)), err
            return True
    return False


def test_fromstring_reads_bytes_into_a_writable_array():
    assert outside_refuses(lambda: np.fromstring(b"\x01\x02\x03", dtype=np.uint8), ValueError, "binary mode") \
        or OLD_NUMPY_2
    with legacy_numpy():
        data = np.fromstring(b"\x01\x02\x03", dtype=np.uint8)
        assert data.tolist() == [1, 2, 3] and data.flags.writeable
        assert np.fromstring(b"\x00\x01\x00\x02", np.dtype(">u2"), 1).tolist() == [1]
        assert np.fromstring("1 2 3", dtype=int, sep=" ").tolist() == [1, 2, 3]  # text mode as before


def read32(stream):
    """TF 0.5's input_data.py reads each IDX header field this way: a one-element array."""
    return np.frombuffer(stream.read(4), dtype=np.dtype(np.uint32).newbyteorder(">"))


def test_one_element_idx_header_arrays_work_as_sizes():
    header = b"\x00\x00\x08\x03" + b"\x00\x00\x00\x02" * 3
    stream = io.BytesIO(gzip.compress(header + bytes(range(8))))
    with gzip.GzipFile(fileobj=stream) as f:
        with pytest.raises(TypeError, match="scalar index"):
            f.read(read32(f))
    with legacy_numpy(), gzip.GzipFile(fileobj=io.BytesIO(stream.getvalue())) as f:
        magic, n, rows, cols = (read32(f) for _ in range(4))
        assert isinstance(n, SizeOneIndexArray) and magic == 2051
        images = np.frombuffer(f.read(rows * cols * n), dtype=np.uint8).reshape(n, rows, cols, 1)
        assert images.shape == (2, 2, 2, 1) and images.ravel().tolist() == list(range(8))
        assert type(images) is np.ndarray and "%d" % n == "2"
        assert type(np.frombuffer(b"\x00\x00\x00\x02", dtype=np.uint32)) is np.ndarray  # native order: plain
        with pytest.raises(TypeError, match="scalar index"):
            [0, 1][n * np.arange(2)]  # two elements: an index no NumPy accepted


def test_np_load_reads_pickled_objects_as_numpy_before_1_16_3(tmp_path):
    path = str(tmp_path / "weights.npy")
    np.save(path, {"w": [1, 2]}, allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle"):
        np.load(path)
    with legacy_numpy():
        assert np.load(path).item() == {"w": [1, 2]}
        with pytest.raises(ValueError, match="allow_pickle"):
            np.load(path, None, False)  # the program's own choice wins
    with pytest.raises(ValueError, match="allow_pickle"):
        np.load(path)


def test_scalars_print_as_before_numpy_2_and_print_options_come_back():
    before = np.get_printoptions()
    with legacy_numpy():
        assert repr(np.float32(3.5)) == "3.5" and repr(np.int64(3)) == "3" and repr(np.True_) == "True"
        assert repr(np.array([1.0, 2.0])) == "array([1., 2.])"
        np.set_printoptions(precision=3)  # the program's own settings go too
    with legacy_numpy(printing="1.13"):
        assert str(np.array([1.0, 2.0])) == "[ 1.  2.]"
    assert np.get_printoptions() == before and repr(np.float32(3.5)) == "np.float32(3.5)"


def test_everything_is_restored_after_an_error_inside():
    functions = np.array, np.asarray, np.fromstring, np.frombuffer, np.load
    with pytest.raises(RuntimeError):
        with legacy_numpy():
            raise RuntimeError("the program failed")
    assert (np.array, np.asarray, np.fromstring, np.frombuffer, np.load) == functions
    assert removed_from_numpy("float") and repr(np.float32(3.5)) == "np.float32(3.5)"


LEGACY = builtins_overrides()


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_int_float_complex_convert_one_element_arrays_of_any_ndim():
    assert outside_refuses(lambda: int(np.array([3])), TypeError, "0-dimensional") or OLD_NUMPY_2
    value = LEGACY["int"](np.array([[3.7]]))
    assert value == 3 and type(value) is builtins.int
    assert LEGACY["float"](np.array([2], dtype=np.int8)) == 2.0 and type(LEGACY["float"](np.array([2]))) is float
    assert LEGACY["complex"](np.array([[1j]])) == 1j and LEGACY["int"](np.matrix([[4]])) == 4
    assert LEGACY["int"]("11", 2) == 3 and LEGACY["int"]() == 0 and math.isinf(LEGACY["float"]("inf"))
    with pytest.raises(TypeError, match="0-dimensional|only length-1"):  # NumPy 2.4's words, 2.0's
        LEGACY["int"](np.array([1, 2]))  # two elements: refused, as every NumPy did


def test_the_stand_ins_are_types_that_act_as_the_builtins():
    stand_in = LEGACY["int"]
    assert isinstance(3, stand_in) and isinstance(True, stand_in) and not isinstance(3.0, stand_in)
    assert issubclass(bool, stand_in) and isinstance(stand_in, type)
    assert type(3) == stand_in and stand_in == int and {int: "i"}[stand_in] == "i" and repr(stand_in) == repr(int)
    assert isinstance(2.5, LEGACY["float"]) and type(2.5) == LEGACY["float"]
    assert np.zeros(2, dtype=LEGACY["float"]).dtype == np.float64 and np.dtype(stand_in) == np.dtype(int)
    assert np.arange(2).astype(LEGACY["complex"]).dtype == np.complex128

    class Count(stand_in):  # a program's own subclass is an ordinary subclass of int
        pass
    assert type(Count(np.array([5]))) is Count and Count(5) == 5 and not isinstance(5, Count)
    assert stand_in.from_bytes(b"\x01\x00", "big") == 256


def test_tensorflow_reads_the_stand_ins_as_their_dtypes():
    assert v1.as_dtype(LEGACY["float"]) == v1.as_dtype(float) == v1.float32
    with v1.Graph().as_default():
        assert v1.placeholder(LEGACY["float"], [2]).dtype == v1.float32
        assert v1.cast(v1.constant([1.5]), LEGACY["int"]).dtype == v1.int64


def test_a_program_run_with_the_overrides_as_its_builtins():
    program = "n = int(size)\nok = isinstance(n, int) and type(n) == int\nx = float(np.zeros((1, 1)) + 0.5)\n"
    program_builtins = types.ModuleType("builtins")  # what the runner gives __main__ (a module, as Python does)
    vars(program_builtins).update(vars(builtins), **builtins_overrides())
    scope = {"__builtins__": program_builtins, "np": np, "size": np.array([7])}
    exec(compile(program, "<program>", "exec"), scope)
    assert (scope["n"], scope["ok"], scope["x"]) == (7, True, 0.5)
    assert builtins.int is int and builtins.float is float  # the process's own builtins are untouched
