"""An HTTP mirror on 127.0.0.1 serving the synthetic files, well or broken in one chosen way."""
import gzip
import http.server
import threading

import pytest

from conftest import synthetic_files

FILES = synthetic_files(n_train=30, n_test=10)
MODES = {
    "ok": "each NAME.gz as it should be",
    "404": "nothing",
    "corrupt": "the right size, one byte changed",
    "cut": "half the body, then the connection closes (Content-Length says all of it)",
    "chunked-cut": "chunked transfer: a chunk header for all of it, half the bytes, then the connection closes",
    "bomb": "a small gzip stream that unpacks to 1 MiB more than the file",
    "endless": "the gzipped file, then zero padding that never ends (no Content-Length)",
    "too-long": "a Content-Length far beyond what the gzipped file can take",
    "stall": "half the body, then nothing until the mirror closes",
}


class Mirror:
    """Serves ``<name>.gz`` for each of ``files`` at ``url``; ``mode`` (one of MODES) breaks it."""

    def __init__(self, mode="ok", files=FILES):
        assert mode in MODES, mode
        self.mode, self.files, self.requests = mode, files, []
        self.closing = threading.Event()
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                mirror.requests.append(self.path)
                name = self.path.rsplit("/", 1)[-1].removesuffix(".gz")
                if mirror.mode == "404" or name not in mirror.files:
                    self.send_error(404, "Not Found")
                    return
                try:
                    mirror.respond(self, mirror.files[name])
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading, as it should for an oversize body

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mnist/"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def respond(self, handler, data):
        body = gzip.compress(data)
        if self.mode == "corrupt":
            body = gzip.compress(data[:-1] + b"\x07")
        elif self.mode == "bomb":
            body = gzip.compress(data + bytes(1 << 20))
        handler.send_response(200)
        if self.mode == "chunked-cut":
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            handler.wfile.write(b"%x\r\n" % len(body) + body[:len(body) // 2])
            return
        if self.mode == "endless":
            handler.end_headers()
            handler.wfile.write(body)
            while not self.closing.is_set():
                handler.wfile.write(bytes(1 << 16))
            return
        declared = 2 * len(data) + 4096 if self.mode == "too-long" else len(body)
        handler.send_header("Content-Length", str(declared))
        handler.end_headers()
        if self.mode in ("cut", "stall"):
            handler.wfile.write(body[:len(body) // 2])
            handler.wfile.flush()
            self.closing.wait(60 if self.mode == "stall" else 0)
            return
        handler.wfile.write(body)

    def close(self):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror(request):
    """A :class:`Mirror`; parametrize it indirectly with a mode."""
    server = Mirror(getattr(request, "param", "ok"))
    yield server
    server.close()
