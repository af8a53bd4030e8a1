"""The loopback OpenAI-compatible server the benchmarks call, in its own process.

The responses are the test fake's (``tests/fakes/openai.py``): rendered once at start-up by
``OpenAIFake`` and then served as pre-encoded bytes by a small asyncio HTTP/1.1 server
(keep-alive, ``Content-Length`` requests, chunked server-sent events), so the server does almost
no work per request. ``--kind fake`` serves the same app through the tests' threaded
``FakeServer`` instead, to compare the two (see ``measure_alone``).

Run alone: ``python -m benchmarks._server [--kind fast|fake] [--chunks 200]``; it prints
``PORT <n>`` and serves until its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
MODEL = "bench-model"
_STREAM = re.compile(rb'"stream"\s*:\s*true')


def render(chunks: int) -> dict[str, bytes]:
    """Complete HTTP responses, by kind, rendered from the test fake's app."""
    sys.path.insert(0, str(ROOT))
    from tests.fakes._http import FakeRequest, JSONResponse, StreamResponse
    from tests.fakes.openai import OpenAIFake, Script

    pieces = [f"w{i:03d} " for i in range(chunks)]
    app = OpenAIFake(Script(chunks=pieces))
    messages = [{"role": "user", "content": "Say hello."}]

    def call(method: str, path: str, body: object) -> JSONResponse | StreamResponse:
        data = json.dumps(body).encode() if body is not None else b""
        return app(FakeRequest(method, path, {}, {}, data))

    completion = call("POST", "/v1/chat/completions", {"model": MODEL, "messages": messages})
    stream = call("POST", "/v1/chat/completions", {
        "model": MODEL, "messages": messages, "stream": True,
        "stream_options": {"include_usage": True}})
    models = call("GET", "/v1/models", None)
    assert isinstance(completion, JSONResponse) and isinstance(models, JSONResponse)
    assert isinstance(stream, StreamResponse)
    return {"completion": _json(completion.body, completion.headers),
            "models": _json(models.body, models.headers),
            "stream": _sse(list(stream.events), stream.headers),
            "missing": _json({"error": {"message": "not found", "type": "invalid_request_error",
                                        "param": None, "code": None}}, {}, status="404 Not Found")}


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _json(body: object, headers: dict[str, str], status: str = "200 OK") -> bytes:
    payload = json.dumps(body).encode()
    return _head(status, {"Content-Type": "application/json",
                          "Content-Length": str(len(payload)), **headers}) + payload


def _sse(events: list[bytes], headers: dict[str, str]) -> bytes:
    head = _head("200 OK", {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked",
                            "Cache-Control": "no-cache", **headers})
    body = b"".join(f"{len(e):x}\r\n".encode() + e + b"\r\n" for e in events)
    return head + body + b"0\r\n\r\n"


class _Connection(asyncio.Protocol):
    """One keep-alive connection: parse requests, write the pre-rendered answer."""

    def __init__(self, responses: dict[str, bytes]) -> None:
        self.responses = responses
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            total = end + 4 + (int(match.group(1)) if match else 0)
            if len(self.buffer) < total:
                return
            body, self.buffer = self.buffer[end + 4:total], self.buffer[total:]
            self.transport.write(self.responses[_kind(head, body)])


def _kind(head: bytes, body: bytes) -> str:
    path = head.split(b" ", 2)[1].split(b"?")[0] if b" " in head else b""
    if path.endswith(b"/chat/completions"):
        return "stream" if _STREAM.search(body) else "completion"
    return "models" if path.endswith(b"/models") else "missing"


async def _serve_fast(responses: dict[str, bytes]) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(responses), "127.0.0.1", 0,
                                      backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # serve until the parent goes away
    server.close()


def _serve_fake(chunks: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.fakes._http import FakeServer
    from tests.fakes.openai import OpenAIFake, Script

    pieces = [f"w{i:03d} " for i in range(chunks)]
    with FakeServer(OpenAIFake(Script(chunks=pieces))) as server:
        print(f"PORT {server.url.rsplit(':', 1)[1]}", flush=True)
        sys.stdin.read()


class ServerProcess:
    """The server in a child process (so it never competes with the client for the GIL)."""

    def __init__(self, *, kind: str = "fast", chunks: int = 200) -> None:
        self.args = [sys.executable, "-m", "benchmarks._server", "--kind", kind,
                     "--chunks", str(chunks)]
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.proc is None:
            return
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- measuring the server alone ---------------------------------------------------------------


def _request(path: str, body: dict[str, object]) -> bytes:
    data = json.dumps(body).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


def _read_response(sock: socket.socket, pending: bytes) -> bytes:
    """Read one whole response (Content-Length or chunked); return what came after it."""
    buffer = pending
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    end = buffer.index(b"\r\n\r\n") + 4
    match = re.search(rb"(?im)^content-length:\s*(\d+)", buffer[:end])
    if match:
        total = end + int(match.group(1))
        while len(buffer) < total:
            buffer += sock.recv(65536)
        return buffer[total:]
    while b"\r\n0\r\n\r\n" not in buffer[end - 2:]:
        buffer += sock.recv(65536)
    return buffer[buffer.index(b"\r\n0\r\n\r\n", end - 2) + 7:]


def time_requests(port: int, request: bytes, count: int) -> list[float]:
    """Seconds per request over one keep-alive connection, by a raw-socket client."""
    times: list[float] = []
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        for _ in range(count):
            started = time.perf_counter()
            sock.sendall(request)
            pending = _read_response(sock, pending)
            times.append(time.perf_counter() - started)
    return times


def requests_for_alone() -> dict[str, bytes]:
    messages = [{"role": "user", "content": "Say hello."}]
    return {"completion": _request("/v1/chat/completions",
                                   {"model": MODEL, "messages": messages}),
            "stream": _request("/v1/chat/completions",
                               {"model": MODEL, "messages": messages, "stream": True,
                                "stream_options": {"include_usage": True}})}


def time_concurrent(port: int, request: bytes, clients: int, each: int) -> float:
    """Requests per second with ``clients`` raw-socket clients in threads."""
    barrier = threading.Barrier(clients + 1)

    def client() -> None:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            barrier.wait()
            pending = b""
            for _ in range(each):
                sock.sendall(request)
                pending = _read_response(sock, pending)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return clients * each / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=["fast", "fake"], default="fast")
    parser.add_argument("--chunks", type=int, default=200)
    args = parser.parse_args()
    if args.kind == "fake":
        _serve_fake(args.chunks)
    else:
        asyncio.run(_serve_fast(render(args.chunks)))


if __name__ == "__main__":
    main()
