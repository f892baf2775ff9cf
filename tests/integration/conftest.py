"""Fixtures of the integration tests: each store in turn (``kit``), a hub on it (``hub_on``)
and a fresh PostgreSQL database (``postgres_url``), all from ``tests/pgkit.py``.

Helpers are imported from ``pgkit`` and ``testkit``, never from this module (see
``tests/conftest.py`` for why).
"""

from __future__ import annotations

from pgkit import hub_on, kit, postgres_url  # type: ignore[import-not-found]

__all__ = ["hub_on", "kit", "postgres_url"]
