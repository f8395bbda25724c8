"""The command line: every verb, and every kind of bad input as a one-line error with exit 2."""

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from keras_steg.cli import main
from keras_steg.imageio import read_image


def test_hide_and_reveal_round_trip(run, exported_scnn, photo_files, tmp_path):
    container, revealed = tmp_path / "c.png", tmp_path / "r.png"
    code, out, _ = run("hide", "--cover", photo_files[0], "--secret", photo_files[1],
                       "-o", container, "--model", exported_scnn)
    assert code == 0 and container.is_file()
    assert read_image(container).shape == read_image(photo_files[0]).shape
    code, _, _ = run("reveal", container, "-o", revealed, "--model", exported_scnn)
    assert code == 0 and read_image(revealed).shape == read_image(photo_files[0]).shape


def test_bfloat16_precision_hides_and_reveals_nearly_as_float32(run, photo_files, tmp_path):
    """--precision bfloat16 runs the shipped SavedModels' bfloat16 signature: other pixels than
    float32's (about a level on average), but as close to the cover and to the secret."""
    from keras_steg.evaluation import pair_scores

    cover, secret = read_image(photo_files[0]), read_image(photo_files[1])
    results = {}
    for precision in ("float32", "bfloat16"):
        container, revealed = tmp_path / f"c_{precision}.png", tmp_path / f"r_{precision}.png"
        assert run("hide", "--cover", photo_files[0], "--secret", photo_files[1], "-o", container,
                   "--precision", precision)[0] == 0
        assert run("reveal", container, "-o", revealed, "--precision", precision)[0] == 0
        results[precision] = [read_image(f) for f in (container, revealed)]
    # The revealed secret also inherits the containers' differences.
    for exact, fast, most in zip(results["float32"], results["bfloat16"], (1.0, 3.0)):
        assert 0 < np.abs(exact.astype(float) - fast).mean() < most
    exact, fast = (pair_scores(cover, *results[p][:1], secret, *results[p][1:]) for p in results)
    for key in ("cover_psnr", "secret_psnr"):
        assert abs(exact[key] - fast[key]) < 0.3, (key, exact[key], fast[key])


def test_bfloat16_precision_needs_a_model_exported_with_it(run, exported_scnn, photo_files,
                                                           tmp_path, one_line_error):
    import tensorflow as tf

    old = tmp_path / "old_export"
    shutil.copytree(exported_scnn, old)
    shutil.rmtree(old / "receiver")
    loaded = tf.saved_model.load(str(Path(exported_scnn) / "receiver"))
    tf.saved_model.save(loaded, str(old / "receiver"),
                        signatures={"serving_default": loaded.signatures["serving_default"]})
    code, _, err = run("reveal", photo_files[0], "-o", tmp_path / "r.png", "--model", old,
                       "--precision", "bfloat16")
    one_line_error(code, err, "without a bfloat16 signature")
    # The default, auto, asks for speed, not for bfloat16: such a model runs in float32.
    assert run("reveal", photo_files[0], "-o", tmp_path / "auto.png", "--model", old)[0] == 0
    assert run("reveal", photo_files[0], "-o", tmp_path / "f32.png", "--model", old,
               "--precision", "float32")[0] == 0
    assert np.array_equal(read_image(tmp_path / "auto.png"), read_image(tmp_path / "f32.png"))


def test_existing_output_is_refused_unless_overwrite(run, exported_scnn, photo_files, tmp_path,
                                                     one_line_error):
    out = tmp_path / "c.png"
    out.write_bytes(b"precious")
    code, _, err = run("hide", "--cover", photo_files[0], "--secret", photo_files[1], "-o", out,
                       "--model", exported_scnn)
    one_line_error(code, err, "already exists")
    assert out.read_bytes() == b"precious"
    code, _, _ = run("hide", "--cover", photo_files[0], "--secret", photo_files[1], "-o", out,
                     "--model", exported_scnn, "--overwrite")
    assert code == 0 and read_image(out).shape[2] == 3


