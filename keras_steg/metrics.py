"""Image-quality metrics between two batches of images in [0, 1], NHWC.

Every function takes ``a, b`` of shape (B, H, W, C), float in [0, 1], and returns one value
per image, shape (B,), float32, so callers can average over batches or report per image.
"""

from __future__ import annotations

import tensorflow as tf


def _pair(a, b):
    return tf.cast(a, tf.float32), tf.cast(b, tf.float32)


def mse(a, b) -> tf.Tensor:
    """Mean squared error per image on the [0, 1] scale (the SCNN paper's eq. (2))."""
    a, b = _pair(a, b)
    return tf.reduce_mean(tf.square(a - b), axis=[1, 2, 3])


def psnr(a, b) -> tf.Tensor:
    """Peak signal-to-noise ratio in dB per image (``tf.image.psnr``, peak 1.0)."""
    a, b = _pair(a, b)
    return tf.image.psnr(a, b, max_val=1.0)


def ssim(a, b) -> tf.Tensor:
    """Structural similarity per image (``tf.image.ssim``, 11x11 Gaussian window, peak 1.0).

    Images smaller than the 11-pixel window are compared at their own size by tf.image.
    """
    a, b = _pair(a, b)
    return tf.image.ssim(a, b, max_val=1.0)


def apd(a, b) -> tf.Tensor:
    """Average pixel-wise difference per image: mean |a - b| on the 0-255 scale.

    This is the definition used by the public DDH/SCNN code when it prints "APD".
    """
    a, b = _pair(a, b)
    return 255.0 * tf.reduce_mean(tf.abs(a - b), axis=[1, 2, 3])


def apd_eq3(a, b) -> tf.Tensor:
    """APD exactly as the SCNN paper's eq. (3): sum over x, y, c of (a - b)^2 / (255 * 3).

    Pixels on the [0, 1] scale; the sum grows with the image size, as the equation is written.
    """
    a, b = _pair(a, b)
    return tf.reduce_sum(tf.square(a - b), axis=[1, 2, 3]) / (255.0 * 3.0)


# Metric name suffix -> function, in the order StegModel logs them.
IMAGE_METRICS = {"psnr": psnr, "ssim": ssim, "apd": apd, "apd_eq3": apd_eq3}


def metric_name(pair: str, suffix: str) -> str:
    """The logged name of metric ``suffix`` on ``pair`` ("cover" or "secret"): cover_psnr,
    cover_ssim, apd_cover, apd_eq3_cover (DESIGN.md's names)."""
    return f"{pair}_{suffix}" if suffix in ("psnr", "ssim") else f"{suffix}_{pair}"


def residual(a, b, gain: float = 10.0):
    """|a - b| amplified by ``gain`` and clipped to [0, 1], for display; float arrays or
    tensors in [0, 1] of any equal shape."""
    return tf.clip_by_value(gain * tf.abs(tf.cast(a, tf.float32) - tf.cast(b, tf.float32)), 0.0, 1.0)
