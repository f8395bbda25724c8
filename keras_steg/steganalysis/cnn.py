"""A CNN steganalyser in the style of Ye-Net / Xu-Net: a fixed bank of the 30 SRM high-pass
filters on each colour channel, truncation, then a small CNN to one probability of "stego".

Why high-pass first: hiding leaves a faint, high-frequency residual that the image content
drowns out; SRM residuals (Fridrich and Kodovsky's rich model) remove most of the content,
so a small network learns from a few hundred images what a plain CNN would need far more for.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_steg import fused_batchnorm

TRUNCATION = 3.0  # Ye-Net's truncated linear unit, on residuals of the 0-255 scale
CROP = 128
SCORE_TILE = 512


def _rotations(kernel: np.ndarray, count: int) -> list[np.ndarray]:
    return [np.rot90(kernel, k) for k in range(count)]


def _in_5x5(kernel: np.ndarray) -> np.ndarray:
    out = np.zeros((5, 5))
    h, w = kernel.shape
    out[(5 - h) // 2:(5 - h) // 2 + h, (5 - w) // 2:(5 - w) // 2 + w] = kernel
    return out


def srm_kernels() -> np.ndarray:
    """The 30 basic SRM high-pass filters (as in Ye-Net), each normalised by its centre's
    weight, as a (5, 5, 30) float32 array: first order (8 directions), second order (4),
    third order (8), SQUARE 3x3, SQUARE 5x5, EDGE 3x3 (4), EDGE 5x5 (4)."""
    first = np.array([[0, 0, 0], [0, -1, 1], [0, 0, 0]], float)
    first_diagonal = np.array([[0, 0, 0], [0, -1, 0], [0, 0, 1]], float)
    second = np.array([[0, 0, 0], [1, -2, 1], [0, 0, 0]], float) / 2
    second_diagonal = np.array([[1, 0, 0], [0, -2, 0], [0, 0, 1]], float) / 2
    third = np.zeros((5, 5))
    third[2, 1:5] = [1, -3, 3, -1]
    third_diagonal = np.zeros((5, 5))
    for k, value in zip(range(1, 5), [1, -3, 3, -1]):
        third_diagonal[k, k] = value
    square3 = np.array([[-1, 2, -1], [2, -4, 2], [-1, 2, -1]], float) / 4
    square5 = np.array([[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2],
                        [2, -6, 8, -6, 2], [-1, 2, -2, 2, -1]], float) / 12
    edge3 = square3.copy()
    edge3[2, :] = 0
    edge5 = square5.copy()
    edge5[3:, :] = 0
    kernels = (_rotations(first, 4) + _rotations(first_diagonal, 4)
               + _rotations(second, 2) + _rotations(second_diagonal, 2)
               + [k / 3 for k in _rotations(third, 4) + _rotations(third_diagonal, 4)]
               + [square3, square5] + _rotations(edge3, 4) + _rotations(edge5, 4))
    return np.stack([_in_5x5(k) for k in kernels], axis=-1).astype(np.float32)


@keras.saving.register_keras_serializable(package="keras_steg")
class Truncate(keras.layers.Layer):
    """clip(x, -T, T): Ye-Net's truncated linear unit, so rare strong edges do not dominate."""

    def __init__(self, threshold: float = TRUNCATION, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def call(self, x):
        return keras.ops.clip(x, -self.threshold, self.threshold)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


@keras.saving.register_keras_serializable(package="keras_steg")
class Absolute(keras.layers.Layer):
    """|x|: Xu-Net's first block, since the sign of a residual carries no evidence, its size does."""

    def call(self, x):
        return keras.ops.abs(x)


def _conv_block(x, filters: int, name: str, pool: bool = True, absolute: bool = False):
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    if absolute:
        x = Absolute(name=f"{name}_abs")(x)
    x = fused_batchnorm.BatchNormalization(name=f"{name}_bn")(x)
    x = keras.layers.ReLU(name=f"{name}_relu")(x)
    return keras.layers.AveragePooling2D(2, name=f"{name}_pool")(x) if pool else x


def build_steganalyzer(filters: int = 16) -> keras.Model:
    """RGB in [0, 1], (B, H, W, 3), any H, W >= 16 -> (B, 1) probability that it hides
    something. SRM bank (fixed) on each channel -> truncation -> 4 conv blocks -> global mean."""
    image = keras.Input((None, None, 3), name="image")
    x = keras.layers.Rescaling(255.0, name="to_255")(image)  # residuals on the pixel scale
    srm = keras.layers.DepthwiseConv2D(5, padding="same", depth_multiplier=30, use_bias=False,
                                       trainable=False, name="srm")
    x = srm(x)
    srm.set_weights([np.repeat(srm_kernels()[:, :, None, :], 3, axis=2)])
    x = Truncate(name="truncate")(x)
    x = _conv_block(x, filters, "block1", absolute=True)
    x = _conv_block(x, filters, "block2")
    x = _conv_block(x, 2 * filters, "block3")
    x = _conv_block(x, 4 * filters, "block4", pool=False)
    x = keras.layers.GlobalAveragePooling2D(name="mean")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="stego")(x)
    return keras.Model(image, out, name="steganalyzer")


