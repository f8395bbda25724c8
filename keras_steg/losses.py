"""Pixel losses between a target and a prediction, both (B, H, W, C) in [0, 1].

Each returns a scalar float32: the batch mean of the per-image loss.
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf


def mse_loss(y_true, y_pred) -> tf.Tensor:
    """Mean squared error over all pixels and channels."""
    return tf.reduce_mean(tf.square(tf.cast(y_true, tf.float32) - tf.cast(y_pred, tf.float32)))


def sse_loss(y_true, y_pred) -> tf.Tensor:
    """Sum of squared errors per image, averaged over the batch (ExypnoSteganos' SSE)."""
    diff = tf.cast(y_true, tf.float32) - tf.cast(y_pred, tf.float32)
    return tf.reduce_mean(tf.reduce_sum(tf.square(diff), axis=[1, 2, 3]))


def ssim_loss(y_true, y_pred) -> tf.Tensor:
    """1 - SSIM (the SCNN paper's alternative loss)."""
    a, b = tf.cast(y_true, tf.float32), tf.cast(y_pred, tf.float32)
    return 1.0 - tf.reduce_mean(tf.image.ssim(a, b, max_val=1.0))


PIXEL_LOSSES: dict[str, Callable] = {"mse": mse_loss, "sse": sse_loss, "ssim": ssim_loss}


def get_pixel_loss(name: str | Callable) -> Callable:
    """Return the loss function for ``name`` ("mse", "sse", "ssim") or a callable unchanged."""
    if callable(name):
        return name
    if name not in PIXEL_LOSSES:
        raise ValueError(f"loss must be one of {sorted(PIXEL_LOSSES)} or a callable, got {name!r}")
    return PIXEL_LOSSES[name]
