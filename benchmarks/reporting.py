"""Shared by the benchmark scripts: print a report and, if asked, write it to a file."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def emit(text: str, out: str | None) -> None:
    """Print ``text``; also write it (with a final newline) to ``out`` when given."""
    print(text)
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median wall milliseconds of ``fn()`` over ``repeats`` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000