def _augment(image: tf.Tensor, label: tf.Tensor, crop: int):
    image = tf.image.random_crop(image, [crop, crop, 3])
    image = tf.image.rot90(image, tf.random.uniform([], 0, 4, tf.int32))
    image = tf.image.random_flip_left_right(image)
    return tf.cast(image, tf.float32) / 255.0, label


def _dataset(covers: list[np.ndarray], stegos: list[np.ndarray], crop: int, batch: int,
             seed: int) -> tf.data.Dataset:
    """Random crops of covers (label 0) and stegos (label 1), shuffled, endless."""
    images = covers + stegos
    labels = [0.0] * len(covers) + [1.0] * len(stegos)
    ds = tf.data.Dataset.from_generator(
        lambda: zip(images, labels),
        output_signature=(tf.TensorSpec((None, None, 3), tf.uint8), tf.TensorSpec((), tf.float32)))
    ds = ds.cache().shuffle(len(images), seed=seed, reshuffle_each_iteration=True).repeat()
    return ds.map(lambda x, y: _augment(x, y, crop), num_parallel_calls=tf.data.AUTOTUNE) \
        .batch(batch).prefetch(tf.data.AUTOTUNE)


def _check_images(images: list[np.ndarray], name: str, crop: int) -> None:
    if not images:
        raise ValueError(f"no {name} images")
    small = [im.shape for im in images if min(im.shape[:2]) < crop]
    if small:
        raise ValueError(f"{len(small)} {name} images are smaller than the {crop}x{crop} "
                         "training crop (use --crop)")


def train_steganalyzer(covers: list[np.ndarray], stegos: list[np.ndarray], steps: int = 600,
                       batch: int = 16, crop: int = CROP, lr: float = 1e-3, seed: int = 0,
                       verbose: int = 1, steps_per_epoch: int = 100
                       ) -> tuple[keras.Model, keras.callbacks.History]:
    """Train on uint8 RGB (H, W, 3) covers (label 0) and stegos (label 1), random ``crop``
    squares with flips and rotations -> (model, history of loss and accuracy, one entry per
    ``steps_per_epoch`` steps)."""
    _check_images(covers, "cover", crop)
    _check_images(stegos, "stego", crop)
    keras.utils.set_random_seed(seed)
    model = build_steganalyzer()
    model.compile(keras.optimizers.Adam(lr), "binary_crossentropy", metrics=["accuracy"])
    epochs = max(1, round(steps / steps_per_epoch))
    history = model.fit(_dataset(covers, stegos, crop, batch, seed), epochs=epochs,
                        steps_per_epoch=max(1, steps // epochs), verbose=verbose,
                        shuffle=False)  # the dataset shuffles
    return model, history


def _tiles(image: np.ndarray, tile: int) -> list[np.ndarray]:
    """The image cut into a grid of near-equal tiles at most ``tile`` pixels a side."""
    rows = np.array_split(np.arange(image.shape[0]), -(-image.shape[0] // tile))
    cols = np.array_split(np.arange(image.shape[1]), -(-image.shape[1] // tile))
    return [image[r[0]:r[-1] + 1, c[0]:c[-1] + 1] for r in rows for c in cols]


def cnn_scores(model: keras.Model, images: list[np.ndarray], tile: int = SCORE_TILE) -> list[float]:
    """Probability of "stego" for each uint8 RGB (H, W, 3) image: the mean over tiles of at
    most ``tile`` pixels a side (the SRM bank makes 90 maps per pixel, so a whole 12 MP photo
    would need gigabytes)."""
    scores = []
    for image in images:
        tiles = _tiles(np.asarray(image), tile)
        scores.append(float(np.mean([model(tf.constant(t[None], tf.float32) / 255.0,
                                           training=False)[0, 0] for t in tiles])))
    return scores


def load_steganalyzer(path: str | os.PathLike) -> keras.Model:
    """A steganalyser saved by ``train-steganalyzer`` (.keras) -> the Keras model."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such steganalyser file (.keras)")
    return keras.saving.load_model(path)
