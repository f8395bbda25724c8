"""benchmarks/jpeg_secret_error.py: the surrogate-vs-libjpeg and error-split measurements on the
shipped robust model and two test photos."""

import sys
from pathlib import Path

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
    # A Gaussian blur and its complement both shrink a signal's energy, so each part of the
    # error is smaller (higher PSNR) than the whole; a wrong split would break this.
    assert parts["error_low"] >= parts["secret_jpeg"] and parts["error_high"] >= parts["secret_jpeg"], parts