def test_missing_file(run, exported_scnn, photo_files, tmp_path, one_line_error):
    code, _, err = run("hide", "--cover", tmp_path / "nope.png", "--secret", photo_files[1],
                       "-o", tmp_path / "c.png", "--model", exported_scnn)
    one_line_error(code, err, "no such file")


def test_text_file_named_png(run, exported_scnn, tmp_path, one_line_error):
    fake = tmp_path / "fake.png"
    fake.write_text("hello, I am text")
    code, _, err = run("reveal", fake, "-o", tmp_path / "r.png", "--model", exported_scnn)
    one_line_error(code, err, "not a readable image")


def test_truncated_png(run, exported_scnn, photos, tmp_path, one_line_error):
    ok, data = cv2.imencode(".png", photos[0])
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(data.tobytes()[: len(data) // 2])
    code, _, err = run("reveal", truncated, "-o", tmp_path / "r.png", "--model", exported_scnn)
    one_line_error(code, err, "not a readable image")


def test_too_small_cover_and_small_container(run, exported_scnn, photos, tmp_path, one_line_error):
    tiny = tmp_path / "tiny.png"
    cv2.imwrite(str(tiny), np.zeros((1, 1, 3), np.uint8))
    code, _, err = run("hide", "--cover", tiny, "--secret", tiny, "-o", tmp_path / "c.png",
                       "--model", exported_scnn)
    one_line_error(code, err, "at least 32x32")
    # The receiver is fully convolutional at stride 1: a small (e.g. cropped) container is fine.
    small = tmp_path / "small.png"
    cv2.imwrite(str(small), photos[0][:16, :24])
    code, _, err = run("reveal", small, "-o", tmp_path / "r.png", "--model", exported_scnn)
    assert code == 0, err
    assert read_image(tmp_path / "r.png").shape == (16, 24, 3)


@pytest.mark.parametrize("kind,note", [("gray", "grayscale"), ("rgba", "alpha"), ("16bit", "16-bit")])
def test_unusual_pngs_are_converted_with_a_note(run, exported_scnn, photos, tmp_path, kind, note):
    bgr = cv2.cvtColor(photos[0], cv2.COLOR_RGB2BGR)
    image = {"gray": cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY),
             "rgba": cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA),
             "16bit": bgr.astype(np.uint16) * 257}[kind]
    path = tmp_path / f"{kind}.png"
    cv2.imwrite(str(path), image)
    code, _, err = run("hide", "--cover", path, "--secret", path, "-o", tmp_path / "c.png",
                       "--model", exported_scnn)
    assert code == 0 and note in err
    assert read_image(tmp_path / "c.png").shape == photos[0].shape


def test_unknown_model(run, photo_files, tmp_path, one_line_error):
    code, _, err = run("hide", "--cover", photo_files[0], "--secret", photo_files[1],
                       "-o", tmp_path / "c.png", "--model", "no_such_model")
    one_line_error(code, err, "no such model")


def test_evaluate_table_csv_and_skipped_file(run, exported_scnn, photo_files, tmp_path):
    for f in photo_files[:3]:
        shutil.copy(f, tmp_path)
    (tmp_path / "broken.jpg").write_text("not a jpeg")
    csv = tmp_path / "out" / "scores.csv"
    csv.parent.mkdir()
    code, out, err = run("evaluate", "--data", tmp_path, "--model", exported_scnn, "--size", 32,
                         "--csv", csv)
    assert code == 0, err
    assert "broken.jpg" in err and "skipped" in err
    assert out.count(".jpg") >= 3 and "mean" in out
    assert len(csv.read_text().splitlines()) == 4


def test_empty_data_folder(run, exported_scnn, tmp_path, one_line_error):
    code, _, err = run("evaluate", "--data", tmp_path, "--model", exported_scnn)
    one_line_error(code, err, "no images")
    code, _, err = run("train", "--data", tmp_path, "--out", tmp_path / "run")
    one_line_error(code, err, "no images")


