"""Quantization index modulation (QIM) of a container's luma DCT coefficients, on JPEG's grid.

Not in the SCNN paper. An additive hidden signal shares the container's low frequencies with the
cover, which the receiver does not know and which dominates there (host interference); JPEG in
turn removes the high frequencies where the cover is weak. QIM (Chen & Wornell 2001) sidesteps
the cover: the sender moves a coefficient to the nearest point of a lattice of step ``delta``
shifted by ``message * delta``, and the receiver reads the message back as the coefficient's
phase modulo ``delta``, whatever the cover was. JPEG's rounding of that coefficient (to its
quantization step q) moves the phase by at most q / (2 delta) of a cycle (1/11 at JPEG 75 with
the default step).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from keras_steg.layers.block_alignment import repeat_pad
from keras_steg.layers.jpeg import _RGB_TO_YCC, BLOCK, LUMA_TABLE, _blocks, _unblocks, dct_matrix


def zigzag_positions(count: int, skip_dc: bool = True) -> list[tuple[int, int]]:
    """The first ``count`` (row, column) positions of JPEG's zigzag scan of an 8x8 block, the DC
    coefficient left out when ``skip_dc`` (moving it shifts whole blocks, the most visible)."""
    order = sorted(((r, c) for r in range(BLOCK) for c in range(BLOCK)),
                   key=lambda rc: (rc[0] + rc[1], rc[0] if (rc[0] + rc[1]) % 2 else rc[1]))
    order = order[1:] if skip_dc else order
    if not 1 <= count <= len(order):
        raise ValueError(f"QIM needs 1 to {len(order)} coefficients per block, got {count}")
    return order[:count]


def _luma_coefficients(images: tf.Tensor) -> tf.Tensor:
    """(B, H, W, 3) float32 in [0, 1], H and W multiples of 8 -> luma block DCT coefficients
    (B, H/8, W/8, 8, 8) on JPEG's scale (pixel values 0..255, minus 128)."""
    luma = tf.einsum("bhwc,c->bhw", images * 255.0, tf.constant(_RGB_TO_YCC[0])) - 128.0
    d = tf.constant(dct_matrix())
    return tf.einsum("ij,bhwjk,lk->bhwil", d, _blocks(luma), d)


class _QimLayer(keras.layers.Layer):
    """What embedding and reading share: the coefficients used and their lattice steps."""

    def __init__(self, coefficients: int = 10, step: float = 3.0, **kwargs):
        kwargs.setdefault("dtype", "float32")  # phases need float32: steps of ~40 on values ~1000
        super().__init__(**kwargs)
        if not step > 0:
            raise ValueError(f"the QIM lattice step must be > 0, got {step}")
        self.coefficients, self.step = int(coefficients), float(step)
        positions = zigzag_positions(self.coefficients)
        # (8, 8, K) one-hot selection of the used coefficients and their lattice steps: ``step``
        # times the standard luma table (JPEG quality 50's steps; quality 75 halves them).
        select = np.zeros((BLOCK, BLOCK, self.coefficients), np.float32)
        for k, (r, c) in enumerate(positions):
            select[r, c, k] = 1.0
        self._select = select
        self._delta = np.array([self.step * LUMA_TABLE[r, c] for r, c in positions], np.float32)

    def _coefficients(self, images: tf.Tensor) -> tf.Tensor:
        """(B, H, W, 3) -> the images padded to whole 8x8 blocks as JPEG pads them, and their
        used coefficients (B, ceil(H/8), ceil(W/8), K)."""
        padded = repeat_pad(tf.cast(images, tf.float32), BLOCK)
        return padded, tf.einsum("bhwij,ijk->bhwk", _luma_coefficients(padded), self._select)

    def get_config(self) -> dict:
        return {**super().get_config(), "coefficients": self.coefficients, "step": self.step}


@keras.saving.register_keras_serializable(package="keras_steg")
class QimEmbed(_QimLayer):
    """[container (B, H, W, 3) in [0, 1], message (B, ceil(H/8), ceil(W/8), K) in [0, 1]] ->
    the container with coefficient k of every 8x8 luma block moved to the nearest point of
    ``delta_k * (message_k + integer)``, (B, H, W, 3) float32 in [0, 1].

    The luma change goes equally to R, G and B (JFIF's inverse transform), so chroma is untouched
    except where the clip to [0, 1] cuts the change (which then also misses in the phase).
    Blocks cut by the bottom or right edge hold their message only in part (the change that fell
    on the padding is cropped away, as with JPEG).
    Gradients: the identity times delta_k to the message; none to the moved coefficients of the
    container (their new value depends only on the message and the lattice point chosen).
    """

    def call(self, inputs: list[tf.Tensor]) -> tf.Tensor:
        container, message = inputs
        h, w = tf.shape(container)[1], tf.shape(container)[2]
        padded, coeffs = self._coefficients(container)
        target = tf.cast(message, tf.float32) * self._delta
        # The lattice point of the message's coset nearest the coefficient: the smallest move.
        moved = target + self._delta * tf.stop_gradient(tf.round((coeffs - target) / self._delta))
        change = tf.einsum("bhwk,ijk->bhwij", moved - coeffs, self._select)
        d = tf.constant(dct_matrix())
        luma_change = _unblocks(tf.einsum("ji,bhwjk,kl->bhwil", d, change, d)) / 255.0
        out = padded + luma_change[..., None]
        return tf.clip_by_value(out[:, :h, :w, :], 0.0, 1.0)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]


@keras.saving.register_keras_serializable(package="keras_steg")
class QimPhases(_QimLayer):
    """Container (B, H, W, 3) in [0, 1] -> the phases of its QIM coefficients as (B, ceil(H/8),
    ceil(W/8), 2K) float32: sin and cos of 2 pi c_k / delta_k, so a phase near 0 and one near
    1 are near each other (the message wraps around)."""

    def call(self, container: tf.Tensor) -> tf.Tensor:
        _, coeffs = self._coefficients(container)
        angle = (2.0 * math.pi) * coeffs / self._delta
        return tf.concat([tf.sin(angle), tf.cos(angle)], axis=-1)

    def compute_output_shape(self, input_shape):
        def blocks(n):
            return None if n is None else -(-n // BLOCK)

        return (input_shape[0], blocks(input_shape[1]), blocks(input_shape[2]), 2 * self.coefficients)
