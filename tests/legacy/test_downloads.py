"""serving_datasets(): every client form legacy programs fetched MNIST with gets the verified files'
gzipped bytes without the network; any other URL reaches a local server unchanged; all restored."""
import gzip
import http.server
import os
import threading
import urllib.request

import numpy as np
import pytest
import requests
import requests.adapters
import six

from conftest import synthetic_files, write_files
from tf1_rnn.legacy import py2
from tf1_rnn.data import datasets
from tf1_rnn.legacy import install
from tf1_rnn.legacy.downloads import known_file, serving_datasets
from tf1_rnn.legacy.numpy_era import legacy_numpy
from tf1_rnn.legacy.old_libraries import old_libraries

YANN = "http://yann.lecun.com/exdb/mnist/"
CVDF = "https://storage.googleapis.com/cvdf-datasets/mnist/"
FASHION = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
MNIST_FILES = synthetic_files(n_train=8, n_test=4)
FASHION_FILES = synthetic_files(n_train=3, n_test=2)
LOCAL_BODY = b"from the local server"


@pytest.fixture
def fetch_file(tmp_path):
    """What the lead passes: (dataset, file name) -> path of the verified file (MNIST raw, Fashion gzipped)."""
    folders = {"mnist": write_files(str(tmp_path / "mnist"), MNIST_FILES),
               "fashion_mnist": write_files(str(tmp_path / "fashion"), FASHION_FILES, gz=True)}
    calls = []

    def fetch(dataset, file_name):
        calls.append((dataset, file_name))
        return os.path.join(folders[dataset], file_name + (".gz" if dataset == "fashion_mnist" else ""))
    fetch.calls = calls
    return fetch


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(LOCAL_BODY)))
        self.end_headers()
        self.wfile.write(LOCAL_BODY)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server(monkeypatch):
    """http://127.0.0.1:PORT/, answering LOCAL_BODY to any GET; no proxy in between."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("url, expected", [
    (YANN + "train-images-idx3-ubyte.gz", ("mnist", "train-images-idx3-ubyte")),
    ("https://yann.lecun.com/exdb/mnist/t10k-labels-idx1-ubyte.gz", ("mnist", "t10k-labels-idx1-ubyte")),
    (CVDF + "train-labels-idx1-ubyte.gz", ("mnist", "train-labels-idx1-ubyte")),
    (FASHION + "t10k-images-idx3-ubyte.gz", ("fashion_mnist", "t10k-images-idx3-ubyte")),
    ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/train-labels-idx1-ubyte.gz",
     ("fashion_mnist", "train-labels-idx1-ubyte")),
    (YANN + "train-images-idx3-ubyte", None),          # not the .gz the sites hold
    (YANN + "mnist.npz", None),
    ("http://127.0.0.1:8000/exdb/mnist/train-images-idx3-ubyte.gz", None),
    (CVDF + "train-images-idx3-ubyte.gz?alt=media", None),
    ("ftp://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz", None),
])
def test_known_files_by_mirror_and_name(url, expected):
    assert known_file(url) == expected


def test_urlretrieve_writes_the_gzipped_file(fetch_file, tmp_path, capsys):
    path = str(tmp_path / "train-images-idx3-ubyte.gz")
    hooks = []
    with serving_datasets(fetch_file):
        result, headers = urllib.request.urlretrieve(YANN + "train-images-idx3-ubyte.gz", path,
                                                     lambda *args: hooks.append(args))
        temporary, _ = urllib.request.urlretrieve(YANN + "t10k-labels-idx1-ubyte.gz")  # no name: a temp file
    with open(path, "rb") as f:
        data = f.read()
    assert result == path and gzip.decompress(data) == MNIST_FILES["train-images-idx3-ubyte"]
    assert hooks[0] == (0, 8192, len(data)) and int(headers["Content-Length"]) == len(data)
    with open(temporary, "rb") as f:
        assert gzip.decompress(f.read()) == MNIST_FILES["t10k-labels-idx1-ubyte"]
    assert capsys.readouterr().err.splitlines() == [
        f"run_legacy: serving {YANN}train-images-idx3-ubyte.gz from the verified MNIST files",
        f"run_legacy: serving {YANN}t10k-labels-idx1-ubyte.gz from the verified MNIST files"]


def test_urlopen_and_a_request_object(fetch_file, capsys):
    with serving_datasets(fetch_file):
        with urllib.request.urlopen(CVDF + "train-labels-idx1-ubyte.gz") as response:
            assert response.status == 200 and response.geturl() == CVDF + "train-labels-idx1-ubyte.gz"
            first = response.read()
        second = urllib.request.urlopen(urllib.request.Request(CVDF + "train-labels-idx1-ubyte.gz")).read()
    assert gzip.decompress(first) == gzip.decompress(second) == MNIST_FILES["train-labels-idx1-ubyte"]
    assert len(capsys.readouterr().err.splitlines()) == 1  # once per file


def test_six_moves_and_python2_urllib_converted_by_the_runner(fetch_file, tmp_path):
    source = "import urllib\npath, _ = urllib.urlretrieve(URL, TARGET)\n"  # a TF 0.x input_data.py line
    converted = py2.to_python3(source, "input_data.py", python2=True)
    assert "urllib.request.urlretrieve" in converted
    scope = {"URL": FASHION + "train-images-idx3-ubyte.gz", "TARGET": str(tmp_path / "fashion.gz")}
    with serving_datasets(fetch_file):
        from six.moves.urllib.request import urlopen
        body = urlopen(YANN + "t10k-images-idx3-ubyte.gz").read()
        six_path, _ = six.moves.urllib.request.urlretrieve(CVDF + "t10k-labels-idx1-ubyte.gz",
                                                           str(tmp_path / "six.gz"))
        exec(compile(converted, "input_data.py", "exec"), scope)
    assert gzip.decompress(body) == MNIST_FILES["t10k-images-idx3-ubyte"]
    with open(six_path, "rb") as f:
        assert gzip.decompress(f.read()) == MNIST_FILES["t10k-labels-idx1-ubyte"]
    with open(scope["path"], "rb") as f:
        assert gzip.decompress(f.read()) == FASHION_FILES["train-images-idx3-ubyte"]


def test_the_verified_gz_is_served_byte_for_byte(fetch_file):
    with serving_datasets(fetch_file):
        body = urllib.request.urlopen(FASHION + "t10k-labels-idx1-ubyte.gz").read()
    with open(fetch_file("fashion_mnist", "t10k-labels-idx1-ubyte"), "rb") as f:
        assert body == f.read()


def test_requests_get_whole_and_streamed(fetch_file):
    url = YANN + "train-labels-idx1-ubyte.gz"
    with serving_datasets(fetch_file):
        whole = requests.get(url)
        streamed = requests.get(url, stream=True)
        chunks = list(streamed.iter_content(chunk_size=7))
        session = requests.Session().get(YANN + "t10k-labels-idx1-ubyte.gz")
    assert whole.status_code == 200 and whole.url == url and whole.ok
    assert gzip.decompress(whole.content) == MNIST_FILES["train-labels-idx1-ubyte"]
    assert b"".join(chunks) == whole.content and len(chunks[0]) == 7
    assert gzip.decompress(session.content) == MNIST_FILES["t10k-labels-idx1-ubyte"]


def test_fetch_file_errors_reach_the_program():
    def missing(dataset, file_name):
        raise ValueError(f"could not provision {dataset}")
    with serving_datasets(missing), pytest.raises(ValueError, match="could not provision mnist"):
        urllib.request.urlopen(YANN + "train-images-idx3-ubyte.gz")


def test_other_urls_go_out_unchanged(fetch_file, local_server, tmp_path):
    same_name = local_server + "exdb/mnist/train-images-idx3-ubyte.gz"  # a known name on an unknown host
    with serving_datasets(fetch_file):
        assert urllib.request.urlopen(local_server + "data.bin", timeout=10).read() == LOCAL_BODY
        path, _ = urllib.request.urlretrieve(same_name, str(tmp_path / "x.gz"))
        assert six.moves.urllib.request.urlopen(local_server, timeout=10).read() == LOCAL_BODY
        assert requests.get(same_name, timeout=10).content == LOCAL_BODY
    with open(path, "rb") as f:
        assert f.read() == LOCAL_BODY
    assert fetch_file.calls == []


def test_everything_is_restored_on_exit(fetch_file, local_server):
    urlopen, send = urllib.request.urlopen, requests.adapters.HTTPAdapter.send
    six_request = six.moves.urllib.request
    six_state = vars(six_request).get("urlopen"), type(six_request).__dict__.get("urlopen")
    with pytest.raises(RuntimeError):
        with serving_datasets(fetch_file):
            assert urllib.request.urlopen is not urlopen and requests.adapters.HTTPAdapter.send is not send
            raise RuntimeError("the program failed")
    assert urllib.request.urlopen is urlopen and requests.adapters.HTTPAdapter.send is send
    assert (vars(six_request).get("urlopen"), type(six_request).__dict__.get("urlopen")) == six_state
    assert six.moves.urllib.request.urlopen is urlopen
    assert requests.get(local_server, timeout=10).content == LOCAL_BODY


# The way TF 0.5's own input_data.py fetched and read MNIST, in a file that compiles as Python 3
# (so the runner never converts it): urllib.urlretrieve, header fields as one-element arrays.
TF05_STYLE = """
from __future__ import print_function
import gzip, os, urllib
import numpy

