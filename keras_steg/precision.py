"""Which Keras dtype policy to train in: the fast one this machine really has.

bfloat16 only pays on a CPU with native bf16 matrix instructions (AVX512_BF16 or AMX). On an
AVX2-only CPU TensorFlow emulates it, and it runs slower than float32 there
(``benchmarks/train_speed.py`` compares them on any machine).
"""

from __future__ import annotations

import warnings
from pathlib import Path

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
CHOICES = ("auto", *PRECISIONS)
# What exported SavedModels compute in (their serving_default and serving_bfloat16 signatures).
INFERENCE_PRECISIONS = ("float32", "bfloat16")
INFERENCE_CHOICES = (*INFERENCE_PRECISIONS, "auto")
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
    if precision == "mixed_bfloat16":
        _warn_if_bf16_emulated(cpuinfo)
    if precision != "auto":
        return precision
    if _has_gpu():
        return "mixed_float16"
    if cpu_flags(cpuinfo) & set(_BF16_CPU_FLAGS):
        return "mixed_bfloat16"
    return "float32"


def _has_gpu() -> bool:
    import tensorflow as tf  # here, so the CLI's argument parsing stays free of TensorFlow

    return bool(tf.config.list_physical_devices("GPU"))


def _warn_if_bf16_emulated(cpuinfo: str | Path = "/proc/cpuinfo") -> None:
    """Warn (``UserWarning``) when bfloat16 was asked for on a machine with no GPU whose CPU
    lacks native bf16 instructions: TensorFlow emulates it there, far slower than float32.
    Silent where the CPU's flags cannot be read (no /proc/cpuinfo)."""
    flags = cpu_flags(cpuinfo)
    if flags and not flags & set(_BF16_CPU_FLAGS) and not _has_gpu():
        warnings.warn("this CPU has no native bfloat16 instructions (avx512_bf16 or amx_bf16): "
                      "TensorFlow emulates bfloat16 here, many times slower than float32 "
                      "(benchmarks/train_speed.py measures it); --precision auto picks float32",
                      UserWarning, stacklevel=3)


def resolve_inference_precision(precision: str = "auto", cpuinfo: str | Path = "/proc/cpuinfo") -> str:
    """"float32" or "bfloat16" for an exported model: "auto" gives bfloat16 where training would
    take mixed_bfloat16 (a CPU with native bf16 instructions), float32 elsewhere; the two names
    are returned unchanged; anything else raises ``ValueError``."""
    if precision not in INFERENCE_CHOICES:
        raise ValueError(f"precision must be one of {INFERENCE_CHOICES}, got {precision!r}")
    if precision == "bfloat16":
        _warn_if_bf16_emulated(cpuinfo)
    if precision != "auto":
        return precision
    return "bfloat16" if resolve_precision("auto", cpuinfo) == "mixed_bfloat16" else "float32"
