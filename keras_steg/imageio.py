"""Reading and writing image files: the one place where uint8 files meet float [0, 1] tensors."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import cv2
import numpy as np


class ImageError(ValueError):
    """An image file that cannot be used; the message is one line meant for the user."""


def decode_image(data: bytes, name: str = "image") -> np.ndarray:
    """Decode encoded image bytes (PNG, JPEG, WebP, BMP...) to RGB uint8 (H, W, 3).

    JPEGs are turned the right way up by their EXIF orientation tag (as viewers show them).
    Grayscale is repeated to three channels, alpha is dropped (the colour channels are kept as
    stored), 16-bit samples are scaled to 8 bits; each conversion is reported with a
    ``UserWarning`` (JPEGs, which carry no alpha or 16-bit samples, are read as colour
    directly). Raises ``ImageError`` when the bytes do not decode.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    # IMREAD_COLOR applies the EXIF orientation; IMREAD_UNCHANGED keeps alpha and 16 bits.
    flags = cv2.IMREAD_COLOR if data[:2] == b"\xff\xd8" else cv2.IMREAD_UNCHANGED
    image = cv2.imdecode(buf, flags) if buf.size else None
    if image is None or image.size == 0:
        raise ImageError(f"{name}: not a readable image (corrupt, truncated or not an image)")
    notes = []
    if image.dtype == np.uint16:
        image = (image.astype(np.uint32) * 255 + 32767) // 65535
        image = image.astype(np.uint8)
        notes.append("16-bit samples scaled to 8 bits")
    elif image.dtype != np.uint8:
        raise ImageError(f"{name}: unsupported sample type {image.dtype}")
    if image.ndim == 2 or image.shape[2] == 1:
        image = cv2.cvtColor(image.reshape(image.shape[0], image.shape[1]), cv2.COLOR_GRAY2RGB)
        notes.append("grayscale converted to RGB")
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
        notes.append("alpha channel dropped")
    else:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if notes:
        warnings.warn(f"{name}: " + ", ".join(notes), UserWarning, stacklevel=2)
    return np.ascontiguousarray(image)


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file to RGB uint8 (H, W, 3); ``ImageError`` with a one-line reason if not."""
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if path.is_dir():
        raise ImageError(f"{path}: is a folder, not an image file")
    return decode_image(path.read_bytes(), str(path))


def write_png(path: str | os.PathLike, image: np.ndarray, overwrite: bool = False) -> Path:
    """Write RGB uint8 (H, W, 3) losslessly as PNG; refuses to replace a file unless ``overwrite``."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ImageError(f"{path}: containers and revealed images are written as .png (lossless)")
    if path.exists() and not overwrite:
        raise ImageError(f"{path}: already exists (use --overwrite to replace it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.asarray(image, np.uint8), cv2.COLOR_RGB2BGR))
    if not ok:
        raise ImageError(f"{path}: could not encode PNG")
    path.write_bytes(encoded.tobytes())
    return path


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 (..., H, W, C) -> float32 in [0, 1]."""
    return np.asarray(image, np.float32) / 255.0


def to_uint8(image) -> np.ndarray:
    """float in [0, 1] (..., H, W, C) -> uint8, rounded to nearest, clipped."""
    return np.clip(np.rint(np.asarray(image, np.float32) * 255.0), 0, 255).astype(np.uint8)


def psnr_uint8(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR (dB) of two uint8 images of one shape, on the 0-255 scale (inf if identical)."""
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return float(10 * np.log10(255.0 ** 2 / mse)) if mse else float("inf")
