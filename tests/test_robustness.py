"""Real attacks on saved containers and the robustness report built on them."""

import csv

import numpy as np
import pytest

from keras_steg import attacks, robustness
from keras_steg.inference import from_saved_models


def _psnr(a, b):
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return 10 * np.log10(255**2 / mse) if mse else np.inf


def test_real_jpeg_loses_more_at_lower_quality(photos):
    photo = photos[0]
    scores = [_psnr(photo, attacks.jpeg(photo, q)) for q in (95, 75, 30)]
    assert scores[0] > scores[1] > scores[2] > 20
    assert attacks.jpeg(photo, 75).shape == photo.shape


def test_noise_resize_and_crop(photos):
    photo = photos[1]
    noisy = attacks.gaussian_noise(photo, 0.02, seed=0)
    assert noisy.dtype == np.uint8 and noisy.shape == photo.shape
    assert np.std(noisy.astype(float) - photo) == pytest.approx(0.02 * 255, rel=0.2)
    np.testing.assert_array_equal(attacks.gaussian_noise(photo, 0.0), photo)
    assert attacks.resize(photo, 0.5).shape == photo.shape
    assert _psnr(photo, attacks.resize(photo, 0.9)) > _psnr(photo, attacks.resize(photo, 0.5))
    h, w = photo.shape[:2]
    cropped = attacks.center_crop(photo, 0.5)
    assert cropped.shape[:2] == (round(h * 0.5), round(w * 0.5))
    np.testing.assert_array_equal(cropped, photo[attacks.crop_window(photo.shape, 0.5)])
    np.testing.assert_array_equal(attacks.center_crop(photo, 1.0), photo)


def test_robustness_rows_csv_table_and_plot(photos, tmp_path):
    # The shipped model: its containers look like photos, so JPEG quality matters to them (a
    # barely trained model's flat containers survive JPEG 30 as well as 95).
    steg = from_saved_models("scnn")
    images = [p[:64, :64] for p in photos[:2]]
    rows = robustness.robustness_rows(steg, images, model="scnn")
    expected = 1 + sum(len(s.levels) for s in attacks.SWEEPS)
    assert len(rows) == expected
    assert rows[0]["attack"] == robustness.CLEAN and all(r["pairs"] == 2 for r in rows)
    jpeg = {r["level"]: r for r in rows if r["attack"] == "jpeg"}
    # The attack itself: lower quality moves the container further from the clean one.
    assert jpeg[95]["attacked_psnr"] > jpeg[30]["attacked_psnr"]
    assert all(np.isfinite(r["secret_psnr"]) for r in rows)
    # Unchanged pixels (the PNG itself, a crop's window) have no finite attack PSNR.
    assert all(r["attacked_psnr"] is None for r in rows if r["attack"] in ("png", "crop"))

    robustness.write_csv(rows, tmp_path / "r.csv")
    with open(tmp_path / "r.csv") as f:
        assert len(list(csv.DictReader(f))) == expected
    assert robustness.format_table(rows).count("\n") == expected + 1
    png = robustness.plot(rows, tmp_path / "r.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_robustness_needs_two_images(exported_scnn, photos):
    with pytest.raises(ValueError, match="at least two"):
        robustness.robustness_rows(from_saved_models(exported_scnn), [photos[0]])
