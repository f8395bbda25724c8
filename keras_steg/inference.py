"""hide / reveal on numpy arrays, PIL images or paths, at any size: uint8 in, uint8 out."""

from __future__ import annotations

import dataclasses
import functools
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import tensorflow as tf

from keras_steg.export import read_metadata
from keras_steg.grid import block_grid_offset
from keras_steg.imageio import ImageError, read_image, to_float, to_uint8
from keras_steg.precision import resolve_inference_precision
from keras_steg.pretrained import resolve_model_dir
from keras_steg.tiling import tiled_map

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


def secret_at_size(secret: ImageLike, shape: tuple[int, ...], stacklevel: int = 2) -> np.ndarray:
    """The secret as RGB uint8 resized (area interpolation) to the (h, w) of ``shape``, with a
    ``UserWarning`` when it had another size."""
    image = as_rgb_uint8(secret, "secret")
    h, w = shape[:2]
    if image.shape[:2] == (h, w):
        return image
    warnings.warn(f"secret {image.shape[1]}x{image.shape[0]} resized to the cover's {w}x{h}",
                  UserWarning, stacklevel=stacklevel + 1)
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)


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
    Images larger than ``tile`` pixels a side go through in overlapping tiles of ``tile``
    (``keras_steg.tiling``), so memory stays constant in the image size; ``tile=None`` always
    runs one pass. The receiver's margin covers the SCNN R-net's receptive field, so its tiled
    output equals one pass; the sender's U-Net sees the whole tile, so each tile is hidden on
    its own and ``sender_margin`` keeps the kept pixels away from tile borders.
    """

    sender: Any
    receiver: Any
    multiple: int = 32
    receiver_multiple: int = 1
    cover_channels: int = 3   # 3: RGB images (and video frames); 2: audio STFT tensors
    secret_channels: int = 3  # ... 1: log-magnitude audio ("magnitude" representation)
    audio_representation: str = "complex"  # how audio becomes tensors (data/audio_representations.py)
    tile: int | None = 768
    precision: str = "float32"  # what the networks compute in: "float32" or "bfloat16"
    sender_margin: int = 64
    receiver_margin: int = 32  # > every shipped receiver's reach (ExypnoSteganos DN: 18 px)

    @property
    def representation(self):
        """The ``AudioRepresentation`` this model's audio tensors use."""
        from keras_steg.data.audio_representations import get_representation

        return get_representation(self.audio_representation)

    def hide_tensors(self, covers: np.ndarray, secrets: np.ndarray, batch: int = 8) -> np.ndarray:
        """The sender on float tensors: covers (N, H, W, Cc), secrets (N, H, W, Cs), in [0, 1]
        -> containers (N, H, W, Cc) float32 in [0, 1]; ``batch`` at a time. No padding or
        tiling: H and W must already be multiples of ``multiple``."""
        self._require("sender")
        return np.concatenate([
            np.asarray(self.sender(tf.constant(covers[i:i + batch], tf.float32),
                                   tf.constant(secrets[i:i + batch], tf.float32)))
            for i in range(0, len(covers), batch)])

    def reveal_tensors(self, containers: np.ndarray, batch: int = 8) -> np.ndarray:
        """The receiver on float tensors: (N, H, W, Cc) in [0, 1] -> (N, H, W, Cs) float32."""
        self._require("receiver")
        return np.concatenate([np.asarray(self.receiver(tf.constant(containers[i:i + batch], tf.float32)))
                               for i in range(0, len(containers), batch)])

    def _sender_tile(self, cover: np.ndarray, secret: np.ndarray) -> np.ndarray:
        container = self.sender(tf.constant(to_float(cover)[None]), tf.constant(to_float(secret)[None]))
        return to_uint8(np.asarray(container)[0])

    def _receiver_tile(self, container: np.ndarray) -> np.ndarray:
        return to_uint8(np.asarray(self.receiver(tf.constant(to_float(container)[None])))[0])

    def _map(self, fn, images: list[np.ndarray], margin: int, multiple: int) -> np.ndarray:
        if self.tile is None:
            return fn(*images)
        margin = -(-margin // multiple) * multiple
        tile = max(-(-self.tile // multiple) * multiple, 2 * margin + multiple)
        return tiled_map(fn, images, tile, margin, multiple)

    def _require(self, part: str) -> None:
        if getattr(self, part) is None:
            other = "reveal" if part == "sender" else "hide"
            raise ImageError(f"this model folder has no {part}/: it can only {other}")

    def _require_images(self) -> None:
        if (self.cover_channels, self.secret_channels) != (3, 3):
            raise ImageError(f"this model hides {self.secret_channels}-channel secrets in "
                             f"{self.cover_channels}-channel covers, not images in images; "
                             "use keras_steg.media.hide_file for audio")

    @staticmethod
    def _check_size(image: np.ndarray, name: str, minimum: int) -> None:
        h, w = image.shape[:2]
        if min(h, w) < minimum:
            raise ImageError(f"{name} is {w}x{h}; this model needs at least "
                             f"{minimum}x{minimum} pixels")

    def hide(self, cover: ImageLike, secret: ImageLike) -> np.ndarray:
        """Hide ``secret`` in ``cover`` -> container, RGB uint8 of the cover's size.

        A secret of another size is resized to the cover's (with a warning).
        """
        self._require("sender")
        self._require_images()
        cover = as_rgb_uint8(cover, "cover")
        self._check_size(cover, "cover", self.multiple)
        h, w = cover.shape[:2]
        secret = secret_at_size(secret, cover.shape, stacklevel=3)
        padded = [pad_to_multiple(image, self.multiple) for image in (cover, secret)]
        return self._map(self._sender_tile, padded, self.sender_margin, self.multiple)[:h, :w]

    def reveal(self, container: ImageLike) -> np.ndarray:
        """Reveal the secret of a container -> RGB uint8 of the container's size.

        A receiver that reads 8x8 blocks (``receiver_multiple`` 8) reads them on the
        container's block grid as ``keras_steg.grid.block_grid_offset`` finds it, so a
        container cropped off its grid still reveals."""
        self._require("receiver")
        self._require_images()
        container = as_rgb_uint8(container, "container")
        self._check_size(container, "container", self.receiver_multiple)
        h, w = container.shape[:2]
        top = left = 0
        if self.receiver_multiple > 1:
            # A receiver that reads 8x8 blocks needs them where the sender wrote them: after a
            # crop off the grid, pad the top and left back onto it (edge pixels) and crop after.
            row, column = block_grid_offset(container, self.receiver_multiple)
            top, left = (-row) % self.receiver_multiple, (-column) % self.receiver_multiple
            container = np.pad(container, ((top, 0), (left, 0), (0, 0)), mode="edge")
        padded = pad_to_multiple(container, self.receiver_multiple)
        return self._map(self._receiver_tile, [padded], self.receiver_margin,
                         self.receiver_multiple)[top:top + h, left:left + w]


# Tile side per precision: bfloat16 halves the activations, so its tiles can be twice as wide
# for fewer overlapping margins (4000x3000 with SCNN on a 2-core CPU with AMX: reveal bfloat16
# at 1536 16.3 s, peak 5.6 GB; float32 at 768 76.5 s, 3.4 GB; benchmarks/large_image.py).
TILES = {"float32": 768, "bfloat16": 1536}


def from_saved_models(name_or_dir: str | None = None, precision: str = "float32") -> Steganographer:
    """Load a shipped model by name ("scnn") or an exported folder as a Steganographer.

    ``precision``: "float32" (exact, the default), "bfloat16" (the SavedModels'
    ``serving_bfloat16`` signature: about twice as fast on CPUs with AVX512_BF16 or AMX, slower
    where TensorFlow emulates it; tiles of ``TILES["bfloat16"]`` px) or "auto" (bfloat16 on
    such CPUs when the model was exported with that signature, float32 otherwise).
    Loaded models are cached per folder and precision, so repeated calls load them once.
    """
    folder = resolve_model_dir(name_or_dir).resolve()
    resolved = resolve_inference_precision(precision)
    try:
        steg = _load_folder(folder, resolved)
    except ImageError:
        if precision != "auto" or resolved == "float32":
            raise
        # "auto" asks for speed, not for bfloat16: a model exported before the bfloat16
        # signature existed still runs, in float32.
        resolved = "float32"
        steg = _load_folder(folder, resolved)
    # A copy: changing its tile size must not change the cached one other callers get.
    return dataclasses.replace(steg, tile=TILES[resolved])


def _signature(folder: Path, part: str, precision: str, output: str) -> Callable[..., tf.Tensor]:
    """``folder/part``'s serving function computing in ``precision``, as a callable on keyword
    tensors returning its ``output`` tensor."""
    from keras_steg.export import BFLOAT16_SIGNATURE

    loaded = tf.saved_model.load(str(folder / part))
    name = BFLOAT16_SIGNATURE if precision == "bfloat16" else "serving_default"
    if name not in loaded.signatures:
        raise ImageError(f"{folder}: its {part} was exported without a bfloat16 signature; "
                         "export it again with this version, or use precision float32")

    def call(**tensors: tf.Tensor) -> tf.Tensor:
        # Through ``loaded``, not a signature kept alone: a signature holds the model's
        # variables weakly, and once ``loaded`` is collected, calling it inside a tf.function
        # or a gradient tape fails ("referencing variables which have been deleted").
        return loaded.signatures[name](**tensors)[output]

    return call


@functools.lru_cache(maxsize=4)
def _load_folder(folder: Path, precision: str = "float32") -> Steganographer:
    meta = read_metadata(folder)
    sender = receiver = None
    if (folder / "sender").is_dir():
        serve = _signature(folder, "sender", precision, "container")
        sender = lambda cover, secret: serve(cover=cover, secret=secret)  # noqa: E731
    if (folder / "receiver").is_dir():
        rserve = _signature(folder, "receiver", precision, "secret")
        receiver = lambda container: rserve(container=container)  # noqa: E731
    return Steganographer(sender, receiver, meta.get("sender_multiple", 32),
                          meta.get("receiver_multiple", 1), meta.get("cover_channels", 3),
                          meta.get("secret_channels", 3), _audio_representation(meta.get("config", {})),
                          precision=precision)


def _audio_representation(config: dict) -> str:
    from keras_steg.data.audio_representations import DEFAULT

    return config.get("audio_representation") or DEFAULT


def clear_model_cache() -> None:
    """Forget the loaded models, so folders are read again from disk."""
    _load_folder.cache_clear()


def from_keras(model) -> Steganographer:
    """Wrap an in-memory StegModel (e.g. during training) as a Steganographer."""
    from keras_steg.models.registry import family_receiver_multiple

    return Steganographer(
        lambda cover, secret: model.sender({"cover": cover, "secret": secret}, training=False),
        lambda container: model.receiver(container, training=False),
        model.multiple,
        family_receiver_multiple(model.name, model.family_config),
        cover_channels=int(model.sender.output.shape[-1]),
        secret_channels=int(model.receiver.output.shape[-1]),
        audio_representation=_audio_representation(model.family_config),
    )


def _steganographer(model, precision: str = "float32") -> Steganographer:
    if isinstance(model, Steganographer):
        return model
    if model is None or isinstance(model, (str, Path)):
        return from_saved_models(model, precision)
    return from_keras(model)


def hide(cover: ImageLike, secret: ImageLike, model=None, precision: str = "float32") -> np.ndarray:
    """Hide ``secret`` in ``cover`` with ``model`` (shipped name, folder, StegModel; default
    the shipped SCNN; a folder computing in ``precision``, see ``from_saved_models``) ->
    container RGB uint8 (H, W, 3) of the cover's size."""
    return _steganographer(model, precision).hide(cover, secret)


def reveal(container: ImageLike, model=None, precision: str = "float32") -> np.ndarray:
    """Reveal the secret of ``container`` -> RGB uint8 (H, W, 3) of the container's size."""
    return _steganographer(model, precision).reveal(container)
