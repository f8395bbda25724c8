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
