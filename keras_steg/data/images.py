"""tf.data pipelines of cover/secret image pairs from an image folder or a tfds dataset.

Elements are dicts ``{"cover": (B, S, S, 3), "secret": (B, S, S, 3)}``, float32 in [0, 1].
"""

from __future__ import annotations

import math
import os
import random
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_steg.data.files import list_files
from keras_steg.imageio import ImageError, decode_image, to_float, to_uint8
from keras_steg.scramble import random_scramble

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
AUTOTUNE = tf.data.AUTOTUNE


def list_images(root: str | os.PathLike) -> list[str]:
    """All image files below ``root`` (recursive, by extension), sorted. ValueError if none."""
    return list_files(root, IMAGE_EXTENSIONS, "images")


MIN_VALIDATION = 2  # one image hides the next: validation needs two at least


def split_files(files: list[str], val_fraction: float, seed: int = 0) -> tuple[list[str], list[str]]:
    """Split a file list into (train, validation) by a seeded shuffle.

    Validation gets ``ceil(val_fraction * n)`` files but at least two (one hides the other);
    when that would leave fewer than two for training, there is no validation split.
    """
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    order = sorted(files)
    random.Random(seed).shuffle(order)
    n_val = max(MIN_VALIDATION, math.ceil(val_fraction * len(order))) if val_fraction else 0
    if len(order) - n_val < 2:
        n_val = 0
    return sorted(order[n_val:]), sorted(order[:n_val])


@dataclass
class ImageSource:
    """A stream of decoded RGB uint8 images ``(image (H, W, 3), index ())``.

    ``size`` counts the files (or examples); ``skipped`` holds the files that failed to decode
    so far (they are dropped, never fatal).
    """

    dataset: tf.data.Dataset
    size: int
    skipped: set[str] = field(default_factory=set)


def folder_source(files: list[str], seed: int = 0) -> ImageSource:
    """An ImageSource over image files in a seeded random order (so neighbouring files, often
    shots of one scene, do not meet in one shuffle buffer); unreadable files are skipped and
    recorded."""
    if not files:
        raise ValueError("no image files given")
    files = sorted(files)
    random.Random(seed).shuffle(files)
    source = ImageSource(dataset=None, size=len(files))

    def _decode(path: bytes) -> np.ndarray:
        name = path.decode()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return decode_image(Path(name).read_bytes(), name)
        except (ImageError, OSError):
            source.skipped.add(name)
            return np.zeros((0, 0, 3), np.uint8)

    def _load(path, index):
        image = tf.numpy_function(_decode, [path], tf.uint8, stateful=False)
        image.set_shape([None, None, 3])
        return image, index

    ds = tf.data.Dataset.from_tensor_slices((files, tf.range(len(files), dtype=tf.int64)))
    ds = ds.map(_load, num_parallel_calls=AUTOTUNE)
    source.dataset = ds.filter(lambda image, index: tf.size(image) > 0)
    return source


def tfds_source(name: str, data_dir: str | None, split: str = "train") -> ImageSource:
    """An ImageSource over a prepared tfds dataset (offline: never downloads)."""
    import tensorflow_datasets as tfds

    try:
        ds, info = tfds.load(name, split=split, data_dir=data_dir, download=False, with_info=True)
    except Exception as err:  # tfds raises several types: missing dataset, unknown split...
        raise ValueError(f"tfds dataset {name!r}, split {split!r}, could not be loaded from "
                         f"data_dir={data_dir!r}: {str(err).splitlines()[0]}") from None
    if "image" not in info.features:
        raise ValueError(f"tfds dataset {name!r} has no 'image' feature "
                         f"(features: {', '.join(info.features)})")
    size = info.splits[split].num_examples

    def _image(example, index):
        image = example["image"]
        if image.shape[-1] == 1:
            image = tf.image.grayscale_to_rgb(image)
        return tf.cast(image[..., :3], tf.uint8), index

    return ImageSource(ds.enumerate().map(lambda i, x: _image(x, i), num_parallel_calls=AUTOTUNE), size)


