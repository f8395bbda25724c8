"""8-bit quantization of the container, with a straight-through gradient."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_steg")
class Quantize8Bit(keras.layers.Layer):
    """Round a [0, 1] image to the 256 levels of an 8-bit file, as saving a PNG does.

    Forward: ``round(clip(x, 0, 1) * 255) / 255``; backward: identity (straight-through), so
    the hiding network still gets a gradient. Active only with ``training=True`` unless
    ``always=True``. ``enabled`` is a non-trainable variable so a callback can switch the
    layer on after a warm-up without retracing.

    Input and output: (B, H, W, C) float32 in [0, 1].
    """

    def __init__(self, always: bool = False, enabled: bool = True, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.always = always
        self._initially_enabled = enabled
        self.enabled = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(float(enabled)),
            trainable=False, name="enabled",
        )

    def call(self, x, training=None):
        if not (training or self.always):
            return x
        x = tf.cast(x, tf.float32)
        rounded = tf.round(tf.clip_by_value(x, 0.0, 1.0) * 255.0) / 255.0
        step = tf.stop_gradient(rounded - x)
        return x + tf.cast(self.enabled, x.dtype) * step

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "always": self.always, "enabled": self._initially_enabled}
