"""A differentiable approximation of JPEG compression (baseline, 4:2:0, IJG quality tables)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from keras_steg.layers.attack import Attack
from keras_steg.layers.block_alignment import repeat_pad

# The example quantization tables of the JPEG standard (Annex K), which libjpeg scales by the
# quality factor; rows are vertical frequencies.
LUMA_TABLE = np.array([
    [16, 11, 10, 16, 24, 40, 51, 61], [12, 12, 14, 19, 26, 58, 60, 55],
    [14, 13, 16, 24, 40, 57, 69, 56], [14, 17, 22, 29, 51, 87, 80, 62],
    [18, 22, 37, 56, 68, 109, 103, 77], [24, 35, 55, 64, 81, 104, 113, 92],
    [49, 64, 78, 87, 103, 121, 120, 101], [72, 92, 95, 98, 112, 100, 103, 99],
], np.float32)
BLOCK = 8  # JPEG's DCT block side, pixels
CHROMA_TABLE = np.full((8, 8), 99, np.float32)
CHROMA_TABLE[:4, :4] = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]]

# JFIF full-range RGB <-> YCbCr (offsets of 128 handled separately).
_RGB_TO_YCC = np.array([[0.299, 0.587, 0.114],
                        [-0.168736, -0.331264, 0.5],
                        [0.5, -0.418688, -0.081312]], np.float32)
_YCC_TO_RGB = np.linalg.inv(_RGB_TO_YCC).astype(np.float32)


def dct_matrix(n: int = 8) -> np.ndarray:
    """The orthonormal DCT-II matrix D (n, n): coefficients of a block X are D X D^T."""
    k, i = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    d = np.sqrt(2.0 / n) * np.cos((2 * i + 1) * k * np.pi / (2 * n))
    d[0] /= np.sqrt(2.0)
    return d.astype(np.float32)


def quality_tables(quality: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """libjpeg's scaling of the standard tables: quality (B,) in [1, 100] -> (luma, chroma)
    tables (B, 1, 1, 8, 8), integers in [1, 255]."""
    q = tf.clip_by_value(tf.cast(quality, tf.float32), 1.0, 100.0)
    # Integer division below quality 50, as libjpeg does.
    scale = tf.where(q < 50, tf.floor(5000.0 / q), 200.0 - 2.0 * q)[:, None, None, None, None]

    def scaled(table):
        return tf.clip_by_value(tf.floor((table * scale + 50.0) / 100.0), 1.0, 255.0)

    return scaled(LUMA_TABLE), scaled(CHROMA_TABLE)


ROUNDING_MODES = ("straight_through", "dead_zone", "cubic")


def _round(x: tf.Tensor, mode: str) -> tf.Tensor:
    if mode == "cubic":  # Shin & Song 2017: differentiable everywhere, within 1/8 of round(x)
        return tf.round(x) + (x - tf.round(x)) ** 3
    if mode == "dead_zone":
        # Forward: real rounding. Backward: the identity for a coefficient that survives
        # (|x| >= 1/2 step) and 2|x| below, so the sender is not told that the small
        # coefficients JPEG zeroes carry its signal (straight-through tells it they do). A
        # coefficient at exactly 0 gets no push at all: growing one is left to the other
        # attacks of the mix (noise, none), through which every coefficient passes.
        weight = tf.stop_gradient(tf.minimum(2.0 * tf.abs(x), 1.0))
        return tf.stop_gradient(tf.round(x)) + weight * (x - tf.stop_gradient(x))
    # Straight-through: the forward pass is real JPEG rounding, the gradient the identity.
    return x + tf.stop_gradient(tf.round(x) - x)


def _blocks(plane: tf.Tensor) -> tf.Tensor:
    """(B, H, W) with H, W multiples of 8 -> (B, H/8, W/8, 8, 8)."""
    s = tf.shape(plane)
    x = tf.reshape(plane, [s[0], s[1] // 8, 8, s[2] // 8, 8])
    return tf.transpose(x, [0, 1, 3, 2, 4])


def _unblocks(blocks: tf.Tensor) -> tf.Tensor:
    s = tf.shape(blocks)
    return tf.reshape(tf.transpose(blocks, [0, 1, 3, 2, 4]), [s[0], s[1] * 8, s[2] * 8])


def jpeg_approximation(images: tf.Tensor, quality: tf.Tensor, rounding: str = "straight_through",
                       subsample_chroma: bool = True) -> tf.Tensor:
    """JPEG-compress and decompress ``images`` (B, H, W, 3) float in [0, 1] at ``quality`` (B,)
    -> (B, H, W, 3) float32 in [0, 1], differentiably.

    The steps of a baseline encoder/decoder: RGB -> YCbCr, 2x2 chroma averaging (4:2:0, the
    default of libjpeg and OpenCV), 8x8 block DCT, division by the quality-scaled tables,
    rounding (``rounding``: one of ``ROUNDING_MODES``, which differ only in the gradient except
    "cubic"), and back. Sizes that are not
    multiples of 16 are padded by repeating the last row and column and cropped back, as
    libjpeg pads.
    """
    x = tf.cast(images, tf.float32)
    h, w = tf.shape(x)[1], tf.shape(x)[2]
    x = repeat_pad(x, 2 * BLOCK)  # whole 16x16 units: 8x8 blocks of the half-size chroma
    ycc = tf.einsum("bhwc,kc->bhwk", x * 255.0, _RGB_TO_YCC) - tf.constant([128.0, 0.0, 0.0])
    luma_table, chroma_table = quality_tables(quality)
    d = tf.constant(dct_matrix())

    def compress(plane, table):
        coeffs = tf.einsum("ij,bhwjk,lk->bhwil", d, _blocks(plane), d)
        coeffs = _round(coeffs / table, rounding) * table
        return _unblocks(tf.einsum("ji,bhwjk,kl->bhwil", d, coeffs, d))

    planes = [compress(ycc[..., 0], luma_table)]
    for c in (1, 2):
        chroma = ycc[..., c:c + 1]
        if subsample_chroma:
            small = tf.nn.avg_pool2d(chroma, 2, 2, "VALID")
            small = compress(small[..., 0], chroma_table)[..., None]
            # Bilinear upsampling, close to libjpeg's "fancy" (triangle) upsampling.
            chroma = tf.image.resize(small, tf.shape(chroma)[1:3], "bilinear")[..., 0]
        else:
            chroma = compress(chroma[..., 0], chroma_table)
        planes.append(chroma)
    ycc = tf.stack(planes, axis=-1) + tf.constant([128.0, 0.0, 0.0])
    rgb = tf.einsum("bhwk,ck->bhwc", ycc, _YCC_TO_RGB) / 255.0
    return tf.clip_by_value(rgb[:, :h, :w, :], 0.0, 1.0)


@keras.saving.register_keras_serializable(package="keras_steg")
class DifferentiableJpeg(Attack):
    """JPEG at a quality drawn per image uniformly from [min_quality, max_quality] (integers),
    through ``jpeg_approximation`` so gradients reach the sender. Real JPEG for evaluation is
    ``keras_steg.attacks.jpeg``.

    Input and output: (B, H, W, 3) float32 in [0, 1].
    """

    def __init__(self, min_quality: int = 50, max_quality: int = 95,
                 rounding: str = "straight_through", subsample_chroma: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not 1 <= min_quality <= max_quality <= 100:
            raise ValueError(f"JPEG quality needs 1 <= min <= max <= 100, got {min_quality}-{max_quality}")
        if rounding not in ROUNDING_MODES:
            raise ValueError(f"rounding must be one of {', '.join(ROUNDING_MODES)}, got {rounding!r}")
        self.min_quality, self.max_quality = int(min_quality), int(max_quality)
        self.rounding, self.subsample_chroma = rounding, bool(subsample_chroma)

    def attack(self, x):
        quality = tf.floor(self.uniform((tf.shape(x)[0],), self.min_quality, self.max_quality + 1))
        return jpeg_approximation(x, quality, self.rounding, self.subsample_chroma)

    def get_config(self):
        return {**super().get_config(), "min_quality": self.min_quality,
                "max_quality": self.max_quality, "rounding": self.rounding,
                "subsample_chroma": self.subsample_chroma}
