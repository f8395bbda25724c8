"""Additive Gaussian noise on the container, of a random strength per image."""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_steg.layers.attack import Attack


@keras.saving.register_keras_serializable(package="keras_steg")
class RandomGaussianNoise(Attack):
    """Add N(0, sigma^2) noise, sigma drawn per image uniformly in [min_stddev, max_stddev]
    (on the [0, 1] scale: 0.02 is about 5 grey levels). ``max_stddev=0`` is the identity.

    Input and output: (B, H, W, C) float32; values may leave [0, 1] slightly (a later 8-bit
    quantization clips them).
    """

    def __init__(self, max_stddev: float, min_stddev: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= min_stddev <= max_stddev:
            raise ValueError(f"noise needs 0 <= min_stddev <= max_stddev, got {min_stddev}, {max_stddev}")
        self.max_stddev, self.min_stddev = float(max_stddev), float(min_stddev)

    def attack(self, x):
        if self.max_stddev == 0:
            return x
        batch = tf.shape(x)[0]
        sigma = self.uniform((batch, 1, 1, 1), self.min_stddev, self.max_stddev + 1e-12)
        return x + sigma * keras.random.normal(tf.shape(x), seed=self.seed_generator)

    def get_config(self):
        return {**super().get_config(), "max_stddev": self.max_stddev, "min_stddev": self.min_stddev}
