"""IDX files (the MNIST container format), raw or gzipped.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the data. MNIST uses type 0x08
(unsigned byte): images are ``[N, 28, 28]``, labels ``[N]``.
"""
import gzip
import os
import struct
import zlib

import numpy as np

UBYTE = 0x08


class DataError(ValueError):
    """Data that is missing or not what it should be; the message says which and what to do."""


class IdxError(DataError):
    """A file that is not the IDX data it should be; the message names the file."""


def read_bytes(path):
    """The uncompressed bytes of ``path``; gzip is recognised by its magic, not its name."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        raise IdxError(f"{path}: is a directory, expected an IDX file") from None
    except OSError as err:
        raise IdxError(f"{path}: cannot be read ({err.strerror})") from None
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except EOFError:
        raise IdxError(f"{path}: truncated gzip stream (the file is incomplete; delete it "
                       "and fetch it again)") from None
    except (OSError, zlib.error) as err:
        raise IdxError(f"{path}: corrupt gzip data ({err}); delete it and fetch it again") from None


def parse(data, name="<bytes>", ndim=None):
    """Array from IDX bytes, checking magic, type, rank and that the size is exact."""
    if len(data) < 4:
        raise IdxError(f"{name}: {len(data)} bytes is too short for an IDX header")
    zero, dtype_code, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != UBYTE or rank == 0:
        raise IdxError(f"{name}: bad IDX magic number 0x{data[:4].hex()} "
                       "(expected 0x0000080N for unsigned-byte data); is this an IDX file?")
    if ndim is not None and rank != ndim:
        kind = "images" if ndim == 3 else "labels"
        raise IdxError(f"{name}: has {rank} dimensions, expected {ndim} for {kind} "
                       "(images and labels files swapped?)")
    header = 4 + 4 * rank
    if len(data) < header:
        raise IdxError(f"{name}: truncated IDX header")
    dims = struct.unpack(f">{rank}I", data[4:header])
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(data) != expected:
        raise IdxError(f"{name}: dimensions {list(dims)} need {expected} bytes, the file has "
                       f"{len(data)} ({'truncated' if len(data) < expected else 'trailing data'})")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def read_images(path):
    """``[N, rows, cols]`` uint8 images."""
    return parse(read_bytes(path), os.fspath(path), ndim=3)


def read_labels(path, num_classes=10):
    """``[N]`` uint8 class ids, each checked to lie in ``0..num_classes-1``."""
    labels = parse(read_bytes(path), os.fspath(path), ndim=1)
    if labels.size and labels.max() >= num_classes:
        bad = int(np.argmax(labels >= num_classes))
        raise IdxError(f"{path}: label {labels[bad]} at index {bad} is outside 0..{num_classes - 1}")
    return labels


def encode(array):
    """IDX bytes for a uint8 array (the inverse of :func:`parse`); used to make test data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, UBYTE, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()
