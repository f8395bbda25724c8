"""StegExpose's detectors on real photos: random LSB messages are caught, clean photos pass."""

import numpy as np
import pytest

from keras_steg.imageio import read_image
from keras_steg.steganalysis.lsb import lsb_embed_message
from keras_steg.steganalysis.roc import auc, roc_curve
from keras_steg.steganalysis.stegexpose import (
    DETECTORS,
    THRESHOLD,
    chi_square,
    clamp,
    fuse,
    sample_pairs,
    stegexpose_scores,
)


@pytest.mark.parametrize("bits", [1, 3])
def test_full_capacity_lsb_messages_are_separated_from_clean_photos(photos, bits):
    rng = np.random.default_rng(0)
    clean = [stegexpose_scores(p)["fused"] for p in photos]
    stego = [stegexpose_scores(lsb_embed_message(p, 1.0, rng, bits))["fused"] for p in photos]
    assert auc(clean, stego) == 1.0
    assert min(stego) > THRESHOLD  # every stego flagged at StegExpose's default threshold


def test_a_clean_photo_of_ordinary_size_passes_and_its_stego_does_not(sample_photo):
    rng = np.random.default_rng(1)
    clean = stegexpose_scores(sample_photo)
    stego = stegexpose_scores(lsb_embed_message(sample_photo, 1.0, rng, 1))
    assert clean["fused"] < THRESHOLD < stego["fused"]
    # Chi-square and RS see a full random LSB plane outright.
    assert stego["chi_square"] > 0.9 and stego["rs_analysis"] > 0.9
    assert set(clean) == {*DETECTORS, "fused"}


def test_sample_pairs_estimates_the_embedding_rate(sample_photo):
    rng = np.random.default_rng(2)
    rates = [sample_pairs(lsb_embed_message(sample_photo, r, rng, 1)) for r in (0.0, 0.5)]
    assert abs(rates[0]) < 0.05
    assert 0.3 < rates[1] < 0.7  # SPA estimates the share of changed LSB pairs' message


def test_odd_sizes_and_tiny_images(sample_photo):
    odd = sample_photo[:101, :77]
    scores = stegexpose_scores(odd)
    assert not np.isnan(scores["sample_pairs"])  # StegExpose itself throws on odd sizes
    assert np.isnan(chi_square(np.zeros((8, 8, 3), np.uint8)))  # fewer than 1024 samples
    with pytest.raises(ValueError, match="uint8 RGB"):
        stegexpose_scores(odd.astype(np.float32))


def test_clamp_and_fuse_follow_stegexpose():
    assert clamp(-0.3) == pytest.approx(0.3) and clamp(4.0) == 1.0 and np.isnan(clamp(float("nan")))
    assert fuse({"a": 0.2, "b": float("nan"), "c": 0.4}) == pytest.approx(0.3)
    assert np.isnan(fuse({"a": float("nan")}))


def test_roc_and_auc_on_known_scores():
    assert auc([0.1, 0.2], [0.3, 0.4]) == 1.0
    assert auc([0.3, 0.4], [0.1, 0.2]) == 0.0
    assert auc([0.5, 0.5], [0.5, 0.5]) == 0.5
    fpr, tpr = roc_curve([0.1, 0.3], [0.2, 0.4])
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    with pytest.raises(ValueError):
        auc([], [0.1])


@pytest.fixture(scope="module")
def sample_photo():
    """The bundled cover photo (a real JPEG of ordinary size), RGB uint8."""
    from importlib.resources import files

    return read_image(files("keras_steg") / "samples" / "cover.jpg")


# --- The detectors against plain loops written from StegExpose's Java, on a fixed image ---
def _classes(u, v):
    x = (v % 2 == 0 and u < v) or (v % 2 == 1 and u > v)
    y = (v % 2 == 0 and u > v) or (v % 2 == 1 and u < v)
    return x, y, u == v


def _loop_primary_sets(image):
    red = image[..., 0].astype(int)
    X = Y = Z = W = P = 0
    for row in red:
        for k in range(0, len(row) - 1, 2):
            u, v = row[k], row[k + 1]
            P += 1
            x, y, z = _classes(u, v)
            X, Y, Z = X + x, Y + y, Z + (z and not x and not y)
            W += y and (u % 2 == 1 or v % 2 == 1)
    a, b, c = 0.5 * (W + Z), 2 * X - P, Y - X
    d = b * b - 4 * a * c
    return min((-b + d ** 0.5) / (2 * a), (-b - d ** 0.5) / (2 * a))


