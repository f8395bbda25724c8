"""StegExpose's four LSB detectors and their fusion, in vectorised numpy.

Follows the arithmetic of b3dk7/StegExpose (Java) so scores compare with the papers' use of
it: Primary Sets (red channel, horizontal pairs), Sample Pairs (each channel, horizontal and
vertical pairs), the Chi-square attack (one R,G,B sample stream, cumulative histograms every
1024 samples, mean p-value) and RS analysis (2x2 masks [1,0;0,1] and [0,1;1,0], overlapping
and non-overlapping blocks averaged). Each returns an estimate of the share of LSBs carrying a
message, clamped to [0, 1] (|x|, capped at 1; NaN when the detector has no answer). The fused
score is the mean of the detectors that answered; an image is flagged above the threshold
(0.2 by default, StegExpose's).

Where StegExpose has no answer for reasons of its code rather than of the image, we answer:
Sample Pairs on odd sizes pairs what it can (StegExpose throws), and Chi-square runs on any
image of at least 2048 samples, i.e. one block after StegExpose's "blocks - 1" (its arrays
need 257 blocks, ~88k pixels). Its Primary Sets counts W as the Y pairs that are not both
even (a slip in the original, kept so scores match).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import gammainc

THRESHOLD = 0.2
CHI_BLOCK = 1024


def _roots(a, b, c):
    """(+ root, - root) of a x^2 + b x + c as float64, NaN when complex (IEEE division)."""
    disc = b * b - 4 * a * c
    if not disc >= 0:
        return np.float64(np.nan), np.float64(np.nan)
    return (-b + np.sqrt(disc)) / (2 * a), (-b - np.sqrt(disc)) / (2 * a)


def _smaller_abs_root(a, b, c):
    """The root of a x^2 + b x + c with the smaller |x| (ties: the + root); NaN if complex."""
    plus, minus = _roots(a, b, c)
    return plus if abs(plus) <= abs(minus) else minus


def _pair_classes(u: np.ndarray, v: np.ndarray):
    """Boolean maps X, Y, Z of sample pairs (u, v) as in Dumitrescu et al.'s analysis."""
    v_even = (v & 1) == 0
    x = (v_even & (u < v)) | (~v_even & (u > v))
    y = (v_even & (u > v)) | (~v_even & (u < v))
    return x, y, u == v


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] < 3:
        raise ValueError("steganalysis works on uint8 RGB images (H, W, 3)")
    return image[..., :3].astype(np.int32)  # room for RS's -1 and 256, and for sums


def primary_sets(image: np.ndarray) -> float:
    """uint8 (H, W, 3) -> estimated embedding rate, from the red channel's horizontal pairs."""
    red = _rgb(image)[..., 0]
    half = red.shape[1] // 2
    u, v = red[:, 0:2 * half:2], red[:, 1:2 * half:2]
    x, y, z = _pair_classes(u, v)
    w = y & (((u & 1) == 1) | ((v & 1) == 1))  # sic: StegExpose's W
    p = np.float64(u.size)
    a, b, c = 0.5 * (np.float64(w.sum()) + z.sum()), 2.0 * x.sum() - p, np.float64(y.sum() - x.sum())
    with np.errstate(all="ignore"):
        plus, minus = _roots(a, b, c)
        return float(plus if plus < minus else minus)


def _sample_pairs_channel(channel: np.ndarray) -> np.float64:
    h, w = channel.shape
    # Horizontal pairs (x even) in every row, vertical pairs (y even) in every column; an odd
    # last column (row) has no horizontal (vertical) partner.
    pairs = [(channel[:, 0:w - 1:2], channel[:, 1:w:2]), (channel[0:h - 1:2, :], channel[1:h:2, :])]
    u = np.concatenate([a.ravel() for a, _ in pairs])
    v = np.concatenate([b.ravel() for _, b in pairs])
    x, y, z = _pair_classes(u, v)
    w_count = np.float64(np.sum((u ^ v) == 1))
    a = 0.5 * (w_count + z.sum())
    b = 2.0 * x.sum() - np.float64(u.size)
    c = np.float64(y.sum()) - x.sum()
    with np.errstate(all="ignore"):
        root = _smaller_abs_root(a, b, c)
        if b * b - 4 * a * c < 0 or root == 0:  # no real root, or zero: the linear estimate
            root = c / b
        return root


def sample_pairs(image: np.ndarray) -> float:
    """uint8 (H, W, 3) -> estimated embedding rate: Sample Pairs analysis, mean of R, G, B."""
    rgb = _rgb(image)
    with np.errstate(all="ignore"):
        return float(np.mean([_sample_pairs_channel(rgb[..., k]) for k in range(3)]))


