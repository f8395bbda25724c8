"""Shared by the benchmark scripts: print a report and, if asked, write it to a file; name the
machine; time calls; the options and photos of scripts that score models on held-out pairs."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# CPU features that decide how fast bf16 and int8 convolutions can run.
MATRIX_FEATURES = ("avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8")


def machine() -> str:
    """This CPU in one phrase, e.g. "x86_64 Intel(R) Xeon(R) Processor, 2 cores, avx512_bf16
    avx512_vnni amx_bf16 amx_int8": numbers from two machines differ, so every report names it."""
    from keras_steg.precision import cpu_flags

    name = platform.processor() or platform.machine()
    try:
        models = [line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")]
        name = f"{platform.machine()} {models[0]}" if models else name
    except OSError:  # not Linux: the architecture alone
        pass
    flags = cpu_flags()
    features = " ".join(f for f in MATRIX_FEATURES if f in flags) or "no bf16/int8 matrix units"
    return f"{name}, {os.cpu_count()} cores, {features}"


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


def take_turns(runs: list[Callable[[int], object]], rounds: int, warmup: int) -> list[float]:
    """Median wall seconds of each of ``runs``: round i calls ``run(i)`` for every run in turn,
    ``warmup + rounds`` rounds, the first ``warmup`` untimed. Taking turns lets the machine
    speeding up or slowing down touch every run alike. Each run must wait for its own result."""
    spent: list[list[float]] = [[] for _ in runs]
    for i in range(warmup + rounds):
        for run, times in zip(runs, spent):
            start = time.perf_counter()
            run(i)
            if i >= warmup:
                times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in spent]


def heldout_parser(description: str, pairs: int) -> argparse.ArgumentParser:
    """The options of a script that scores shipped models on held-out photo pairs: --data (the
    training folder), --model (repeatable), --pairs (default ``pairs``), --size, --out."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", required=True, help="the training image folder")
    parser.add_argument("--model", action="append", required=True, help="shipped name or folder")
    parser.add_argument("--pairs", type=int, default=pairs)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", help="also write the Markdown report here")
    return parser


def heldout_squares(data: str, pairs: int, size: int) -> list[np.ndarray]:
    """The first ``pairs`` photos of the held-out split of ``data`` (``split_files``, fraction
    0.1, seed 0: what the shipped models never saw) as RGB uint8 centre squares of ``size``."""
    from keras_steg.data.images import list_images, split_files
    from keras_steg.evaluation import load_square

    _, heldout = split_files(list_images(data), 0.1, 0)
    return [load_square(f, size) for f in heldout[:pairs]]