def random_crop(image: tf.Tensor, crop: int, seed: tf.Tensor, scale_to: int | None = None,
                scale_jitter: float = 1.0) -> tf.Tensor:
    """A random ``crop x crop`` patch of a uint8 image, float32 in [0, 1], randomly flipped.

    Images smaller than the crop are first resized up (aspect kept) so that they cover it.
    With ``scale_to``, the patch is taken at a random scale, log-uniform between the native
    resolution and the one at which the image's short side is ``scale_to`` pixels, so patches
    look like parts of whole photos shown at that size. ``scale_jitter`` in [0, 1] narrows that
    range to its fraction nearest the ``scale_to`` end: 0 always takes the patch at the scale of
    the whole photo shown at ``scale_to`` (how the held-out photos are scored). ``seed`` is a
    (2,) int stateless seed.
    """
    seeds = tf.random.experimental.stateless_split(seed, 4)
    shape = tf.shape(image)
    short = tf.cast(tf.minimum(shape[0], shape[1]), tf.float32)
    side = tf.constant(float(crop))
    if scale_to:
        max_scale = tf.maximum(1.0, short / float(scale_to))
        u = 1.0 - scale_jitter * tf.random.stateless_uniform([], seeds[0])
        side = side * tf.exp(u * tf.math.log(max_scale))
    side = tf.cast(tf.minimum(tf.round(side), short), tf.int32)
    y = tf.random.stateless_uniform([], seeds[1], 0, shape[0] - side + 1, dtype=tf.int32)
    x = tf.random.stateless_uniform([], seeds[2], 0, shape[1] - side + 1, dtype=tf.int32)
    patch = tf.cast(image[y:y + side, x:x + side], tf.float32) / 255.0
    patch = tf.image.resize(patch, [crop, crop], antialias=True)
    patch = tf.image.stateless_random_flip_left_right(patch, seeds[3])
    patch = tf.clip_by_value(patch, 0.0, 1.0)
    return tf.ensure_shape(patch, [crop, crop, 3])


def _shrink(image: tf.Tensor, scale_to: int, scale_jitter: float) -> tf.Tensor:
    """A uint8 (H, W, C) image shrunk by ``f = max(1, min(H, W) / scale_to) ** (1 - scale_jitter)``
    to uint8 (round(H / f), round(W / f), C): the finest scale ``random_crop(..., scale_to,
    scale_jitter)`` samples. On the result, ``random_crop(..., scale_to)`` samples the same
    range of scales."""
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    max_scale = tf.maximum(1.0, tf.reduce_min(shape) / float(scale_to))
    new = tf.cast(tf.round(shape / max_scale ** (1.0 - scale_jitter)), tf.int32)
    shrunk = tf.image.resize(tf.cast(image, tf.float32), new, antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(shrunk), 0.0, 255.0), tf.uint8)


def scrambled_secrets(pairs: tf.data.Dataset, block: int, seed: int = 0) -> tf.data.Dataset:
    """Unbatched ``{"cover", "secret"}`` pairs -> the same with each secret scrambled under a
    fresh random key (``keras_steg.scramble``; rounded to 8 bits as a saved secret would be),
    so a model learns to hide the scrambled secrets that ``--key`` produces."""
    rng = np.random.default_rng(seed)

    def scramble_one(secret: np.ndarray) -> np.ndarray:
        return to_float(random_scramble(to_uint8(secret), rng, block))

    def apply(pair):
        secret = tf.numpy_function(scramble_one, [pair["secret"]], tf.float32, stateful=True)
        return {**pair, "secret": tf.ensure_shape(secret, pair["secret"].shape)}

    return pairs.map(apply)  # sequential: one generator, reproducible order


