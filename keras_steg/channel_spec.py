"""The text form of a training channel ("quantize,jpeg:50-95,noise:0.02,crop:0.8"), parsed
without importing TensorFlow (the CLI's --help stays fast)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CHANNEL_HELP = ("comma-separated attacks, one picked per batch (per image if 'per-image' is "
                "listed), then 8-bit rounding if 'quantize' is listed: none, jpeg:Q or "
                "jpeg:QMIN-QMAX, noise:SIGMA or "
                "noise:MIN-MAX (std on the [0, 1] scale), crop:F (min side fraction kept), "
                "resize:F (min scale factor); jpeg-gradient:dead-zone scales the gradient of a "
                "DCT coefficient below half a JPEG step by 2|x| (default: straight-through); e.g. "
                "quantize,none,jpeg:50-95,noise:0.02,crop:0.8")

# jpeg-gradient:NAME -> the rounding mode of keras_steg.layers.jpeg
JPEG_GRADIENTS = {"straight-through": "straight_through", "dead-zone": "dead_zone"}

# attack name -> how many numbers it takes at most (0: none, 1: one, 2: LOW-HIGH or one)
_ARITY = {"none": 0, "jpeg": 2, "noise": 2, "crop": 1, "resize": 1}


@dataclass
class ChannelSpec:
    """A parsed channel: ``attacks`` as (name, numbers) in the order given, whether the
    container is rounded to 8 bits after the attack, and whether each image of a batch draws
    its own attack (``per_image``) rather than the whole batch one, and the gradient of JPEG's
    rounding (``jpeg_rounding``, a ``keras_steg.layers.jpeg.ROUNDING_MODES`` name)."""

    quantize: bool = False
    per_image: bool = False
    jpeg_rounding: str = "straight_through"
    attacks: list[tuple[str, tuple[float, ...]]] = field(default_factory=list)


def _numbers(item: str, value: str, arity: int) -> tuple[float, ...]:
    if arity == 0:
        if value:
            raise ValueError(f"channel attack {item!r} takes no value")
        return ()
    parts = re.split(r"(?<![eE])-", value) if value else []  # "1e-3" is one number
    if not parts or len(parts) > arity:
        raise ValueError(f"channel attack {item!r}: expected "
                         + ("NUMBER or LOW-HIGH" if arity == 2 else "a NUMBER"))
    try:
        return tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError(f"channel attack {item!r}: {value!r} is not a number") from None


def parse_spec(spec: str) -> ChannelSpec:
    """"quantize,jpeg:50-95,noise:0.02" -> ChannelSpec; ValueError with a one-line reason for
    an unknown attack, a bad number or an attack listed twice (value checks are the layers')."""
    parsed = ChannelSpec()
    gradient_given = False
    for item in (p.strip() for p in spec.split(",")):
        name, _, value = item.partition(":")
        name = name.lower()
        if name == "quantize" and not value:
            parsed.quantize = True
        elif name == "per-image" and not value:
            parsed.per_image = True
        elif name == "jpeg-gradient":
            if value.lower() not in JPEG_GRADIENTS:
                raise ValueError(f"channel {item!r}: the JPEG gradient is one of "
                                 + ", ".join(JPEG_GRADIENTS))
            if gradient_given:
                raise ValueError(f"channel {spec!r} lists jpeg-gradient twice")
            gradient_given = True
            parsed.jpeg_rounding = JPEG_GRADIENTS[value.lower()]
        elif name in _ARITY:
            if any(name == n for n, _ in parsed.attacks):
                raise ValueError(f"channel {spec!r} lists {name} twice")
            parsed.attacks.append((name, _numbers(item, value, _ARITY[name])))
        else:
            raise ValueError(f"unknown channel attack {item!r}; {CHANNEL_HELP}")
    if gradient_given and not any(name == "jpeg" for name, _ in parsed.attacks):
        raise ValueError(f"channel {spec!r} sets a jpeg-gradient but has no jpeg attack")
    return parsed
