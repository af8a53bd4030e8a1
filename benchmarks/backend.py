"""Sections 1 and 2: backend call overhead and streaming, against the raw SDK and litellm.

Also the server alone, measured first: a raw-socket client against the benchmark server and
against the tests' threaded FakeServer, so the report shows the server is not the bottleneck.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from ._server import ServerProcess, requests_for_alone, time_concurrent, time_requests
from ._stats import Sizes, interleave, ratio, summary

MESSAGES = [{"role": "user", "content": "Say hello."}]
MODEL = "bench-model"
SKIPPED = "litellm left out (--no-litellm) or not installed: pip install -e '.[bench]'"


def load_litellm(wanted: bool = True) -> Any | None:
    """litellm, quiet and offline (its bundled model-price map), or None if not installed (or
    not ``wanted``)."""
    if not wanted:
        return None
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError:
        return None
    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


def measure_server(sizes: Sizes) -> dict[str, Any]:
    """Per-request latency of the benchmark server and of the tests' FakeServer, alone."""
    requests = requests_for_alone()
    out: dict[str, Any] = {"client": "raw socket, one keep-alive connection"}
    with ServerProcess(kind="fast") as fast, ServerProcess(kind="fake") as fake:
        for name, request in requests.items():
            count = sizes.calls if name == "completion" else sizes.streams
            contenders = {
                server: _socket_contender(port, request)
                for server, port in (("benchmark_server", fast.port), ("tests_fakeserver",
                                                                       fake.port))}
            for contender in contenders.values():
                contender(max(1, sizes.warmup // 4))
            times = interleave(contenders, count, sizes.rounds)
            out[name] = {server: summary(t) for server, t in times.items()}
        each = max(2, sizes.concurrent_calls // 64)
        out["concurrent_64_rps"] = round(time_concurrent(fast.port, requests["completion"],
                                                         64, each))
    return out


def _socket_contender(port: int, request: bytes) -> Callable[[int], list[float]]:
    return lambda count: time_requests(port, request, count)


class Clients:
    """The three contenders, each set up once against the server at ``url``."""

    def __init__(self, url: str, *, with_litellm: bool = True) -> None:
        import openai

        from arifos_core.integration.adapters.llm_backends_v43 import create_backend_from_spec

        self.url = url
        self.raw = openai.OpenAI(base_url=f"{url}/v1", api_key="bench", max_retries=0)
        self.ours = create_backend_from_spec(f"vllm:{MODEL}", base_url=url, api_key="")
        self.litellm = load_litellm(with_litellm)

    def close(self) -> None:
        self.raw.close()
        self.ours.close()

    # -- one call each ------------------------------------------------------------------------

    def raw_call(self) -> str:
        response = self.raw.chat.completions.create(model=MODEL, messages=MESSAGES,
                                                    max_tokens=1024)
        return response.choices[0].message.content or ""

    def our_call(self) -> str:
        return self.ours.complete("Say hello.").text

    def litellm_call(self) -> str:
        assert self.litellm is not None
        response = self.litellm.completion(model=f"openai/{MODEL}", messages=MESSAGES,
                                           api_base=f"{self.url}/v1", api_key="bench",
                                           max_tokens=1024)
        return str(response.choices[0].message.content or "")

    def calls(self) -> dict[str, Callable[[], str]]:
        found = {"openai_sdk": self.raw_call, "arifos_openai_compatible": self.our_call}
        if self.litellm is not None:
            found["litellm"] = self.litellm_call
        return found

    # -- one stream each: (time to first content chunk, total time, content chunks) ----------

    def raw_stream(self) -> tuple[float, float, int]:
        started = time.perf_counter()
        first = 0.0
        count = 0
        stream = self.raw.chat.completions.create(model=MODEL, messages=MESSAGES,
                                                  max_tokens=1024, stream=True,
                                                  stream_options={"include_usage": True})
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                count += 1
                first = first or time.perf_counter()
        return first - started, time.perf_counter() - started, count

    def our_stream(self) -> tuple[float, float, int]:
        started = time.perf_counter()
        first = 0.0
        count = 0
        for chunk in self.ours.stream("Say hello."):
            if chunk.text:
                count += 1
                first = first or time.perf_counter()
        return first - started, time.perf_counter() - started, count

    def litellm_stream(self) -> tuple[float, float, int]:
        assert self.litellm is not None
        started = time.perf_counter()
        first = 0.0
        count = 0
        stream = self.litellm.completion(model=f"openai/{MODEL}", messages=MESSAGES,
                                         api_base=f"{self.url}/v1", api_key="bench",
                                         max_tokens=1024, stream=True)
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                count += 1
                first = first or time.perf_counter()
        return first - started, time.perf_counter() - started, count

    def streams(self) -> dict[str, Callable[[], tuple[float, float, int]]]:
        found = {"openai_sdk": self.raw_stream, "arifos_openai_compatible": self.our_stream}
        if self.litellm is not None:
            found["litellm"] = self.litellm_stream
        return found


def _timed(call: Callable[[], str]) -> Callable[[int], list[float]]:
    def run(count: int) -> list[float]:
        times = []
        clock = time.perf_counter
        for _ in range(count):
            started = clock()
            call()
            times.append(clock() - started)
        return times

    return run


def measure(sizes: Sizes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sections 1 (non-streaming overhead) and 2 (streaming), interleaved per round."""
    with ServerProcess(kind="fast", chunks=200) as server:
        clients = Clients(server.url, with_litellm=sizes.litellm)
        try:
            calls = {name: _timed(call) for name, call in clients.calls().items()}
            for contender in calls.values():
                contender(sizes.warmup)
            times = interleave(calls, sizes.calls, _fine(sizes.calls, sizes.rounds))
            overhead = _overhead(times, clients.litellm is not None)
            streams = clients.streams()
            for stream in streams.values():
                for _ in range(max(1, sizes.warmup // 10)):
                    stream()
            records: dict[str, list[tuple[float, float, int]]] = {n: [] for n in streams}
            stream_times = interleave({n: _stream_contender(s, records[n])
                                       for n, s in streams.items()},
                                      sizes.streams, _fine(sizes.streams, sizes.rounds))
            del stream_times
            streaming = _streaming(records, clients.litellm is not None)
        finally:
            clients.close()
    return overhead, streaming


def _fine(total: int, rounds: int) -> int:
    """Rounds of about 20 operations per contender: the finer the interleaving, the more alike
    the machine's drift hits the contenders."""
    return max(rounds, total // 20)


def _stream_contender(stream: Callable[[], tuple[float, float, int]],
                      into: list[tuple[float, float, int]]) -> Callable[[int], list[float]]:
    def run(count: int) -> list[float]:
        done = [stream() for _ in range(count)]
        into.extend(done)
        return [total for _, total, _ in done]

    return run


def _overhead(times: dict[str, list[float]], has_litellm: bool) -> dict[str, Any]:
    result: dict[str, Any] = {name: summary(t) for name, t in times.items()}
    raw = result["openai_sdk"]
    ours = result["arifos_openai_compatible"]
    result["ratio_b_over_a"] = {"median": ratio(ours["median_us"], raw["median_us"]),
                                "p99": ratio(ours["p99_us"], raw["p99_us"])}
    if has_litellm:
        lite = result["litellm"]
        result["ratio_c_over_a"] = {"median": ratio(lite["median_us"], raw["median_us"]),
                                    "p99": ratio(lite["p99_us"], raw["p99_us"])}
    else:
        result["litellm"] = {"skipped": SKIPPED}
    return result


def _streaming(records: dict[str, list[tuple[float, float, int]]],
               has_litellm: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"chunks": 200}
    for name, done in records.items():
        result[name] = {"ttfc": summary([r[0] for r in done]),
                        "total": summary([r[1] for r in done]),
                        "content_chunks": sorted({r[2] for r in done})}
    raw = result["openai_sdk"]
    for name in ("arifos_openai_compatible", "litellm"):
        if name not in result:
            continue
        entry = result[name]
        entry["ttfc_overhead_us"] = round(entry["ttfc"]["median_us"]
                                          - raw["ttfc"]["median_us"], 1)
        entry["total_ratio"] = ratio(entry["total"]["median_us"], raw["total"]["median_us"])
    if not has_litellm:
        result["litellm"] = {"skipped": SKIPPED}
    return result
