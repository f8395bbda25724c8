"""Which Keras dtype policy to train in: the fast one this machine really has.

bfloat16 only pays on a CPU with native bf16 matrix instructions (AVX512_BF16 or AMX). On an
AVX2-only CPU TensorFlow emulates it, and it runs slower than float32 there
(``benchmarks/train_speed.py`` compares them on any machine).
"""

from __future__ import annotations

from pathlib import Path

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
CHOICES = ("auto", *PRECISIONS)
_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> set[str]:
    """The feature flags of the first CPU in ``cpuinfo`` (empty where there is no such file)."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def resolve_precision(precision: str = "auto", cpuinfo: str | Path = "/proc/cpuinfo") -> str:
    """A concrete policy name for ``precision``.

    "auto" gives mixed_float16 with a GPU (fast on GPUs with tensor cores, compute 7.0+),
    mixed_bfloat16 on a CPU with native bf16 instructions, and float32 otherwise. Any other
    name in ``PRECISIONS`` is returned unchanged; anything else raises ``ValueError``.
    """
    if precision not in CHOICES:
        raise ValueError(f"precision must be one of {CHOICES}, got {precision!r}")
    if precision != "auto":
        return precision
    import tensorflow as tf  # here, so the CLI's argument parsing stays free of TensorFlow

    if tf.config.list_physical_devices("GPU"):
        return "mixed_float16"
    if cpu_flags(cpuinfo) & set(_BF16_CPU_FLAGS):
        return "mixed_bfloat16"
    return "float32"
