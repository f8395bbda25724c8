"""Quality of a model on a folder of photos: image i hides image i + 1, measured after the
container is rounded to 8 bits (what saving it as a PNG does)."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import cv2
import numpy as np
import tensorflow as tf

from keras_steg import metrics
from keras_steg.data.images import center_square
from keras_steg.imageio import ImageError, read_image, to_float, to_uint8

COLUMNS = ("cover", "secret", "cover_psnr", "cover_ssim", "apd_cover", "apd_eq3_cover",
           "secret_psnr", "secret_ssim", "apd_secret", "apd_eq3_secret")


def load_square(path: str, size: int | None) -> np.ndarray:
    """An image file as RGB uint8; with ``size``, the centre square of the whole photo at
    ``size`` x ``size`` (the same view as training validation)."""
    image = read_image(path)
    if size is None:
        return image
    return to_uint8(center_square(tf.constant(image), size).numpy())


def pair_scores(cover, container, secret, revealed) -> dict[str, float]:
    """All metrics of one hide/reveal, from RGB uint8 images of equal size, named as
    StegModel logs them (cover_psnr, apd_secret, ...)."""
    pairs = {"cover": (cover, container), "secret": (secret, revealed)}
    return {
        metrics.metric_name(pair, suffix): float(fn(to_float(a)[None], to_float(b)[None])[0])
        for pair, (a, b) in pairs.items() for suffix, fn in metrics.IMAGE_METRICS.items()
    }


def load_readable(files: list[str], size: int | None, limit: int | None = None
                  ) -> tuple[list[np.ndarray], list[str]]:
    """(images as ``load_square`` gives them, their files) for the first ``limit`` readable
    files; unreadable ones are skipped with a warning."""
    images, readable = [], []
    for f in files:
        if limit is not None and len(images) == limit:
            break
        try:
            images.append(load_square(f, size))
            readable.append(f)
        except ImageError as err:
            warnings.warn(f"skipped: {err}", UserWarning, stacklevel=3)
    return images, readable


def evaluate_files(steg, files: list[str], size: int | None = 256, progress=None) -> list[dict]:
    """Rows of COLUMNS, one per file: ``files[i]`` hides ``files[i + 1]`` (the last hides the
    first). ``steg`` is a ``keras_steg.inference.Steganographer``. Unreadable files are
    skipped with a warning; at least two readable files are needed."""
    images, files = load_readable(files, size)
    if len(files) < 2:
        raise ValueError("evaluation needs at least two readable images (a cover and a different secret)")
    rows = []
    for i, cover_file in enumerate(files):
        j = (i + 1) % len(files)
        cover, secret = images[i], images[j]
        if secret.shape != cover.shape:
            secret = cv2.resize(secret, cover.shape[1::-1], interpolation=cv2.INTER_AREA)
        container = steg.hide(cover, secret)  # uint8: the PNG round trip
        revealed = steg.reveal(container)
        rows.append({"cover": Path(cover_file).name, "secret": Path(files[j]).name,
                     **pair_scores(cover, container, secret, revealed)})
        if progress:
            progress(i + 1, len(files))
    return rows


def summarize(rows: list[dict], columns: tuple[str, ...] = COLUMNS[2:]) -> dict[str, float]:
    """Mean of each of ``columns`` (default: every numeric column of COLUMNS)."""
    return {k: float(np.mean([r[k] for r in rows])) for k in columns}


def write_csv(rows: list[dict], path: str | Path, columns: tuple[str, ...] = COLUMNS) -> None:
    """Write rows with ``columns`` as the header."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
