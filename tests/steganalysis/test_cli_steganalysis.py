"""The steganalysis verbs and hide/reveal --method lsb / --key, through the command line."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from keras_steg.imageio import psnr_uint8 as _psnr
from keras_steg.imageio import read_image, write_png
from keras_steg.steganalysis.lsb import lsb_embed_message

AUDIO = Path(__file__).parents[1] / "data" / "audio"


def _covers_and_stegos(photos, tmp_path):
    covers, stegos = tmp_path / "covers", tmp_path / "stegos"
    rng = np.random.default_rng(0)
    for i, photo in enumerate(photos):
        write_png(covers / f"p{i}.png", photo)
        write_png(stegos / f"p{i}.png", lsb_embed_message(photo, 1.0, rng, 1))
    return covers, stegos


def test_steganalyze_a_folder_prints_flags_and_writes_csv(run, photos, tmp_path, one_line_error):
    covers, stegos = _covers_and_stegos(photos, tmp_path)
    csv = tmp_path / "scores.csv"
    code, out, _ = run("steganalyze", stegos, "--csv", csv)
    assert code == 0 and f"{len(photos)} of {len(photos)} images flagged" in out
    lines = csv.read_text().splitlines()
    assert lines[0].startswith("image,primary_sets,chi_square,sample_pairs,rs_analysis,fused")
    assert len(lines) == len(photos) + 1
    code, _, err = run("steganalyze", stegos, "--csv", csv)
    one_line_error(code, err, "already exists")
    code, _, err = run("steganalyze", stegos, "--covers", covers)
    one_line_error(code, err, "give a folder to score")
    code, _, err = run("steganalyze", tmp_path / "nothing")
    one_line_error(code, err, "nothing")
    code, _, err = run("steganalyze", stegos, "--csv", tmp_path / "no" / "such" / "s.csv")
    one_line_error(code, err, "its folder does not exist")
    code, _, err = run("steganalyze", stegos, "--out", tmp_path / "r")
    one_line_error(code, err, "--out is for --covers/--stegos")


def test_steganalyze_covers_vs_stegos_writes_roc_and_auc_table(run, photos, tmp_path):
    covers, stegos = _covers_and_stegos(photos, tmp_path)
    out = tmp_path / "report"
    code, stdout, _ = run("steganalyze", "--covers", covers, "--stegos", stegos, "--out", out)
    assert code == 0
    table = (out / "auc.md").read_text()
    assert "| fused | 1.000 |" in table and "| rs_analysis |" in table
    assert cv2.imread(str(out / "roc.png")) is not None
    assert len((out / "scores.csv").read_text().splitlines()) == 2 * len(photos) + 1


def test_train_steganalyzer_then_use_it(run, photos, tmp_path, one_line_error):
    covers, stegos = _covers_and_stegos(photos, tmp_path)
    model = tmp_path / "sa.keras"
    code, out, _ = run("train-steganalyzer", "--covers", covers, "--stegos", stegos, "-o", model,
                       "--steps", 4, "--batch", 4, "--crop", 32, "--val-fraction", 0.4)
    assert code == 0 and model.is_file() and "held out (2 covers, 2 stegos" in out
    code, out, _ = run("steganalyze", stegos, "--cnn", model)
    assert code == 0 and "cnn" in out.splitlines()[0]
    code, _, err = run("train-steganalyzer", "--covers", covers, "--stegos", stegos, "-o", model)
    one_line_error(code, err, "already exists")
    code, _, err = run("train-steganalyzer", "--covers", covers, "--stegos", stegos, "-o",
                       tmp_path / "x.keras", "--crop", 128)
    one_line_error(code, err, "smaller than the 128x128")


def test_diffmap_writes_a_png_and_refuses_size_mismatch(run, photo_files, tmp_path, one_line_error):
    out = tmp_path / "d.png"
    container = tmp_path / "c.png"
    code, _, _ = run("hide", "--cover", photo_files[0], "--secret", photo_files[1], "-o", container,
                     "--method", "lsb", "--bits", 2)
    assert code == 0
    code, stdout, _ = run("diffmap", photo_files[0], container, "-o", out)
    assert code == 0 and cv2.imread(str(out)) is not None and "% of pixels changed" in stdout
    code, _, err = run("diffmap", photo_files[0], photo_files[4], "-o", tmp_path / "e.png")  # 96x54
    one_line_error(code, err, "differ in size")


def test_lsb_method_round_trip_and_limits(run, photo_files, tmp_path, one_line_error):
    container, revealed = tmp_path / "c.png", tmp_path / "r.png"
    code, _, _ = run("hide", "--cover", photo_files[0], "--secret", photo_files[0], "-o", container,
                     "--method", "lsb", "--bits", 4)
    assert code == 0
    code, _, _ = run("reveal", container, "-o", revealed, "--method", "lsb", "--bits", 4)
    assert code == 0
    assert _psnr(read_image(revealed), read_image(photo_files[0])) > 30  # 4 bits kept, mid-filled
    code, _, err = run("hide", "--cover", photo_files[0], "--secret", next(AUDIO.glob("*.flac")),
                       "-o", tmp_path / "x.png", "--method", "lsb")
    one_line_error(code, err, "image-in-image baseline")
    code, _, err = run("hide", "--cover", photo_files[0], "--secret", photo_files[1], "-o",
                       tmp_path / "y.png", "--method", "lsb", "--bits", 9)
    one_line_error(code, err, "1 to 7 bits")


def test_keyed_hiding_with_the_shipped_model(run, tmp_path, one_line_error):
    from importlib.resources import files

    samples = files("keras_steg") / "samples"
    cover, secret = tmp_path / "cover.png", tmp_path / "secret.png"
    write_png(cover, cv2.resize(read_image(samples / "cover.jpg"), (128, 96), interpolation=cv2.INTER_AREA))
    write_png(secret, cv2.resize(read_image(samples / "secret.jpg"), (128, 96), interpolation=cv2.INTER_AREA))
    container = tmp_path / "c.png"
    assert run("hide", "--cover", cover, "--secret", secret, "-o", container, "--key", "s3cret")[0] == 0
    results = {}
    for name, key in (("right", ["--key", "s3cret"]), ("wrong", ["--key", "guess"]), ("none", [])):
        out = tmp_path / f"{name}.png"
        assert run("reveal", container, "-o", out, *key)[0] == 0
        results[name] = _psnr(read_image(out), read_image(secret))
    assert results["right"] > 15  # the default model reads scrambled secrets less well (README)
    assert results["wrong"] < 12 and results["none"] < 12
    code, _, err = run("hide", "--cover", cover, "--secret", next(AUDIO.glob("*.flac")), "-o",
                       tmp_path / "a.png", "--key", "k", "--model", "scnn")
    one_line_error(code, err, "not audio")
    code, _, err = run("hide", "--cover", cover, "--secret", secret, "-o", tmp_path / "e.png", "--key", "")
    one_line_error(code, err, "must not be empty")


def test_python_front_door_takes_key_and_method(photos):
    import keras_steg

    cover, secret = photos[0], photos[1]
    container = keras_steg.hide(cover, secret, key="k", method="lsb", bits=4)
    assert _psnr(keras_steg.reveal(container, key="k", method="lsb", bits=4), secret) > 30
    assert _psnr(keras_steg.reveal(container, method="lsb", bits=4), secret) < 12
    with pytest.raises(TypeError, match="unknown option"):
        keras_steg.hide(cover, secret, bit=4)
    container = keras_steg.hide(cover, secret, key="k")  # the shipped scnn
    assert container.shape == cover.shape
    keyed, unkeyed = keras_steg.reveal(container, key="k"), keras_steg.reveal(container)
    assert _psnr(keyed, secret) > _psnr(unkeyed, secret) + 3