SOURCE_URL = 'http://yann.lecun.com/exdb/mnist/'

def fetch(filename, folder):
    path = os.path.join(folder, filename)
    if not os.path.exists(path):
        path, _ = urllib.urlretrieve(SOURCE_URL + filename, path)
    return path

def header_field(stream):
    return numpy.frombuffer(stream.read(4), dtype=numpy.dtype(numpy.uint32).newbyteorder('>'))

def read_images(path):
    with gzip.open(path) as stream:
        magic, count, rows, cols = [header_field(stream) for _ in range(4)]
        pixels = numpy.frombuffer(stream.read(rows * cols * count), dtype=numpy.uint8)
        return pixels.reshape(count, rows, cols, 1)

images = read_images(fetch('t10k-images-idx3-ubyte.gz', FOLDER))
"""


def test_a_tf05_style_input_data_runs_with_the_three_contexts(fetch_file, tmp_path):
    code = compile(TF05_STYLE, "input_data.py", "exec")
    with pytest.raises(AttributeError, match="urlretrieve"):
        exec(code, {"FOLDER": str(tmp_path)})
    scope = {"FOLDER": str(tmp_path)}
    with legacy_numpy(), serving_datasets(fetch_file), old_libraries():
        exec(code, scope)
    expected = np.frombuffer(MNIST_FILES["t10k-images-idx3-ubyte"][16:], dtype=np.uint8).reshape(4, 28, 28, 1)
    assert np.array_equal(scope["images"], expected)


def test_the_runners_fetch_file_reads_the_cache():
    write_files(datasets.default_data_dir("mnist"), MNIST_FILES, gz=True)  # the test's private cache
    with serving_datasets(install._verified_file(verify=False)):  # what the runner's context passes
        body = urllib.request.urlopen(YANN + "train-labels-idx1-ubyte.gz").read()
    assert gzip.decompress(body) == MNIST_FILES["train-labels-idx1-ubyte"]
