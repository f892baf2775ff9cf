"""Run every benchmark (``python -m bench``) or the named ones (``python -m bench ledger``).

Each benchmark prints the command, the machine and a baseline measured in the same run.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    topics = sorted(
        name.removeprefix("bench_")
        for _, name, _ in pkgutil.iter_modules([str(here)])
        if name.startswith("bench_")
    )
    wanted = argv or topics
    unknown = sorted(set(wanted) - set(topics))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(topics)}")
        return 2
    for topic in wanted:
        print(f"\n=== bench {topic} ===", flush=True)
        module = importlib.import_module(f"bench.bench_{topic}")
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
