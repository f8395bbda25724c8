"""The channel between sender and receiver: the attacks a container meets, composed."""

from __future__ import annotations

import keras

from keras_steg.layers.quantize import Quantize8Bit


def build_channel(noise_stddev: float = 0.0, quantize: bool = True) -> keras.layers.Layer | None:
    """The training channel of a family: Gaussian noise (Baluja, ExypnoSteganos) then 8-bit
    rounding (what saving a PNG does), each only when asked; None when neither is.

    Both act only with ``training=True`` and run in float32 so mixed precision never rounds the
    container. Input and output: (B, H, W, C) float in [0, 1] (noise can leave it slightly).
    """
    if noise_stddev < 0:
        raise ValueError(f"noise_stddev must be >= 0, got {noise_stddev}")
    parts: list[keras.layers.Layer] = []
    if noise_stddev:
        parts.append(keras.layers.GaussianNoise(noise_stddev, dtype="float32", name="noise"))
    if quantize:
        parts.append(Quantize8Bit(name="quantize"))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    # A float32 input for the composite too: an unbuilt Sequential would otherwise take the
    # global (e.g. bfloat16) policy and cast the container before its float32 parts see it.
    return keras.Sequential([keras.Input((None, None, None), dtype="float32"), *parts], name="channel")