def training_pairs(source: ImageSource, crop: int, batch_size: int, seed: int = 0,
                   scale_to: int | None = None, cache: bool = True,
                   scramble_block: int | None = None, scale_jitter: float = 1.0) -> tf.data.Dataset:
    """Endless batches of ``{"cover", "secret"}`` random crops, float32 (B, crop, crop, 3).

    Covers and secrets come from two differently shuffled passes over the same stream, and a
    pair whose cover and secret are the same image is dropped, so no image hides itself.
    ``cache`` keeps decoded images in memory (each file is decoded once; use False for
    datasets that do not fit in RAM). ``scale_to``, ``scale_jitter``: see ``random_crop``.
    ``scramble_block``: secrets are key-scrambled in
    blocks of this size (``scrambled_secrets``).
    """
    if source.size < 2:
        raise ValueError("training needs at least two images (a cover and a different secret)")
    images = source.dataset
    if scale_to and scale_jitter < 1.0:
        # Crops never come from finer than this scale: shrink each photo once, before the cache,
        # instead of antialiasing a large native region on every crop. The same range of
        # scales; a crop between the two ends is resampled twice, so a little softer.
        images = images.map(lambda image, index: (_shrink(image, scale_to, scale_jitter), index),
                            num_parallel_calls=AUTOTUNE)
        scale_jitter = 1.0
    if cache:
        # One pass decodes every file into the cache and counts the readable ones: with fewer
        # than two, no (cover, secret) pair of different images exists and training would hang.
        images = images.cache()
        if int(images.reduce(0, lambda n, _: n + 1)) < 2:
            raise ValueError("training needs at least two readable images "
                             f"({len(source.skipped)} of {source.size} could not be decoded)")
    buffer = min(source.size, 512)

    def stream(offset: int) -> tf.data.Dataset:
        return images.shuffle(buffer, seed=seed + offset, reshuffle_each_iteration=True).repeat()

    pairs = tf.data.Dataset.zip(stream(0), stream(1), tf.data.Dataset.random(seed).batch(2))
    pairs = pairs.filter(lambda a, b, s: a[1] != b[1])

    def crop_pair(a, b, s):
        s = tf.random.experimental.stateless_split(tf.cast(s, tf.int64), 2)
        return {"cover": random_crop(a[0], crop, s[0], scale_to, scale_jitter),
                "secret": random_crop(b[0], crop, s[1], scale_to, scale_jitter)}

    pairs = pairs.map(crop_pair, num_parallel_calls=AUTOTUNE)
    if scramble_block:
        pairs = scrambled_secrets(pairs, scramble_block, seed)
    return pairs.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)


def center_square(image: tf.Tensor, size: int) -> tf.Tensor:
    """Resize a uint8 image so its short side is ``size`` (antialiased), take the centre
    ``size x size`` square; float32 in [0, 1]. The whole photo, as a 256x256 thumbnail shows it."""
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    scale = float(size) / tf.reduce_min(shape)
    new = tf.cast(tf.math.ceil(shape * scale), tf.int32)
    resized = tf.image.resize(tf.cast(image, tf.float32) / 255.0, new, antialias=True)
    y, x = (new[0] - size) // 2, (new[1] - size) // 2
    return tf.clip_by_value(tf.ensure_shape(resized[y:y + size, x:x + size], [size, size, 3]), 0., 1.)


def evaluation_pairs(source: ImageSource, size: int, batch_size: int,
                     scramble_block: int | None = None) -> tf.data.Dataset:
    """Deterministic pairs for validation: image i hides image i + 1 (the last hides the first),
    each the centre square of the whole photo at ``size`` (see ``center_square``);
    ``scramble_block``: secrets scrambled once with seeded keys (the same every epoch)."""
    images = source.dataset.map(lambda image, index: center_square(image, size),
                                num_parallel_calls=AUTOTUNE).cache()
    # One pass fills the cache and counts the readable images, so Keras knows the length.
    count = int(images.reduce(0, lambda n, _: n + 1))
    if count < 2:
        raise ValueError("validation needs at least two readable images")
    secrets = images.skip(1).concatenate(images.take(1))
    pairs = tf.data.Dataset.zip(images, secrets).map(lambda c, s: {"cover": c, "secret": s})
    if scramble_block:
        pairs = scrambled_secrets(pairs, scramble_block).cache()
    pairs = pairs.batch(batch_size).apply(
        tf.data.experimental.assert_cardinality(math.ceil(count / batch_size)))
    return pairs.prefetch(AUTOTUNE)
