"""What the risk rules need from the scam-signal exchange: how many active reports a target has.

The exchange itself (``lintas.services.signals``) is richer (TLP, sources, STIX); the payment
path needs only this one question, asked for the creditor's account, proxy and merchant QR.
Keeping it to one method lets the rules be tested with ``InMemorySignals`` and lets the real
exchange be adapted to it in ``bootstrap``.

Targets are written the way the exchange writes them (``lintas.domain.signals``):
``("account", "AGENT:ACCOUNT")``, ``("phone", "+66812345678")``,
``("proxy", "CC:TYPE:VALUE")``, ``("qr", "MERCHANTID")``.

``SignalPages`` is what TAXII and the STIX export need: the signals a viewer may see, in the
order they were added, a page at a time. Both signal stores (SQLite, PostgreSQL) have it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from lintas.domain.signals import Signal, SignalType, Viewer

#: Targets the in-memory fake keeps at most (a test double must be bounded too).
IN_MEMORY_TARGETS_MAX: Final = 100_000


@dataclass(frozen=True, slots=True)
class SignalSummary:
    """The active reports on one target, as the payment path sees them (never who reported)."""

    kind: str
    value: str
    #: Active (not mitigated, disputed, withdrawn or expired) reports on the target.
    active_reports: int
    #: Distinct organisations behind those reports.
    sources: int
    #: The highest confidence (0-100) among them.
    confidence_max: int
    #: When the earliest of them was first seen, if known.
    first_seen: datetime | None = None

    def __post_init__(self) -> None:
        assert self.active_reports >= 0 and self.sources >= 0, self
        assert 0 <= self.confidence_max <= 100, self.confidence_max


class SignalLookup(Protocol):
    """Active reports on a target; None when there are none."""

    def active_reports(self, kind: str, value: str) -> SignalSummary | None:
        """The summary for ``(kind, value)`` (already canonical), or None."""
        ...


class SignalPage(Protocol):
    """Signals with their added stamps, in the order they were added, and whether more follow."""

    @property
    def signals(self) -> tuple[tuple[Signal, int], ...]: ...

    @property
    def more(self) -> bool: ...


class SignalPages(Protocol):
    """Signals a viewer may see, a page at a time, after a cursor ``(added_ns, id)``."""

    def page(
        self,
        viewer: Viewer,
        *,
        after: tuple[int, str] = (0, ""),
        limit: int,
        types: frozenset[SignalType] | None = None,
    ) -> SignalPage:
        """At most ``limit`` signals ``viewer`` may see, added after ``after``."""
        ...


def visible_signals(pages: SignalPages, viewer: Viewer, *, page_rows: int) -> Iterator[Signal]:
    """Every signal ``viewer`` may see, in the order added, read ``page_rows`` at a time (for
    exports: memory stays bounded by a page, however many signals there are)."""
    after = (0, "")
    while True:
        page = pages.page(viewer, after=after, limit=page_rows)
        for signal, _ in page.signals:
            yield signal
        if not page.more:
            return
        last, added_ns = page.signals[-1]
        after = (added_ns, last.id)


class InMemorySignals:
    """A ``SignalLookup`` held in a dict: for tests and for a hub without the exchange."""

    def __init__(self) -> None:
        self._reports: dict[tuple[str, str], SignalSummary] = {}
        self._sources: dict[tuple[str, str], set[str]] = {}

    def report(
        self,
        kind: str,
        value: str,
        *,
        confidence: int,
        source: str = "TEST",
        first_seen: datetime | None = None,
    ) -> SignalSummary:
        """Add one active report from ``source`` on ``(kind, value)``; returns the new summary."""
        assert 0 <= confidence <= 100, confidence
        key = (kind, value)
        before = self._reports.get(key)
        if before is None:
            assert len(self._reports) < IN_MEMORY_TARGETS_MAX, "in-memory signals are full"
            summary = SignalSummary(kind, value, 1, 1, confidence, first_seen)
            self._sources[key] = {source}
        else:
            sources = self._sources[key]
            sources.add(source)
            summary = SignalSummary(
                kind,
                value,
                before.active_reports + 1,
                len(sources),
                max(before.confidence_max, confidence),
                before.first_seen or first_seen,
            )
        self._reports[key] = summary
        return summary

    def withdraw_all(self, kind: str, value: str) -> None:
        """Forget every report on ``(kind, value)``."""
        self._reports.pop((kind, value), None)
        self._sources.pop((kind, value), None)

    def active_reports(self, kind: str, value: str) -> SignalSummary | None:
        return self._reports.get((kind, value))
