"""ExypnoSteganos' Fig. 8: where a container differs from its cover, and how each colour
channel's histogram moved."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from keras_steg.plotting import pyplot

CHANNELS = ("red", "green", "blue")


def _difference(cover: np.ndarray, container: np.ndarray) -> np.ndarray:
    """|container - cover| as int16 (H, W, 3); ValueError when the sizes differ."""
    cover, container = np.asarray(cover), np.asarray(container)
    if cover.shape != container.shape:
        raise ValueError(f"cover {cover.shape[1]}x{cover.shape[0]} and container "
                         f"{container.shape[1]}x{container.shape[0]} differ in size")
    return np.abs(cover.astype(np.int16) - container.astype(np.int16))


def change_stats(cover: np.ndarray, container: np.ndarray) -> dict[str, float]:
    """uint8 (H, W, 3) cover and container of one size -> {"changed": share of pixels with any
    channel changed, "mean_abs": mean |difference| on the 0-255 scale, "max_abs": largest}.
    ValueError when the sizes differ."""
    difference = _difference(cover, container)
    return {"changed": float(np.mean(difference.max(axis=-1) > 0)),
            "mean_abs": float(difference.mean()), "max_abs": float(difference.max())}


def diff_map(cover: np.ndarray, container: np.ndarray, path: str | os.PathLike,
             title: str | None = None) -> Path:
    """Write one PNG: cover, container, the changed pixels (yellow: any channel differs),
    |container - cover| amplified x10, and the R, G, B histograms of both. Inputs uint8
    (H, W, 3) of one size; returns ``path``."""
    stats = change_stats(cover, container)
    difference = _difference(cover, container)
    plt = pyplot()
    fig = plt.figure(figsize=(13, 6.2))
    grid = fig.add_gridspec(2, 12)
    panels = [(cover, "cover"), (container, "container"),
              (difference.max(axis=-1) > 0, f"changed pixels ({100 * stats['changed']:.1f} %)"),
              (np.clip(difference * 10, 0, 255).astype(np.uint8),
               f"|container - cover| x10 (mean {stats['mean_abs']:.2f})")]
    for k, (image, label) in enumerate(panels):
        ax = fig.add_subplot(grid[0, 3 * k:3 * k + 3])
        binary = image.ndim == 2
        ax.imshow(image, cmap="viridis" if binary else None, vmin=0, vmax=1 if binary else None,
                  interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    bins = np.arange(257)
    for c, name in enumerate(CHANNELS):
        ax = fig.add_subplot(grid[1, 4 * c:4 * c + 4])
        for image, label, style in ((cover, "cover", "-"), (container, "container", "--")):
            counts = np.bincount(image[..., c].ravel(), minlength=256)
            ax.stairs(counts, bins, color=name, ls=style, label=label, alpha=0.9 if style == "-" else 0.6)
        ax.set_title(f"{name} histogram", fontsize=9)
        ax.set_xlim(0, 255)
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
