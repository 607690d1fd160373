"""The MNIST and Fashion-MNIST downloads of legacy programs, served from the project's verified files.

TF 0.x programs ship their own ``input_data.py``, which fetches
``http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz`` and the three other files (that
site now refuses most clients); TF 1.x's fetched them from ``storage.googleapis.com/cvdf-datasets``,
Fashion-MNIST's from its S3 site or Keras's bucket. Inside :func:`serving_datasets`, a fetch of one
of those files by

    urllib.request.urlopen / urlretrieve         (Python 2's urllib.urlretrieve and urllib2.urlopen,
    six.moves.urllib.request.urlopen / urlretrieve  once converted, are these)
    requests.get / requests.Session().get        (any GET through requests' HTTP adapter)

gets the file's gzipped bytes without the network, from the verified IDX file the caller's
``fetch_file(dataset, file_name)`` returns, and stderr gets one line per file saying so. Every
other URL goes to the original function. What the program receives differs from the site's
only in the gzip container (compression level, no file name, mtime 0); the IDX bytes inside
are the verified ones.
"""
import contextlib
import email.message
import gzip
import importlib
import importlib.util
import io
import posixpath
import sys
import urllib.parse
import urllib.request
import urllib.response

from tf1_rnn.legacy.patches import Patches

FILE_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte")
# Where legacy programs fetched the files from: host and folder (http or https), and which dataset.
MIRRORS = {
    "yann.lecun.com/exdb/mnist": "mnist",
    "storage.googleapis.com/cvdf-datasets/mnist": "mnist",
    "fashion-mnist.s3-website.eu-central-1.amazonaws.com": "fashion_mnist",
    "storage.googleapis.com/tensorflow/tf-keras-datasets": "fashion_mnist",  # Keras's fashion_mnist
}
TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
GZIP_MAGIC = b"\x1f\x8b"


def known_file(url):
    """``(dataset, file_name)`` when ``url`` is one of the known mirrors' files, else None."""
    if not isinstance(url, str):
        return None
    parts = urllib.parse.urlsplit(url)
    folder, name = posixpath.split(parts.path)
    if parts.scheme not in ("http", "https") or parts.query or not name.endswith(".gz"):
        return None
    dataset = MIRRORS.get(parts.netloc.lower() + folder.rstrip("/"))
    file_name = name[:-len(".gz")]
    return (dataset, file_name) if dataset and file_name in FILE_NAMES else None


class DatasetServer:
    """Answers the known URLs from ``fetch_file``'s verified files; says so once per file."""

    def __init__(self, fetch_file):
        self._fetch_file = fetch_file
        self._announced = set()

    def gz_bytes(self, url):
        """The gzipped file behind ``url``, or None when ``url`` is not a known file."""
        known = known_file(url)
        if known is None:
            return None
        with open(self._fetch_file(*known), "rb") as f:
            data = f.read()
        if known not in self._announced:
            self._announced.add(known)
            print(f"run_legacy: serving {url} from the verified {TITLES[known[0]]} files", file=sys.stderr)
        if data[:2] == GZIP_MAGIC:  # the verified copy is gzipped already: the site's own bytes
            return data
        return gzip.compress(data, compresslevel=1, mtime=0)  # fast: MNIST's 47 MB in well under a second

    def urllib_urlopen(self, urlopen):
        """``urlopen`` answering a GET of a known file itself (``urlretrieve`` calls it too)."""
        def served_urlopen(url, data=None, *args, **kwargs):
            full_url = url.full_url if isinstance(url, urllib.request.Request) else url
            method = url.get_method() if isinstance(url, urllib.request.Request) else "GET"
            body = self.gz_bytes(full_url) if data is None and method == "GET" else None
            if body is None:
                return urlopen(url, data, *args, **kwargs)
            return urllib.response.addinfourl(io.BytesIO(body), _headers(len(body)), full_url, code=200)
        served_urlopen.__wrapped__ = urlopen
        return served_urlopen

    def requests_send(self, send):
        """``HTTPAdapter.send`` answering a GET of a known file with a streamable response."""
        from urllib3.response import HTTPResponse  # requests' own transport

        def served_send(adapter, request, *args, **kwargs):
            body = self.gz_bytes(request.url) if request.method == "GET" else None
            if body is None:
                return send(adapter, request, *args, **kwargs)
            raw = HTTPResponse(body=io.BytesIO(body), headers=dict(_headers(len(body)).items()), status=200,
                               reason="OK", preload_content=False, decode_content=False,
                               request_method="GET", request_url=request.url)
            return adapter.build_response(request, raw)
        served_send.__wrapped__ = send
        return served_send


def _headers(length):
    headers = email.message.Message()
    headers["Content-Type"] = "application/x-gzip"  # not Content-Encoding: the program gets the .gz itself
    headers["Content-Length"] = str(length)
    return headers


def _installed(name):
    """The module ``name`` if its package is installed (imported now, so that it is patched before the
    program imports it), else None."""
    if importlib.util.find_spec(name.partition(".")[0]) is None:
        return None
    return importlib.import_module(name)


def install(patches, fetch_file):
    """What :func:`serving_datasets` does, recorded in ``patches``; returns the :class:`DatasetServer`."""
    server = DatasetServer(fetch_file)
    served_urlopen = server.urllib_urlopen(urllib.request.urlopen)
    six = _installed("six")
    if six is not None:  # six.moves keeps the function it resolved first (urlretrieve calls urlopen)
        patches.setattr(six.moves.urllib.request, "urlopen", served_urlopen)
    patches.setattr(urllib.request, "urlopen", served_urlopen)
    adapters = _installed("requests.adapters")
    if adapters is not None:
        patches.setattr(adapters.HTTPAdapter, "send", server.requests_send(adapters.HTTPAdapter.send))
    return server


@contextlib.contextmanager
def serving_datasets(fetch_file):
    """Serve the known MNIST and Fashion-MNIST URLs from ``fetch_file`` inside the ``with`` block.

    ``fetch_file(dataset, file_name)`` (``dataset`` ``"mnist"`` or ``"fashion_mnist"``,
    ``file_name`` such as ``"train-images-idx3-ubyte"``) returns the path of the verified IDX
    file, raw or gzipped; its errors reach the program's download call unchanged.
    """
    patches = Patches()
    try:
        yield install(patches, fetch_file)
    finally:
        patches.undo()
