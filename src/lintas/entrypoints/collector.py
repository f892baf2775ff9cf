"""The garbage collector of a process that serves the hub for a long time.

Why: measured in-process (10,000 payments, 1,000 in flight), CPython's collector with its
default thresholds spent about 6.9 s of a 24 s run, and one full collection stopped
everything for up to 590 ms, because each one walks every object the process holds: the
sandbox region, the directory, the ledger's indexes, caches of quotes. Those objects are
built once at start and live as long as the process, so they are moved out of the
collector's sight (``gc.freeze``), and the young generation is collected every
``YOUNG_THRESHOLD`` allocations instead of every 700: a payment allocates a few hundred
short-lived objects, nearly all freed by reference counting, so frequent young collections
found little and cost much. Reference cycles are still collected, only less often.

Only processes that serve (``lintas serve``, the benchmarks) call this; a library user's
process (tests, embedding) keeps its own collector settings.
"""

from __future__ import annotations

import gc
from typing import Final

#: Allocations (minus frees) between two young collections; CPython's default is 700.
YOUNG_THRESHOLD: Final = 50_000
#: Young collections per middle one, and middle per full one (CPython's defaults).
MIDDLE_THRESHOLD: Final = 10
OLD_THRESHOLD: Final = 10


def settle_after_start() -> None:
    """Collect once, freeze what start-up built, and space out young collections."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
