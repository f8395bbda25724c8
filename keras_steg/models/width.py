"""Width multipliers: the ``width`` config of SCNN and ExypnoSteganos scales filter counts the same way."""

from __future__ import annotations


def scaled(filters: int, width: float) -> int:
    """``filters`` times the width multiplier, rounded, at least 1 (``width`` > 0)."""
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    return max(1, round(filters * width))


def scaled_all(filters: tuple[int, ...], width: float) -> tuple[int, ...]:
    """Each of ``filters`` times ``width`` (see ``scaled``)."""
    return tuple(scaled(f, width) for f in filters)
