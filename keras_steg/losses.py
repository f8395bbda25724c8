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


# Weight of the relative spectral error against the log-magnitude MSE: at 0.01 a 20 dB SNR
# (relative error 0.01) weighs as much as a 40 dB tensor PSNR (MSE 1e-4).
SPECTRAL_WEIGHT = 0.01


def spectral_loss(y_true, y_pred) -> tf.Tensor:
    """For log-magnitude audio tensors (``keras_steg.data.audio_magnitude``; channel 0 is the
    log magnitude, any other channel is ignored): the MSE of the log magnitudes plus
    ``SPECTRAL_WEIGHT`` x the energy of the magnitude error relative to the target's, per
    image (10^(-SNR/10) of the sound, since the phase is shared). The log term keeps quiet
    bins right (log-spectral distance); the relative term keeps the loud bins, which carry
    the sound's energy, right (SNR), where a log error costs the most."""
    from keras_steg.data.audio_magnitude import linear_magnitude

    a, b = tf.cast(y_true[..., 0], tf.float32), tf.cast(y_pred[..., 0], tf.float32)
    log_mse = tf.reduce_mean(tf.square(a - b))
    linear_a, linear_b = linear_magnitude(a), linear_magnitude(b)
    error = tf.reduce_sum(tf.square(linear_a - linear_b), axis=[1, 2])
    relative = error / (tf.reduce_sum(tf.square(linear_a), axis=[1, 2]) + 1e-6)
    return log_mse + SPECTRAL_WEIGHT * tf.reduce_mean(relative)


PIXEL_LOSSES: dict[str, Callable] = {"mse": mse_loss, "sse": sse_loss, "ssim": ssim_loss,
                                     "spectral": spectral_loss}


def get_pixel_loss(name: str | Callable) -> Callable:
    """Return the loss function for ``name`` ("mse", "sse", "ssim", "spectral") or a callable
    unchanged."""
    if callable(name):
        return name
    if name not in PIXEL_LOSSES:
        raise ValueError(f"loss must be one of {sorted(PIXEL_LOSSES)} or a callable, got {name!r}")
    return PIXEL_LOSSES[name]
