"""Background threads (WAL and log checkpoints) yield the CPU to the threads that answer.

A log checkpoint sums a minute of the transfer log on its own thread, mostly inside SQLite
with the interpreter lock released: that is the second core's time, which the hub's other
threads and, on one machine, its clients also want. On Linux a thread has a nice value of
its own, so the checkpointer asks for a lower priority; elsewhere nothing changes.
"""

from __future__ import annotations

import os
import threading
from typing import Final

#: The nice value of a background thread (0 is the default, 19 the lowest priority).
BACKGROUND_NICENESS: Final = 10


def lower_this_threads_priority() -> None:
    """Give the calling thread ``BACKGROUND_NICENESS`` where the OS allows it per thread."""
    if not hasattr(os, "setpriority") or os.uname().sysname != "Linux":
        return  # Elsewhere the value would apply to the whole process.
    thread = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, thread) < BACKGROUND_NICENESS:  # Never raise it.
            os.setpriority(os.PRIO_PROCESS, thread, BACKGROUND_NICENESS)
    except OSError:  # Not allowed here (a sandbox): run at the usual priority.
        return
