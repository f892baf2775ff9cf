"""Time, passed in so that the domain and the services never read the clock themselves."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Where services get the time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def now_ns(self) -> int:
        """Nanoseconds since the epoch (for ledger timestamps)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def now_ns(self) -> int:
        return time.time_ns()


class FixedClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        assert start.tzinfo is not None, "clocks are timezone-aware"
        self._now = start

    def now(self) -> datetime:
        return self._now

    def now_ns(self) -> int:
        return int(self._now.timestamp() * 1_000_000) * 1_000

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        from datetime import timedelta

        self._now += timedelta(seconds=seconds)