def test_train_bad_size(run, photo_files, tmp_path, one_line_error):
    code, _, err = run("train", "--data", tmp_path, "--out", tmp_path / "run", "--size", 50)
    one_line_error(code, err, "multiple of 32")


def test_train_bad_channel(run, tmp_path, one_line_error):
    code, _, err = run("train", "--data", tmp_path, "--out", tmp_path / "run", "--channel", "jpeg:50,blur:2")
    one_line_error(code, err, "unknown channel attack 'blur:2'")
    assert not (tmp_path / "run").exists()


def test_robustness_writes_table_csv_plot_and_keeps_them(run, exported_scnn, photo_files, tmp_path,
                                                         one_line_error):
    out = tmp_path / "report"
    args = ("robustness", "--data", Path(photo_files[0]).parent, "--model", exported_scnn, "--size", 32,
            "--pairs", 2, "--out", out)
    code, stdout, err = run(*args)
    assert code == 0, err
    assert "| jpeg | 30 |" in stdout and "| png |" in stdout
    assert {p.name for p in out.iterdir()} == {"robustness.csv", "robustness.png", "robustness.md"}
    before = (out / "robustness.csv").read_bytes()
    code, _, err = run(*args)
    one_line_error(code, err, "already exists")
    assert (out / "robustness.csv").read_bytes() == before


def test_export_needs_a_keras_file_or_a_model_folder(run, tmp_path, one_line_error):
    code, _, err = run("export", tmp_path / "missing.keras", "-o", tmp_path / "x")
    one_line_error(code, err, "missing.keras: no such file")
    (tmp_path / "notes.txt").write_text("not a model")
    code, _, err = run("export", tmp_path / "notes.txt", "-o", tmp_path / "x")
    one_line_error(code, err, "expected a .keras file")
    assert not (tmp_path / "x").exists()


def test_help_for_every_verb(run):
    for verb in ("train", "hide", "reveal", "evaluate", "robustness", "export", "demo",
                 "steganalyze", "diffmap", "train-steganalyzer"):
        with pytest.raises(SystemExit) as exit_info:
            main([verb, "--help"])
        assert exit_info.value.code == 0


@pytest.mark.parametrize("family,config", [("baluja", ["filters=4"]), ("exypno", ["width=0.125"])])
def test_every_verb_works_for_every_family(run, family, config, photo_files, tmp_path):
    """train -> export -> hide -> reveal -> evaluate with no family-specific step."""
    data = tmp_path / "photos"
    data.mkdir()
    for f in photo_files:
        shutil.copy(f, data)
    args = ["train", "--data", data, "--out", tmp_path / "run", "--model", family, "--size", 24,
            "--val-size", 24, "--batch", 2, "--epochs", 1, "--steps-per-epoch", 2, "--precision",
            "float32", "--scale-to", 0, "--val-fraction", 0.34, "--bn-batches", 0]
    for pair in config:
        args += ["--model-config", pair]
    assert run(*args)[0] == 0
    model = tmp_path / "model"
    assert run("export", tmp_path / "run" / "last.keras", "-o", model)[0] == 0
    container, revealed = tmp_path / "c.png", tmp_path / "r.png"
    # Odd sizes: these families need no padding multiple.
    code, _, err = run("hide", "--cover", photo_files[0], "--secret", photo_files[1], "-o", container,
                       "--model", model)
    assert code == 0, err
    assert read_image(container).shape == read_image(photo_files[0]).shape
    assert run("reveal", container, "-o", revealed, "--model", model)[0] == 0
    assert read_image(revealed).shape == read_image(photo_files[0]).shape
    code, out, _ = run("evaluate", "--data", data, "--model", model, "--size", 40)
    assert code == 0 and "mean" in out


def test_unknown_family_is_a_one_line_error(run, tmp_path, one_line_error):
    code, _, err = run("train", "--data", tmp_path, "--out", tmp_path / "run", "--model", "nope")
    one_line_error(code, err, "unknown model family")
