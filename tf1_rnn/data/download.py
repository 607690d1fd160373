"""Downloads that end in one line, whatever the server does, and never hold more than the file.

The URL is checked before anything is written; a download stops as soon as more bytes arrive
than the file can take, compressed or once unpacked (a gzip bomb stops at the file's size);
a refused, cut-off or malformed transfer becomes a :class:`DataError` naming the URL.
The same capped unpacking hashes files for verification (:func:`file_digest`).
"""
import hashlib
import http.client
import urllib.error
import urllib.parse
import urllib.request
import zlib

from tf1_rnn.data.idx import DataError

SCHEMES = ("http", "https")
GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = 1 << 16


def check_url(url):
    """Raise :class:`DataError` unless ``url`` is an http(s) URL with a host and a valid port."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise DataError(f"bad URL {url!r}: it contains spaces or control characters")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # parsed on access: a port out of range or not a number raises here
    except ValueError as err:
        raise DataError(f"bad URL {url!r}: {err}") from None
    if not parts.scheme or not parts.netloc:
        raise DataError(f"bad URL {url!r}: give the scheme and host, as in https://example.org/mnist/")
    if parts.scheme not in SCHEMES:
        raise DataError(f"bad URL {url!r}: unsupported scheme {parts.scheme!r} (use {' or '.join(SCHEMES)})")
    if not parts.hostname:
        raise DataError(f"bad URL {url!r}: no host name")


class Unpacked:
    """The bytes a file unpacks to (gunzipped, or as they are), hashed and counted up to ``limit``.

    ``feed`` raises :class:`DataError` once they pass ``limit``: inflating never allocates more
    than that, however small the compressed input. Concatenated gzip members and the zero padding
    between them count as ``gzip`` reads them.
    """

    def __init__(self, limit):
        self.limit, self.count = limit, 0
        self._sha256 = hashlib.sha256()
        self._head = b""           # the first bytes, until they say whether this is gzip
        self._gzip = None          # True or False once known
        self._member = None        # the decompressor of the current gzip member

    def feed(self, data):
        if self._gzip is None:
            self._head += data
            if len(self._head) < len(GZIP_MAGIC):
                return
            self._gzip = self._head.startswith(GZIP_MAGIC)
            data, self._head = self._head, b""
        if not self._gzip:
            self._add(data[:self.limit + 1 - self.count])
            return
        while data:
            if self._member is None:
                data = data.lstrip(b"\0")
                if not data:
                    return
                self._member = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            try:
                self._add(self._member.decompress(data, self.limit + 1 - self.count))
            except zlib.error as err:
                raise DataError(f"corrupt gzip data ({err})") from None
            if self._member.eof:
                data, self._member = self._member.unused_data, None
            else:
                data = self._member.unconsumed_tail

    def _add(self, data):
        self.count += len(data)
        if self.count > self.limit:
            raise DataError(f"more than the {self.limit} bytes the file should hold")
        self._sha256.update(data)

    def hexdigest(self):
        """The SHA-256 of everything unpacked; raises if a gzip member was cut off."""
        if self._gzip is None:  # fewer bytes than a gzip header: a (short) raw file
            self._gzip = False
            self._add(self._head)
        if self._member is not None:
            raise DataError("truncated gzip stream (the file is incomplete)")
        return self._sha256.hexdigest()


def file_digest(path, size):
    """SHA-256 of ``path``'s unpacked bytes, refusing more than ``size`` of them."""
    unpacked = Unpacked(size)
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                unpacked.feed(chunk)
    except OSError as err:
        raise DataError(f"cannot be read ({err.strerror})") from None
    return unpacked.hexdigest()


def compressed_limit(size):
    """The most bytes a gzipped ``size``-byte file can take: deflate's stored blocks, a header."""
    return size + size // 100 + 1024


def download(url, path, size, timeout, log):
    """``url`` into ``path``; fails once it holds more than a ``size``-byte file, gzipped or not.

    Progress is logged every tenth of ``size``. Errors writing ``path`` propagate as ``OSError``
    (the caller's disk, not the server).
    """
    name = url.rsplit("/", 1)[-1]
    limit = compressed_limit(size)
    unpacked, received, reported_tenths = Unpacked(size), 0, 0
    with _opened(url, timeout) as response, open(path, "wb") as out:
        declared = response.length or 0  # http.client's reading of Content-Length; None if absent
        if declared > limit:
            raise DataError(f"{url}: the server sends {declared} bytes, more than a "
                            f"{size}-byte file takes ({limit} at most)")
        while chunk := _read(response, url, received, declared):
            received += len(chunk)
            if received > limit:
                raise DataError(f"{url}: more than {limit} bytes arrived for a {size}-byte file; stopped")
            try:
                unpacked.feed(chunk)
            except DataError as err:
                raise DataError(f"{url}: {err}; stopped") from None
            out.write(chunk)
            if unpacked.count * 10 // size > reported_tenths:
                reported_tenths = unpacked.count * 10 // size
                log(f"  {name}: {unpacked.count / size:4.0%} of {size / 1e6:.1f} MB")
    if declared and received != declared:
        raise DataError(f"{url}: download cut off after {received} of {declared} bytes")
    try:
        unpacked.hexdigest()
    except DataError:
        raise DataError(f"{url}: download cut off after {received} bytes (the gzip stream ends early)") from None
    return path


def _opened(url, timeout):
    try:
        return urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as err:
        raise DataError(f"{url}: HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise DataError(f"{url}: {err.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as err:
        # A dropped connection, a malformed response, a host name that cannot be encoded
        raise DataError(f"{url}: {str(err) or type(err).__name__}") from None


def _read(response, url, received, declared):
    """The next bytes as they arrive (``read1``: progress shows while a transfer is slow)."""
    try:
        return response.read1(CHUNK_BYTES)
    except http.client.IncompleteRead:
        of = f" of {declared}" if declared else ""
        raise DataError(f"{url}: download cut off after {received}{of} bytes") from None
    except (OSError, http.client.HTTPException, ValueError) as err:
        raise DataError(f"{url}: {str(err) or type(err).__name__} after {received} bytes") from None
