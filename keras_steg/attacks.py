"""Real attacks on saved containers, for evaluation: what happens to a file, not a surrogate.

Each attack takes an RGB uint8 (H, W, 3) container and a strength, and returns RGB uint8. The
crop also says which window it kept, so the secret can be scored on the same pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np


def jpeg(image: np.ndarray, quality: float) -> np.ndarray:
    """Save as a JPEG of ``quality`` (1-100, OpenCV/libjpeg, 4:2:0) and decode it again."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, int(round(quality))])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def gaussian_noise(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """Add N(0, sigma) noise (sigma on the [0, 1] scale) and round back to 8 bits. The fixed
    ``seed`` gives every call the same noise pattern, so runs are reproducible."""
    rng = np.random.default_rng(seed)
    noisy = image.astype(np.float32) + rng.normal(0.0, 255.0 * sigma, image.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def crop_window(shape: tuple[int, ...], fraction: float) -> tuple[slice, slice]:
    """The centred window keeping ``fraction`` (0 < fraction <= 1) of each side of an image of
    ``shape``."""
    if not 0 < fraction <= 1:
        raise ValueError(f"crop fraction must be in (0, 1], got {fraction}")
    h, w = shape[:2]
    ch, cw = max(1, round(h * fraction)), max(1, round(w * fraction))
    top, left = (h - ch) // 2, (w - cw) // 2
    return slice(top, top + ch), slice(left, left + cw)


def center_crop(image: np.ndarray, fraction: float) -> np.ndarray:
    """Keep the centred ``fraction`` of each side (1 keeps everything)."""
    rows, cols = crop_window(image.shape, fraction)
    return image[rows, cols]


def resize(image: np.ndarray, factor: float) -> np.ndarray:
    """Shrink by ``factor`` (area filter) and enlarge back to the original size (bilinear)."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, round(w * factor)), max(1, round(h * factor))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


@dataclass(frozen=True)
class AttackSweep:
    """One attack and the strengths a robustness curve visits, mildest first."""

    name: str
    label: str                      # the x axis of its plot
    apply: Callable[[np.ndarray, float], np.ndarray]
    levels: tuple[float, ...]
    crops: bool = False             # the secret is scored on the same window


SWEEPS = (
    AttackSweep("jpeg", "JPEG quality", jpeg, (95, 90, 75, 50, 30)),
    AttackSweep("noise", "Gaussian noise sigma (0-1 scale)", gaussian_noise, (0.005, 0.01, 0.02, 0.05)),
    AttackSweep("crop", "fraction of each side kept", center_crop, (0.9, 0.8, 0.6, 0.5), crops=True),
    AttackSweep("resize", "resize factor (down and back up)", resize, (0.9, 0.75, 0.5)),
)
