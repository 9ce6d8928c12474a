"""A loopback HTTP proxy that counts what a real model server serves (test support).

The live tier puts it between synth and scripts/local-model's server, so request and token
counts are measured on the wire, independently of what synth reports about itself.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


class CountingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.requests = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.seen_headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> CountingProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
                path = self.path[3:] if self.path.startswith("/v1") else self.path
                is_chat = self.path.endswith("/chat/completions")
                if is_chat:  # counted on arrival: a request the client gave up on still ran
                    with proxy._lock:
                        proxy.requests += 1
                        proxy.seen_headers.append(dict(self.headers.items()))
                # No bound of its own: synth bounds its requests, and a proxy that gave up
                # first would turn a slow answer into a failure synth never saw coming.
                reply = httpx.request(
                    method, proxy.upstream + path, content=body, headers=headers, timeout=None
                )
                if is_chat:
                    with proxy._lock:
                        try:
                            usage = reply.json().get("usage") or {}
                        except ValueError:
                            usage = {}
                        proxy.prompt_tokens += usage.get("prompt_tokens", 0)
                        proxy.completion_tokens += usage.get("completion_tokens", 0)
                payload = reply.content
                self.send_response(reply.status_code)
                self.send_header("content-type", reply.headers.get("content-type", "application/json"))
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:  # noqa: N802
                self._forward("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._forward("POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def snapshot(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


__all__ = ["CountingProxy", "json"]