def chi_square(image: np.ndarray, block: int = CHI_BLOCK) -> float:
    """uint8 (H, W, 3) -> mean p-value of Westfeld-Pfitzmann's chi-square test of pairs of
    values, on cumulative histograms of the R,G,B sample stream every ``block`` samples.
    NaN for an image of fewer than 2 * ``block`` samples (StegExpose tests blocks - 1 blocks)."""
    stream = _rgb(image).reshape(-1)
    blocks = stream.size // block - 1
    if blocks < 1:
        return float("nan")
    stream = stream[:blocks * block].reshape(blocks, block)
    counts = np.stack([np.bincount(row, minlength=256) for row in stream])
    histograms = 1 + np.cumsum(counts, axis=0)  # StegExpose starts every bin at 1
    expected = ((histograms[:, 0::2] + histograms[:, 1::2]) // 2).astype(np.float64)
    observed = histograms[:, 0::2].astype(np.float64)
    sum_e, sum_o = expected.sum(1, keepdims=True), observed.sum(1, keepdims=True)
    ratio = np.where(np.abs(sum_e - sum_o) > 1e-5, sum_o / sum_e, 1.0)
    statistic = np.sum((observed - ratio * expected) ** 2 / (ratio * expected), axis=1)
    p_values = 1.0 - gammainc((expected.shape[1] - 1) / 2.0, statistic / 2.0)
    return float(np.mean(p_values))


def _variation(b0, b1, b2, b3):
    """The smoothness of 2x2 blocks: |b0-b1| + |b3-b2| + |b1-b3| + |b2-b0|."""
    return np.abs(b0 - b1) + np.abs(b3 - b2) + np.abs(b1 - b3) + np.abs(b2 - b0)


def _flip_positive(x):
    return x ^ 1


def _flip_negative(x):
    return ((x + 1) ^ 1) - 1  # 0 -> -1, 255 -> 256: shifted LSB flipping, no wrap-around


def _rs_counts(blocks: list[np.ndarray]) -> tuple[float, float, float, float]:
    """(R_M, S_M, R_-M, S_-M) pooled over the masks [1,0;0,1] and [0,1;1,0]."""
    base = _variation(*blocks)
    counts = np.zeros(4)
    for mask in ((0, 3), (1, 2)):
        for k, flip in enumerate((_flip_positive, _flip_negative)):
            flipped = [flip(b) if i in mask else b for i, b in enumerate(blocks)]
            variation = _variation(*flipped)
            counts[2 * k] += np.sum(variation > base)
            counts[2 * k + 1] += np.sum(variation < base)
    return tuple(counts)


def _rs_blocks(channel: np.ndarray, overlap: bool) -> list[np.ndarray]:
    if overlap:
        return [channel[:-1, :-1], channel[:-1, 1:], channel[1:, :-1], channel[1:, 1:]]
    h, w = channel.shape
    c = channel[:h - h % 2, :w - w % 2]
    return [c[0::2, 0::2], c[0::2, 1::2], c[1::2, 0::2], c[1::2, 1::2]]


def _rs_channel(channel: np.ndarray, overlap: bool) -> np.float64:
    blocks = _rs_blocks(channel, overlap)
    r, s, rm, sm = (np.float64(v) for v in _rs_counts(blocks))
    r1, s1, rm1, sm1 = (np.float64(v) for v in _rs_counts([_flip_positive(b) for b in blocks]))
    d0, dm0, d1, dm1 = r - s, rm - sm, r1 - s1, rm1 - sm1
    a, b, c = 2 * (d1 + d0), dm0 - dm1 - d1 - 3 * d0, d0 - dm0
    linear = ((rm - r) / (r1 - r + rm - rm1) + (sm - s) / (s1 - s + sm - sm1)) / 2
    x = _smaller_abs_root(a, b, c)
    if np.isnan(x) and b * b - 4 * a * c < 0:
        x = linear
    if x == 0 and (s > sm or rm > r):  # StegExpose's test at x = 0, simplified
        x = linear
    return np.float64(0.0) if x - 0.5 == 0 else np.abs(x / (x - 0.5))


def rs_analysis(image: np.ndarray) -> float:
    """uint8 (H, W, 3) -> estimated message length (share of pixels): Fridrich's RS analysis,
    mean over R, G, B and over overlapping and non-overlapping 2x2 blocks."""
    rgb = _rgb(image)
    with np.errstate(all="ignore"):
        modes = [np.mean([_rs_channel(rgb[..., k], overlap) for k in range(3)])
                 for overlap in (True, False)]
        return float(np.mean(modes))


def clamp(score: float) -> float:
    """StegExpose's |x| capped at 1 (NaN stays NaN: the detector did not answer)."""
    return float(min(abs(score), 1.0)) if not np.isnan(score) else float("nan")


DETECTORS: dict[str, Callable[[np.ndarray], float]] = {
    "primary_sets": primary_sets,
    "chi_square": chi_square,
    "sample_pairs": sample_pairs,
    "rs_analysis": rs_analysis,
}


def fuse(scores: dict[str, float]) -> float:
    """Mean of the clamped detector scores that are not NaN (NaN when none answered)."""
    answered = [s for s in scores.values() if not np.isnan(s)]
    return float(np.mean(answered)) if answered else float("nan")


def stegexpose_scores(image: np.ndarray) -> dict[str, float]:
    """uint8 (H, W, 3) -> {detector name: clamped score in [0, 1] or NaN, ..., "fused": mean}."""
    scores = {name: clamp(detector(image)) for name, detector in DETECTORS.items()}
    return {**scores, "fused": fuse(scores)}
