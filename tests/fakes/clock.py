"""Clocks for tests: time moves only when code sleeps (or never, for FrozenClock)."""

from __future__ import annotations

import threading


class FakeClock:
    """Monotonic time that advances by exactly what callers sleep; records every sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class FrozenClock(FakeClock):
    """Records sleeps but never advances: for checking a schedule of waits."""

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
