"""The shipped SCNN weights and `keras-steg demo`, exactly as a user runs them."""

import re

import numpy as np
import pytest

from keras_steg.cli import main
from keras_steg.evaluation import pair_scores
from keras_steg.imageio import read_image
from keras_steg.pretrained import resolve_model_dir, shipped_models


def test_scnn_is_shipped_with_its_card():
    folder = resolve_model_dir("scnn")
    assert "scnn" in shipped_models()
    for part in ("sender/saved_model.pb", "receiver/saved_model.pb", "metadata.json", "MODEL_CARD.md"):
        assert (folder / part).is_file(), part


def test_demo_writes_its_files_and_really_hides(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    psnrs = [float(x) for x in re.findall(r"PSNR ([\d.]+) dB", printed)]
    assert len(psnrs) == 2
    images = {n: read_image(out / f"{n}.png") for n in ("cover", "container", "secret", "revealed")}
    assert (out / "figure.png").stat().st_size > 10_000
    scores = pair_scores(images["cover"], images["container"], images["secret"], images["revealed"])
    assert scores["cover_psnr"] == pytest.approx(psnrs[0], abs=0.01)
    # The container looks like the cover, not the secret; the revealed image is the secret.
    wrong = pair_scores(images["secret"], images["container"], images["cover"], images["revealed"])
    assert scores["cover_psnr"] > wrong["cover_psnr"] + 8
    assert scores["secret_psnr"] > wrong["secret_psnr"] + 8
    assert not np.array_equal(images["container"], images["cover"])


def test_demo_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "figure.png").write_bytes(b"mine")
    assert main(["demo", "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "figure.png").read_bytes() == b"mine"


def test_robust_model_keeps_more_of_the_secret_after_real_jpeg(photos):
    from keras_steg import attacks
    from keras_steg.inference import from_saved_models

    crops = [p[:64, :64] for p in photos[:3]]
    scores = {}
    for name in ("scnn", "scnn_robust"):
        steg = from_saved_models(name)
        psnrs = []
        for cover, secret in zip(crops, crops[1:] + crops[:1]):
            attacked = attacks.jpeg(steg.hide(cover, secret), 75)
            psnrs.append(pair_scores(cover, attacked, secret, steg.reveal(attacked))["secret_psnr"])
        scores[name] = np.mean(psnrs)
    # On 40 held-out 256x256 photos the margin is 5.3 dB (saved_models/scnn_robust/MODEL_CARD.md).
    assert scores["scnn_robust"] > scores["scnn"] + 2, scores
