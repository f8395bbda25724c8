"""Layers that keep a network's 8x8 blocks on the JPEG grid: JPEG codes a container in 8x8
blocks from its top-left corner, padding the bottom and right by repeating the last row and
column; a stride-8 convolution over it must see the same blocks."""

from __future__ import annotations

import keras
import tensorflow as tf


def repeat_pad(x: tf.Tensor, block: int) -> tf.Tensor:
    """(B, H, W, C) -> (B, ceil(H / block) * block, ceil(W / block) * block, C), the bottom and
    right padded by repeating the last row and column, as libjpeg pads."""
    h, w = tf.shape(x)[1], tf.shape(x)[2]
    x = tf.concat([x, tf.repeat(x[:, -1:], (-h) % block, axis=1)], axis=1)
    return tf.concat([x, tf.repeat(x[:, :, -1:], (-w) % block, axis=2)], axis=2)


@keras.saving.register_keras_serializable(package="keras_steg")
class PadToBlocks(keras.layers.Layer):
    """``repeat_pad`` as a layer."""

    def __init__(self, block: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.block = int(block)

    def call(self, x: tf.Tensor) -> tf.Tensor:
        return repeat_pad(x, self.block)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        def padded(n):
            return None if n is None else -(-n // self.block) * self.block

        return (input_shape[0], padded(input_shape[1]), padded(input_shape[2]), input_shape[3])

    def get_config(self) -> dict:
        return {**super().get_config(), "block": self.block}


@keras.saving.register_keras_serializable(package="keras_steg")
class CropToMatch(keras.layers.Layer):
    """[x (B, H', W', C), reference (B, H, W, C')] with H' >= H, W' >= W -> the top-left
    (B, H, W, C) of x: undoes ``PadToBlocks`` after a stride-8 conv and its transpose."""

    def call(self, inputs: list[tf.Tensor]) -> tf.Tensor:
        x, reference = inputs
        shape = tf.shape(reference)
        return x[:, :shape[1], :shape[2], :]

    def compute_output_shape(self, input_shapes: list[tuple]) -> tuple:
        x_shape, reference_shape = input_shapes
        return (x_shape[0], reference_shape[1], reference_shape[2], x_shape[3])
