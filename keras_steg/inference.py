"""hide / reveal on numpy arrays, PIL images or paths, at any size: uint8 in, uint8 out."""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import tensorflow as tf

from keras_steg.export import read_metadata
from keras_steg.imageio import ImageError, read_image, to_float, to_uint8
from keras_steg.pretrained import resolve_model_dir

ImageLike = Any  # str | os.PathLike | np.ndarray | PIL.Image.Image


def as_rgb_uint8(image: ImageLike, name: str = "image") -> np.ndarray:
    """A path, PIL image or array -> RGB uint8 (H, W, 3). Float arrays must be in [0, 1]."""
    if isinstance(image, (str, os.PathLike)):
        return read_image(image)
    if hasattr(image, "convert") and hasattr(image, "size"):  # a PIL image, without importing PIL
        return np.asarray(image.convert("RGB"), np.uint8)
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=-1)
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4):
        raise ImageError(f"{name}: expected an (H, W, 3) image, got shape {array.shape}")
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    array = array[..., :3]
    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.floating):
        if array.min() < 0 or array.max() > 1:
            raise ImageError(f"{name}: float images must be in [0, 1]")
        return to_uint8(array)
    raise ImageError(f"{name}: unsupported dtype {array.dtype}")


def pad_to_multiple(image: np.ndarray, multiple: int) -> np.ndarray:
    """Reflect-pad (H, W, C) at the bottom and right to multiples of ``multiple``."""
    h, w = image.shape[:2]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph == 0 and pw == 0:
        return image
    return np.pad(image, ((0, ph), (0, pw), (0, 0)), mode="reflect")


@dataclass
class Steganographer:
    """A loaded model pair: call ``hide`` and ``reveal`` on uint8 images of any size.

    ``sender``/``receiver`` are callables on float32 (1, H, W, C) tensors in [0, 1] returning
    the same; ``multiple`` is the spatial multiple the sender needs (and the smallest size).
    """

    sender: Any
    receiver: Any
    multiple: int = 32
    receiver_multiple: int = 1

    def _check_size(self, image: np.ndarray, name: str) -> None:
        h, w = image.shape[:2]
        if min(h, w) < self.multiple:
            raise ImageError(f"{name} is {w}x{h}; this model needs at least "
                             f"{self.multiple}x{self.multiple} pixels")

    def hide(self, cover: ImageLike, secret: ImageLike) -> np.ndarray:
        """Hide ``secret`` in ``cover`` -> container, RGB uint8 of the cover's size.

        A secret of another size is resized to the cover's (with a warning).
        """
        if self.sender is None:
            raise ImageError("this model folder has no sender/: it can only reveal")
        cover = as_rgb_uint8(cover, "cover")
        secret = as_rgb_uint8(secret, "secret")
        self._check_size(cover, "cover")
        h, w = cover.shape[:2]
        if secret.shape[:2] != (h, w):
            warnings.warn(f"secret {secret.shape[1]}x{secret.shape[0]} resized to the cover's "
                          f"{w}x{h}", UserWarning, stacklevel=2)
            secret = cv2.resize(secret, (w, h), interpolation=cv2.INTER_AREA)
        batch = {
            "cover": to_float(pad_to_multiple(cover, self.multiple))[None],
            "secret": to_float(pad_to_multiple(secret, self.multiple))[None],
        }
        container = self.sender(tf.constant(batch["cover"]), tf.constant(batch["secret"]))
        return to_uint8(np.asarray(container)[0, :h, :w])

    def reveal(self, container: ImageLike) -> np.ndarray:
        """Reveal the secret of a container -> RGB uint8 of the container's size."""
        if self.receiver is None:
            raise ImageError("this model folder has no receiver/: it can only hide")
        container = as_rgb_uint8(container, "container")
        self._check_size(container, "container")
        h, w = container.shape[:2]
        x = to_float(pad_to_multiple(container, self.receiver_multiple))[None]
        return to_uint8(np.asarray(self.receiver(tf.constant(x)))[0, :h, :w])


def from_saved_models(name_or_dir: str | None = None) -> Steganographer:
    """Load a shipped model by name ("scnn") or an exported folder as a Steganographer.

    Loaded models are cached per folder, so repeated ``hide``/``reveal`` calls load them once.
    """
    return _load_folder(resolve_model_dir(name_or_dir).resolve())


@functools.lru_cache(maxsize=4)
def _load_folder(folder: Path) -> Steganographer:
    meta = read_metadata(folder)
    sender = receiver = None
    if (folder / "sender").is_dir():
        serve = tf.saved_model.load(str(folder / "sender")).signatures["serving_default"]
        sender = lambda cover, secret: serve(cover=cover, secret=secret)["container"]  # noqa: E731
    if (folder / "receiver").is_dir():
        rserve = tf.saved_model.load(str(folder / "receiver")).signatures["serving_default"]
        receiver = lambda container: rserve(container=container)["secret"]  # noqa: E731
    return Steganographer(sender, receiver, meta.get("sender_multiple", 32),
                          meta.get("receiver_multiple", 1))


def clear_model_cache() -> None:
    """Forget the loaded models, so folders are read again from disk."""
    _load_folder.cache_clear()


def from_keras(model) -> Steganographer:
    """Wrap an in-memory StegModel (e.g. during training) as a Steganographer."""
    return Steganographer(
        lambda cover, secret: model.sender({"cover": cover, "secret": secret}, training=False),
        lambda container: model.receiver(container, training=False),
        model.multiple,
    )


def _steganographer(model) -> Steganographer:
    if isinstance(model, Steganographer):
        return model
    if model is None or isinstance(model, (str, Path)):
        return from_saved_models(model)
    return from_keras(model)


def hide(cover: ImageLike, secret: ImageLike, model=None) -> np.ndarray:
    """Hide ``secret`` in ``cover`` with ``model`` (shipped name, folder, StegModel; default
    the shipped SCNN) -> container RGB uint8 (H, W, 3) of the cover's size."""
    return _steganographer(model).hide(cover, secret)


def reveal(container: ImageLike, model=None) -> np.ndarray:
    """Reveal the secret of ``container`` -> RGB uint8 (H, W, 3) of the container's size."""
    return _steganographer(model).reveal(container)
