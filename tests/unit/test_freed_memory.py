"""Memory a background thread freed goes back to the OS where the C library allows it."""

from __future__ import annotations

import platform

import pytest

from lintas.adapters import freed_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_with_glibc_the_trim_is_found_and_runs() -> None:
    freed_memory._malloc_trim.cache_clear()
    assert freed_memory._malloc_trim() is not None
    freed_memory.return_freed_memory()


def test_without_a_c_library_to_trim_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    freed_memory._malloc_trim.cache_clear()
    monkeypatch.setattr(freed_memory.ctypes.util, "find_library", lambda name: None)
    try:
        assert freed_memory._malloc_trim() is None
        freed_memory.return_freed_memory()  # A no-op, not an error.
    finally:
        freed_memory._malloc_trim.cache_clear()
