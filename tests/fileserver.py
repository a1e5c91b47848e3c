"""A real HTTP server on loopback, in a thread, for the tests of datasets given by URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Route:
    """What one path answers: a body (maybe without Content-Length), or a redirect."""

    body: bytes = b""
    status: int = 200
    location: str | None = None
    chunked: bool = False  # no Content-Length: the size cap must hold while streaming
    hang: bool = False  # send the headers, then nothing until the server stops


@dataclass
class FileServer:
    """The server's base URL, its routes (editable while it runs) and the paths it served."""

    base: str
    routes: dict[str, Route]
    hits: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[FileServer]:
    """Serve ``routes`` on 127.0.0.1 (a free port) until the block ends."""
    server_state: list[FileServer] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state = server_state[0]
            state.hits.append(self.path)
            route = state.routes.get(self.path, Route(b"no such file", status=404))
            self.send_response(route.status)
            if route.location is not None:
                self.send_header("Location", route.location)
            if route.hang:
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.flush()
                state.stopping.wait()
                return
            if route.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(route.body), 4096):
                    piece = route.body[start : start + 4096]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, *_: object) -> None:  # keep the test output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    port = httpd.server_address[1]
    server_state.append(FileServer(f"http://127.0.0.1:{port}", routes))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state[0]
    finally:
        server_state[0].stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()
