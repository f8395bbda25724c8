"""The base of every training-time attack on the container."""

from __future__ import annotations

import keras
import tensorflow as tf


class Attack(keras.layers.Layer):
    """An attack the container meets between sender and receiver, active only with
    ``training=True`` unless ``always=True`` (so inference and validation see the clean
    container). Runs in float32 whatever the global policy, so mixed precision never rounds
    the container.

    Subclasses implement ``attack(x) -> x'`` on (B, H, W, C) float32 images in [0, 1]. An
    attack that moves pixels (a crop) also overrides ``attack_pair`` so the secret the receiver
    is scored against moves with them.
    """

    keeps_shape = True  # False for an attack whose output size differs (a crop)

    def __init__(self, always: bool = False, seed: int | None = None, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.always = always
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def attack(self, x: tf.Tensor) -> tf.Tensor:
        raise NotImplementedError

    def attack_pair(self, container: tf.Tensor, secret: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """(attacked container, the secret the receiver must now reveal); pixel attacks leave
        the secret as it is."""
        return self.attack(container), secret

    def active(self, training) -> bool:
        return bool(training or self.always)

    def call(self, x, training=None):
        if not self.active(training):
            return x
        return self.attack(tf.cast(x, tf.float32))

    def compute_output_shape(self, input_shape):
        return input_shape

    def uniform(self, shape, low: float, high: float) -> tf.Tensor:
        """Random float32 values in [low, high) from this layer's seed generator."""
        return keras.random.uniform(shape, low, high, seed=self.seed_generator)

    def get_config(self):
        return {**super().get_config(), "always": self.always, "seed": self.seed}
