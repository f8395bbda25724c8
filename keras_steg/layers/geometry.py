"""Attacks that change the container's geometry: a random crop and a random rescale."""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_steg.layers.attack import Attack


def _check_fraction(name: str, value: float) -> float:
    if not 0 < value <= 1:
        raise ValueError(f"{name} must be in (0, 1], got {value}")
    return float(value)


def _scaled(size: tf.Tensor, fraction: tf.Tensor) -> tf.Tensor:
    """round(size * fraction) as int32, at least 1."""
    scaled = tf.round(tf.cast(size, tf.float32) * fraction)
    return tf.maximum(tf.cast(scaled, tf.int32), 1)


@keras.saving.register_keras_serializable(package="keras_steg")
class RandomCrop(Attack):
    """Keep a random window of the container: each side a random fraction in
    [min_fraction, 1] of its length, at a random offset (one window per batch). The receiver
    is then scored on the same window of the secret (``attack_pair``): a crop throws pixels
    away, and only the ones left can be revealed. ``min_fraction=1`` is the identity.

    Input: (B, H, W, C) float32; output (B, h, w, C) with h <= H, w <= W.
    """

    keeps_shape = False

    def __init__(self, min_fraction: float, **kwargs):
        super().__init__(**kwargs)
        self.min_fraction = _check_fraction("crop fraction", min_fraction)

    def _window(self, x):
        shape = tf.shape(x)
        fractions = self.uniform((2,), self.min_fraction, 1.0)
        h, w = _scaled(shape[1], fractions[0]), _scaled(shape[2], fractions[1])
        offsets = self.uniform((2,), 0.0, 1.0)
        top = tf.cast(tf.floor(offsets[0] * tf.cast(shape[1] - h + 1, tf.float32)), tf.int32)
        left = tf.cast(tf.floor(offsets[1] * tf.cast(shape[2] - w + 1, tf.float32)), tf.int32)
        return top, left, h, w

    @staticmethod
    def _crop(x, top, left, h, w):
        return x[:, top:top + h, left:left + w, :]

    def attack(self, x):
        return self._crop(x, *self._window(x))

    def attack_pair(self, container, secret):
        window = self._window(container)
        return self._crop(container, *window), self._crop(secret, *window)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None, None, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "min_fraction": self.min_fraction}


@keras.saving.register_keras_serializable(package="keras_steg")
class RandomResize(Attack):
    """Shrink the container by a random factor in [min_factor, 1] (one per batch, area-like
    antialiased bilinear) and scale it back to its size, as a photo resized and resized back
    is. ``min_factor=1`` is the identity.

    Input and output: (B, H, W, C) float32.
    """

    def __init__(self, min_factor: float, **kwargs):
        super().__init__(**kwargs)
        self.min_factor = _check_fraction("resize factor", min_factor)

    def attack(self, x):
        size = tf.shape(x)[1:3]
        factor = self.uniform((), self.min_factor, 1.0)
        small = tf.image.resize(x, _scaled(size, factor), "bilinear", antialias=True)
        return tf.image.resize(small, size, "bilinear")

    def get_config(self):
        return {**super().get_config(), "min_factor": self.min_factor}