def _loop_sample_pairs_channel(ch):
    h, w = ch.shape
    pairs = [(ch[y, x], ch[y, x + 1]) for y in range(h) for x in range(0, w - 1, 2)]
    pairs += [(ch[y, x], ch[y + 1, x]) for y in range(0, h - 1, 2) for x in range(w)]
    X = Y = Z = W = 0
    for u, v in pairs:
        x, y, z = _classes(int(u), int(v))
        X, Y, Z, W = X + x, Y + y, Z + z, W + ((int(u) ^ int(v)) == 1)
    a, b, c = 0.5 * (W + Z), 2 * X - len(pairs), Y - X
    d = b * b - 4 * a * c
    if d < 0:
        return c / b
    roots = [(-b + d ** 0.5) / (2 * a), (-b - d ** 0.5) / (2 * a)]
    x = roots[0] if abs(roots[0]) <= abs(roots[1]) else roots[1]
    return c / b if x == 0 else x


def _loop_chi_square(image):
    from scipy.stats import chi2

    stream = image.reshape(-1).astype(int)
    blocks = len(stream) // 1024 - 1
    histogram = np.ones(256)
    p_values = []
    for b in range(blocks):
        for value in stream[b * 1024:(b + 1) * 1024]:
            histogram[value] += 1
        expected = np.array([(histogram[2 * k] + histogram[2 * k + 1]) // 2 for k in range(128)])
        observed = np.array([histogram[2 * k] for k in range(128)])
        ratio = observed.sum() / expected.sum() if abs(expected.sum() - observed.sum()) > 1e-5 else 1
        stat = np.sum((observed - ratio * expected) ** 2 / (ratio * expected))
        p_values.append(chi2.sf(stat, 127))
    return float(np.mean(p_values))


def _fixed_image():
    rng = np.random.default_rng(5)
    base = np.cumsum(rng.integers(-3, 4, (32, 33, 3)), axis=1) + 128  # smooth-ish rows
    image = np.clip(base, 0, 255).astype(np.uint8)
    return lsb_embed_message(image, 0.4, rng, 1)


def test_detectors_match_plain_loops_on_a_fixed_image():
    from keras_steg.steganalysis.stegexpose import primary_sets

    image = _fixed_image()
    assert primary_sets(image) == pytest.approx(_loop_primary_sets(image), rel=1e-9)
    loops = np.mean([_loop_sample_pairs_channel(image[..., k].astype(int)) for k in range(3)])
    assert sample_pairs(image) == pytest.approx(loops, rel=1e-9)
    assert chi_square(image) == pytest.approx(_loop_chi_square(image), rel=1e-6)


def _loop_rs_channel(ch, overlap):
    def f(b):
        return abs(b[0] - b[1]) + abs(b[3] - b[2]) + abs(b[1] - b[3]) + abs(b[2] - b[0])

    def flip_neg(x):
        return ((x + 1) ^ 1) - 1

    def counts(image):
        r = s = rm = sm = 0
        h, w = image.shape
        step = 1 if overlap else 2
        for y in range(0, h - 1, step):
            for x in range(0, w - 1, step):
                block = [image[y, x], image[y, x + 1], image[y + 1, x], image[y + 1, x + 1]]
                base = f(block)
                for mask in ((1, 0, 0, 1), (0, 1, 1, 0)):
                    pos = f([b ^ 1 if m else b for b, m in zip(block, mask)])
                    neg = f([flip_neg(b) if m else b for b, m in zip(block, mask)])
                    r, s, rm, sm = r + (pos > base), s + (pos < base), rm + (neg > base), sm + (neg < base)
        return r, s, rm, sm

    r, s, rm, sm = counts(ch)
    r1, s1, rm1, sm1 = counts(ch ^ 1)
    d0, dm0, d1, dm1 = r - s, rm - sm, r1 - s1, rm1 - sm1
    a, b, c = 2 * (d1 + d0), dm0 - dm1 - d1 - 3 * d0, d0 - dm0
    d = b * b - 4 * a * c
    if d >= 0:
        roots = [(-b + d ** 0.5) / (2 * a), (-b - d ** 0.5) / (2 * a)]
        x = roots[0] if abs(roots[0]) <= abs(roots[1]) else roots[1]
    else:
        x = ((rm - r) / (r1 - r + rm - rm1) + (sm - s) / (s1 - s + sm - sm1)) / 2
    return abs(x / (x - 0.5))


def test_rs_analysis_matches_a_plain_loop_on_a_fixed_image():
    from keras_steg.steganalysis.stegexpose import rs_analysis

    image = _fixed_image()[:12, :11]
    channels = [image[..., k].astype(int) for k in range(3)]
    loops = np.mean([np.mean([_loop_rs_channel(c, o) for c in channels]) for o in (True, False)])
    assert rs_analysis(image) == pytest.approx(loops, rel=1e-9)


def test_detectors_without_an_answer_are_left_out_of_the_auc():
    from keras_steg.steganalysis.roc import accuracy, answered

    nan = float("nan")
    assert auc([0.1, 0.2], [nan, 0.5]) == 1.0
    assert np.isnan(auc([0.1], [nan, nan]))
    assert answered([nan, 0.1, 0.2, nan]) == 0.5
    assert accuracy([0.1, 0.7], [0.9, nan]) == 0.5
