"""build_model(family, **config) -> StegModel: one entry point for every model family."""

from __future__ import annotations

from collections.abc import Callable

from keras_steg.layers import Quantize8Bit
from keras_steg.models import scnn
from keras_steg.models.steg_model import StegModel


def build_scnn(channels: int = 3, quantize: bool = True) -> StegModel:
    """SCNN (paper widths): H-net (Fig. 2) sender, R-net (Fig. 3) receiver.

    With ``quantize`` the container is rounded to 8 bits (straight-through) in training, so the
    receiver learns to read containers saved as PNG.
    """
    return StegModel(
        scnn.hiding_network(channels, channels),
        scnn.reveal_network(channels, channels),
        channel=Quantize8Bit(name="quantize") if quantize else None,
        multiple=scnn.HNET_MULTIPLE,
        name="scnn",
    )


FAMILIES: dict[str, Callable[..., StegModel]] = {"scnn": build_scnn}
# Spatial multiple each family's sender needs (inputs are padded to it).
MULTIPLES: dict[str, int] = {"scnn": scnn.HNET_MULTIPLE}


def _check_family(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose one of {sorted(FAMILIES)}")


def family_multiple(family: str) -> int:
    """The spatial multiple of ``family``'s sender (32 for SCNN)."""
    _check_family(family)
    return MULTIPLES[family]


def build_model(family: str, **config) -> StegModel:
    """Build an untrained StegModel of ``family`` ("scnn", ...) with ``config`` passed to its builder."""
    _check_family(family)
    return FAMILIES[family](**config)
