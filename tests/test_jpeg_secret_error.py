"""benchmarks/jpeg_secret_error.py: the surrogate-vs-libjpeg and error-split measurements on the
shipped robust model and two test photos."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import jpeg_secret_error  # noqa: E402


def test_error_parts_of_the_robust_model_after_jpeg(photos):
    from keras_steg.inference import from_saved_models

    cover, secret = (p[:64, :64] for p in photos[:2])
    parts = jpeg_secret_error.error_parts(from_saved_models("scnn_robust"), cover, secret, 75)
    # The surrogate the model was trained through is close to libjpeg on its container, and
    # the secret revealed after either is nearly the same (44 dB / 0.01 dB on 256 px photos).
    assert parts["approx_vs_jpeg"] > 35, parts
    assert abs(parts["secret_approx"] - parts["secret_jpeg"]) < 1.0, parts
    # JPEG costs the secret: it is revealed worse than from the PNG.
    assert parts["secret_jpeg"] < parts["secret_png"] - 1, parts
    # Each part of the split error is no larger (higher PSNR) than the whole.
    assert parts["error_low"] >= parts["secret_jpeg"] and parts["error_high"] >= parts["secret_jpeg"], parts


def test_split_error_puts_known_errors_in_their_parts(photos):
    secret = photos[0][:64, :64].astype(np.float64)
    # +4 on R, G and B alike moves luma by 4 and leaves Cb and Cr: a flat luma error.
    flat = jpeg_secret_error.split_error(secret + 4, secret)
    assert flat["error_luma"] == pytest.approx(flat["error"], abs=0.01)
    assert flat["error_low"] == pytest.approx(flat["error"], abs=0.01)
    assert min(flat["error_chroma"], flat["error_high"]) > flat["error"] + 40, flat
    # A one-pixel checkerboard of +-4 is all high frequency: the 2 px blur removes it.
    checker = 4.0 * (np.indices((64, 64)).sum(axis=0) % 2 * 2 - 1)[..., None]
    fine = jpeg_secret_error.split_error(secret + checker, secret)
    assert fine["error_high"] == pytest.approx(fine["error"], abs=0.1)
    assert fine["error_low"] > fine["error"] + 20, fine
    # A change of red alone is mostly chroma (Cr carries 0.5 of R, luma 0.299).
    red = jpeg_secret_error.split_error(secret + np.array([8.0, 0, 0]), secret)
    assert red["error_chroma"] < red["error_luma"], red
