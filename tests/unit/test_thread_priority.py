"""Background threads run at a lower priority than the threads that answer (Linux)."""

from __future__ import annotations

import os
import threading

import pytest

from lintas.adapters.thread_priority import BACKGROUND_NICENESS, lower_this_threads_priority


@pytest.mark.skipif(os.uname().sysname != "Linux", reason="per-thread nice values are Linux's")
def test_only_the_calling_thread_gets_the_background_niceness() -> None:
    seen: dict[str, int] = {}

    def background() -> None:
        lower_this_threads_priority()
        seen["thread"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = threading.Thread(target=background)
    worker.start()
    worker.join()
    assert seen["thread"] == max(before, BACKGROUND_NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
