"""One database connection per calling thread, bounded, all closed together.

Why per thread: neither a ``sqlite3`` nor a ``psycopg`` connection may serve two threads at
once, and opening one per call was, measured, most of a short query's time. The connection of
a thread that has ended is closed when another thread opens one (nothing else can use it),
and ``close`` (run by the owner, e.g. ``Hub.close``) reaches every thread's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=_Closable)


class ThreadConnections(Generic[C]):
    """Connections made by ``connect``, one per thread, at most ``limit`` at once.

    ``over_limit`` makes the error a thread gets when ``limit`` threads already hold one.
    ``usable`` says whether a thread's connection may be used again (a broken one is replaced).
    ``closed``, when given, makes ``close`` final: a thread asking afterwards gets that error;
    without it, a later call opens a new connection.
    """

    def __init__(
        self,
        connect: Callable[[], C],
        *,
        limit: int,
        over_limit: Callable[[], Exception],
        usable: Callable[[C], bool] | None = None,
        closed: Callable[[], Exception] | None = None,
    ) -> None:
        assert limit >= 1, limit
        self._connect = connect
        self._limit = limit
        self._over_limit = over_limit
        self._usable = usable
        self._closed_error = closed
        self._closed = False
        # Each thread finds its own connection here without taking the lock.
        self._local = threading.local()
        # Guards ``_by_thread`` and ``_closed``: opening and closing only, never a query.
        self._lock = threading.Lock()
        self._by_thread: dict[threading.Thread, C] = {}

    @property
    def open_count(self) -> int:
        """Connections held now (one per thread that asked and has not ended)."""
        with self._lock:
            return len(self._by_thread)

    def get(self) -> C:
        """This thread's connection, opened on its first call (``connect`` runs under the
        lock, so a one-off step it takes, such as a migration, runs once)."""
        conn: C | None = getattr(self._local, "conn", None)
        if conn is not None and (self._usable is None or self._usable(conn)):
            return conn
        thread = threading.current_thread()
        with self._lock:
            if self._closed and self._closed_error is not None:
                raise self._closed_error()
            stale = [t for t in self._by_thread if not t.is_alive() or t is thread]
            for t in stale:
                # Ended (or this thread's own, broken): nothing else can use it.
                self._by_thread.pop(t).close()
            if len(self._by_thread) >= self._limit:
                raise self._over_limit()
            conn = self._connect()
            self._by_thread[thread] = conn
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            self._closed = True
            connections = list(self._by_thread.values())
            self._by_thread.clear()
            # Other threads' locals still name their closed connections: a fresh local
            # drops them, and ``get`` checks ``_closed`` before opening again.
            self._local = threading.local()
        for conn in connections:
            conn.close()
