"""A small loopback HTTP/1.1 server for provider fakes.

A provider fake is an ``app``: a function from FakeRequest to JSONResponse or StreamResponse.
FakeServer runs it on 127.0.0.1 in a thread, records every request, and applies injected
faults to the next requests: an error status with the provider's error body, a delay, a
connection dropped mid-body or mid-stream, malformed JSON, a malformed stream line. Streams use
chunked transfer encoding and notice when the client goes away (``disconnects``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class JSONResponse:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StreamResponse:
    """Events already encoded as bytes (``sse(...)`` or ``ndjson(...)``)."""

    events: Iterable[bytes]
    content_type: str = "text/event-stream"
    status: int = 200
    interval: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """What goes wrong with the next ``times`` requests."""

    status: int | None = None
    message: str = "injected fault"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop_after: int | None = None
    malformed_json: bool = False
    malformed_stream: bool = False
    times: int = 1


def sse(data: Any, event: str | None = None) -> bytes:
    """One server-sent event; ``data`` is JSON-encoded unless it is already a string."""
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return (head + "".join(f"data: {line}\n" for line in text.split("\n")) + "\n").encode()


def ndjson(obj: Any) -> bytes:
    return (json.dumps(obj) + "\n").encode()


ErrorBody = Callable[[int, str], Any]


def _default_error_body(status: int, message: str) -> Any:
    return {"error": {"message": message, "code": status}}


class FakeServer:
    """Serve ``app`` on a free loopback port until ``stop()`` (or the ``with`` block ends)."""

    def __init__(self, app: Callable[[FakeRequest], JSONResponse | StreamResponse], *,
                 error_body: ErrorBody = _default_error_body) -> None:
        self.app = app
        self.error_body = error_body
        self.requests: list[FakeRequest] = []
        self.faults: deque[Fault] = deque()
        self.disconnects = 0
        self.disconnected = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def _take_fault(self) -> Fault | None:
        with self._lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self.faults.popleft()
            return fault

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                try:
                    self._respond()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (e.g. its timeout)

            def _respond(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = FakeRequest(self.command, parts.path, parse_qs(parts.query),
                                      {k.lower(): v for k, v in self.headers.items()}, body)
                server.requests.append(request)
                fault = server._take_fault()
                if fault and fault.delay:
                    time.sleep(fault.delay)
                if fault and fault.status:
                    self._json(JSONResponse(server.error_body(fault.status, fault.message),
                                            fault.status, fault.headers))
                    return
                if fault and fault.malformed_json:
                    self._raw(200, "application/json", b'{"id": "x", "choices": [')
                    return
                response = server.app(request)
                if isinstance(response, StreamResponse):
                    self._stream(response, fault)
                elif fault and fault.drop_after is not None:
                    payload = json.dumps(response.body).encode()
                    self._raw(response.status, "application/json", payload,
                              cut=fault.drop_after)
                else:
                    self._json(response)

            do_GET = do_POST = do_DELETE = _serve

            def _json(self, response: JSONResponse) -> None:
                self._raw(response.status, "application/json",
                          json.dumps(response.body).encode(), headers=response.headers)

            def _raw(self, status: int, content_type: str, payload: bytes, *,
                     headers: dict[str, str] | None = None, cut: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if cut is not None:
                    self.wfile.write(payload[:cut])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(payload)

            def _stream(self, response: StreamResponse, fault: Fault | None) -> None:
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Cache-Control", "no-cache")
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                malformed = (b"data: {not json\n\n" if "event-stream" in response.content_type
                             else b"{not json\n")
                try:
                    for index, event in enumerate(response.events):
                        if fault and fault.drop_after is not None and index >= fault.drop_after:
                            self.wfile.flush()
                            self.connection.shutdown(socket.SHUT_RDWR)
                            self.close_connection = True
                            return
                        if fault and fault.malformed_stream and index == 1:
                            self._chunk(malformed)
                        self._chunk(event)
                        if response.interval:
                            time.sleep(response.interval)
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    server.disconnects += 1
                    server.disconnected.set()
                    self.close_connection = True

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        return Handler
