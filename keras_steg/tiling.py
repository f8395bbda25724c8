"""Run a network over a large image tile by tile, so memory stays constant in the image size.

Tiles overlap; each output pixel is taken from the one tile whose border is farthest from it
(centre-crop stitching, no blending: every pixel of a container comes from exactly one
encoding, which is what the receiver expects). For a network whose receptive field reaches
less than ``margin`` pixels, such as the receivers shipped here (SCNN R-net: six 3x3 convs,
6 pixels; Baluja 10; ExypnoSteganos 18), the stitched output equals one pass over the whole
image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def spans(length: int, tile: int, margin: int, multiple: int = 1) -> list[tuple[int, int, int, int]]:
    """Cover ``[0, length)`` with windows of ``tile`` pixels.

    Returns (start, stop, keep_start, keep_stop) per window: the network sees
    ``[start, stop)`` and its output is kept on ``[keep_start, keep_stop)``; the kept ranges
    partition ``[0, length)``, and every kept pixel not on the image border is at least
    ``margin`` pixels from its window's border. One window when ``length <= tile``.
    ``tile``, ``margin`` and ``length`` must be multiples of ``multiple``.
    """
    if length <= tile:
        return [(0, length, 0, length)]
    step = tile - 2 * margin
    if step <= 0 or tile % multiple or step % multiple or length % multiple:
        raise ValueError(f"tile {tile}, margin {margin}, length {length} must be multiples of "
                         f"{multiple} with tile > 2 * margin")
    starts = []
    for k in range(-(-(length - tile) // step) + 1):
        starts.append(min(k * step, length - tile))
    # Each boundary sits in the middle of the overlap of two neighbouring windows.
    bounds = [0] + [(starts[k - 1] + tile + starts[k]) // 2 for k in range(1, len(starts))] + [length]
    return [(s, s + tile, bounds[k], bounds[k + 1]) for k, s in enumerate(starts)]


def tiled_map(fn: Callable[..., np.ndarray], images: Sequence[np.ndarray], tile: int, margin: int,
              multiple: int = 1) -> np.ndarray:
    """``fn`` applied to ``images`` tile by tile and stitched.

    ``images``: arrays (H, W, C_i) of one size (H, W), in the form ``fn`` takes them.
    ``fn(*tiles)`` takes the matching (h, w, C_i) tiles and returns (h, w, C_out).
    Returns (H, W, C_out) of ``fn``'s dtype. H and W must be multiples of ``multiple``.
    """
    h, w = images[0].shape[:2]
    out = None
    for top, bottom, keep_top, keep_bottom in spans(h, tile, margin, multiple):
        for left, right, keep_left, keep_right in spans(w, tile, margin, multiple):
            result = np.asarray(fn(*(im[top:bottom, left:right] for im in images)))
            if out is None:
                out = np.empty((h, w, result.shape[-1]), result.dtype)
            out[keep_top:keep_bottom, keep_left:keep_right] = result[
                keep_top - top:keep_bottom - top, keep_left - left:keep_right - left]
    return out
