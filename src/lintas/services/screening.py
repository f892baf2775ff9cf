"""Sanctions screening: the lists the hub holds, their status, and screening names against them.

Lists are read from files when the hub starts (``ScreeningService.from_files``) and may be
loaded while it runs. Reading a file is an adapter's job (``lintas.adapters.sanctions``); the
service gets it as a ``ListLoader`` from bootstrap, which raises ``ValueError`` (with a reason)
for a file it refuses. Lists may be
loaded or replaced while it runs (``load``): a new index is built aside and swapped in with one
assignment, so a screening in flight never sees half a list. A list replaces the loaded list of
the same name (a newer UN list replaces the older one).

Screening runs in every payment, so results are remembered per (name, country, threshold) in a
bounded LRU; the cache belongs to the index and goes with it when a list changes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lintas.domain.errors import InputInvalid, NotFound
from lintas.matching import DEFAULT_THRESHOLD, Hit, NameRefusedError, SanctionsList, Screener
from lintas.ports.clock import Clock

#: Screening results remembered at most.
SCREEN_CACHE_MAX_DEFAULT: Final = 100_000
#: Hits returned for one name at most.
HITS_MAX: Final = 100
#: Lists held at once at most.
LISTS_MAX: Final = 32


@dataclass(frozen=True, slots=True)
class ListStatus:
    """One loaded list: its name, its date, how many entries, where it came from and when."""

    name: str
    as_of: dt.date | None
    entry_count: int
    person_count: int
    organisation_count: int
    source: str
    loaded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class _Loaded:
    status: ListStatus
    data: SanctionsList


class _Index:
    """A screener over every loaded list, with its own result cache."""

    def __init__(self, lists: tuple[_Loaded, ...], cache_max: int) -> None:
        self.lists = lists
        self.screener = Screener(e for loaded in lists for e in loaded.data.entries)
        self.cache: OrderedDict[tuple[str, str, float, int], tuple[Hit, ...]] = OrderedDict()
        self.cache_max = cache_max

    def screen(self, name: str, country: str, threshold: float, limit: int) -> tuple[Hit, ...]:
        key = (name, country, threshold, limit)
        cache = self.cache
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
        hits = tuple(
            self.screener.screen(name, country=country or None, threshold=threshold, limit=limit)
        )
        cache[key] = hits
        if len(cache) > self.cache_max:
            cache.popitem(last=False)
        return hits


#: Reads one list file (any supported format); raises ``ValueError`` when it refuses it.
ListLoader = Callable[[Path], SanctionsList]


class ScreeningService:
    """Sanctions lists in memory, screened by name; thresholds may differ per participant."""

    def __init__(
        self,
        lists: Iterable[tuple[SanctionsList, str]] = (),
        *,
        clock: Clock,
        threshold: float = DEFAULT_THRESHOLD,
        participant_thresholds: Mapping[str, float] | None = None,
        cache_max: int = SCREEN_CACHE_MAX_DEFAULT,
        loader: ListLoader | None = None,
    ) -> None:
        assert 0.0 < threshold <= 1.0, threshold
        self._loader = loader
        assert cache_max >= 1, cache_max
        self._clock = clock
        self.threshold = threshold
        self._participant_thresholds = dict(participant_thresholds or {})
        for participant, cut in self._participant_thresholds.items():
            if not 0.0 < cut <= 1.0:
                raise ValueError(f"screening threshold of {participant} must be in (0, 1]")
        self._cache_max = cache_max
        self._lock = threading.Lock()
        now = clock.now()
        loaded = tuple(_Loaded(_status(data, source, now), data) for data, source in lists)
        assert len(loaded) <= LISTS_MAX, len(loaded)
        self._index = _Index(loaded, cache_max)

    @classmethod
    def from_files(
        cls,
        paths: Sequence[Path],
        *,
        loader: ListLoader,
        clock: Clock,
        threshold: float = DEFAULT_THRESHOLD,
        participant_thresholds: Mapping[str, float] | None = None,
        cache_max: int = SCREEN_CACHE_MAX_DEFAULT,
    ) -> ScreeningService:
        """Load every list file (UN XML, OFAC CSV, FollowTheMoney JSONL) named in the config.

        A missing or unreadable file stops the start: a hub that believes it screens and
        does not is worse than one that does not start.
        """
        if len(paths) > LISTS_MAX:
            raise ValueError(f"at most {LISTS_MAX} sanctions lists")
        lists = [(loader(p), str(p)) for p in paths]
        return cls(
            lists,
            loader=loader,
            clock=clock,
            threshold=threshold,
            participant_thresholds=participant_thresholds,
            cache_max=cache_max,
        )

    # -- lists ----------------------------------------------------------------------------------

    def lists(self) -> list[ListStatus]:
        """Every loaded list, in load order."""
        return [loaded.status for loaded in self._index.lists]

    @property
    def entry_count(self) -> int:
        """Entries across every list."""
        return sum(s.entry_count for s in self.lists())

    def load(self, path: Path) -> ListStatus:
        """Load ``path`` (replacing the loaded list of the same name) and swap the index.

        Slow (the UN list takes about a second): call it off the event loop.
        """
        if self._loader is None:
            raise InputInvalid("lists_cannot_be_loaded", "this hub was built without a list loader")
        if not path.exists():
            raise NotFound("list_file_missing", f"no file {path} on the hub's host", field="path")
        try:
            data = self._loader(path)
        except OSError as e:
            raise InputInvalid("list_unreadable", f"{path}: {e.strerror}", field="path") from None
        except ValueError as e:  # The loader's refusal of the file's content, with its reason.
            raise InputInvalid("list_refused", str(e), field="path") from None
        status = _status(data, str(path), self._clock.now())
        with self._lock:  # Two loads at once would otherwise each drop the other's list.
            kept = tuple(x for x in self._index.lists if x.status.name != data.name)
            if len(kept) >= LISTS_MAX:
                raise InputInvalid("too_many_lists", f"at most {LISTS_MAX} lists", field="path")
            index = _Index((*kept, _Loaded(status, data)), self._cache_max)
            # After this point the new list is in force for every screening that starts.
            self._index = index
        return status

    # -- screening ------------------------------------------------------------------------------

    def threshold_for(self, participant: str | None) -> float:
        """The score from which a hit counts for ``participant`` (its own, else the default)."""
        if participant is None:
            return self.threshold
        return self._participant_thresholds.get(participant, self.threshold)

    def screen(
        self,
        name: str,
        *,
        country: str | None = None,
        participant: str | None = None,
        threshold: float | None = None,
        limit: int = 10,
    ) -> tuple[Hit, ...]:
        """Hits on ``name``, best first, at or above ``threshold`` (default: the
        participant's). Refuses an empty or oversized name with ``name_refused``."""
        cut = self.threshold_for(participant) if threshold is None else threshold
        if not 0.0 <= cut <= 1.0:
            raise InputInvalid("threshold_out_of_range", "threshold must be 0-1", field="threshold")
        if not 1 <= limit <= HITS_MAX:
            raise InputInvalid("limit_out_of_range", f"limit must be 1-{HITS_MAX}", field="limit")
        try:
            return self._index.screen(name, (country or "").upper(), cut, limit)
        except NameRefusedError as e:
            raise InputInvalid("name_refused", str(e), field="name") from None


def _status(data: SanctionsList, source: str, now: dt.datetime) -> ListStatus:
    return ListStatus(
        name=data.name,
        as_of=data.as_of,
        entry_count=data.entry_count,
        person_count=data.person_count,
        organisation_count=data.organisation_count,
        source=source,
        loaded_at=now,
    )
