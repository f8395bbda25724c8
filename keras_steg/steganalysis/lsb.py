"""The classic n-bit LSB image-in-image baseline (ExypnoSteganos' comparison, Fig. 8).

The secret's ``bits`` most significant bits replace the cover's ``bits`` least significant
ones, pixel by pixel and channel by channel; revealing shifts them back up and fills the lost
low bits with the middle of their range. Exact and training-free, and exactly what StegExpose's
detectors were built to catch.
"""

from __future__ import annotations

import numpy as np

MAX_BITS = 7


def _check_bits(bits: int) -> int:
    if not 1 <= int(bits) <= MAX_BITS:
        raise ValueError(f"--bits {bits}: LSB hiding uses 1 to {MAX_BITS} bits per sample")
    return int(bits)


def lsb_hide(cover: np.ndarray, secret: np.ndarray, bits: int = 3) -> np.ndarray:
    """cover, secret: uint8 (H, W, C) of one shape -> the container, uint8 (H, W, C): the
    cover's high bits, the secret's top ``bits`` bits. ValueError if the shapes differ."""
    bits = _check_bits(bits)
    cover = np.asarray(cover, np.uint8)
    secret = np.asarray(secret, np.uint8)
    if secret.shape != cover.shape:
        raise ValueError(f"LSB hiding needs a secret of the cover's shape {cover.shape}, "
                         f"got {secret.shape}")
    low = np.uint8((1 << bits) - 1)
    return (cover & ~low) | (secret >> np.uint8(8 - bits))


def lsb_reveal(container: np.ndarray, bits: int = 3) -> np.ndarray:
    """container uint8 (H, W, C) -> the revealed secret, uint8 (H, W, C): the low ``bits`` bits
    moved to the top, the missing bits set to half their range (halves the mean error)."""
    bits = _check_bits(bits)
    container = np.asarray(container, np.uint8)
    low = np.uint8((1 << bits) - 1)
    middle = np.uint8(1 << (7 - bits))
    return ((container & low) << np.uint8(8 - bits)) | middle


def lsb_embed_message(cover: np.ndarray, rate: float, rng: np.random.Generator,
                      bits: int = 1) -> np.ndarray:
    """Replace the ``bits`` low bits of a random ``rate`` share of the samples of a uint8
    image with random bits (a random message, as steganalysis benchmarks embed) -> uint8."""
    bits = _check_bits(bits)
    cover = np.asarray(cover, np.uint8)
    chosen = rng.random(cover.shape) < rate
    message = rng.integers(0, 1 << bits, cover.shape, dtype=np.uint8)
    low = np.uint8((1 << bits) - 1)
    return np.where(chosen, (cover & ~low) | message, cover).astype(np.uint8)
