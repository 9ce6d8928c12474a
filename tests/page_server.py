"""A loopback web server for tests that fetch articles by URL (stdlib only).

It binds 127.0.0.1 on a free port and serves what the test gives it::

    with PageServer({"/story": Page(ARTICLE_HTML)}) as server:
        load_sources([server.url("/story")])

A Page can answer with any status and media type, redirect, stall before answering
(`stall` seconds, cut short when the server stops), or stream a body of `stream_bytes`
without a Content-Length. Every request path is recorded in `requested`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Page:
    body: str | bytes = ""
    status: int = 200
    media_type: str = "text/html; charset=utf-8"
    location: str | None = None  # a redirect's target
    stall: float = 0.0  # seconds to wait before answering
    stream_bytes: int = 0  # send this many bytes in pieces, with no Content-Length


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: PageServer) -> None:
        super().__init__((HOST, 0), _Handler)
        self.owner = owner

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-answer (a timeout, a size cap) is expected


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.requested.append(self.path)
        page = owner.pages.get(self.path, Page("no such page", status=404, media_type="text/plain"))
        if page.stall and owner.stopping.wait(page.stall):
            return
        self.send_response(page.status)
        self.send_header("Content-Type", page.media_type)
        if page.location:
            self.send_header("Location", page.location)
        if page.stream_bytes:
            self.send_header("Connection", "close")
            self.end_headers()
            piece = b"<p>" + b"x" * 8187 + b"</p>"
            sent = 0
            while sent < page.stream_bytes and not owner.stopping.is_set():
                self.wfile.write(piece)
                sent += len(piece)
            return
        body = page.body.encode("utf-8") if isinstance(page.body, str) else page.body
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PageServer:
    def __init__(self, pages: dict[str, Page]) -> None:
        self.pages = pages
        self.requested: list[str] = []
        self.stopping = threading.Event()
        self._httpd: _Server | None = None

    def __enter__(self) -> PageServer:
        self._httpd = _Server(self)
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._httpd is not None
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        assert self._httpd is not None
        return f"http://{HOST}:{self._httpd.server_address[1]}{path}"
