"""The shipped SCNN weights and `keras-steg demo`, exactly as a user runs them."""

import configparser
import re
from pathlib import Path

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


def test_a_wheel_install_carries_every_shipped_model():
    """setup.cfg's data_files must list each model folder, or a non-editable install lacks it."""
    repo = Path(__file__).resolve().parent.parent
    config = configparser.ConfigParser()
    config.read(repo / "setup.cfg")
    installed = set(config["options.data_files"])
    for name in shipped_models():
        for part in ("", "/sender", "/sender/variables", "/receiver", "/receiver/variables"):
            assert f"share/keras_steg/saved_models/{name}{part}" in installed, (name, part)


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
    # On the first 8 held-out 256x256 photos the margin is 18.8 dB (saved_models/scnn_robust/MODEL_CARD.md).
    assert scores["scnn_robust"] > scores["scnn"] + 2, scores


def test_models_verb_lists_every_shipped_model_with_its_measured_quality(run):
    from keras_steg.export import read_metadata

    code, out, _ = run("models")
    assert code == 0
    lines = out.splitlines()
    for name, folder in shipped_models().items():
        row = next(line for line in lines if line.split()[:1] == [name])
        heldout = read_metadata(folder)["heldout"]
        # Images report PSNR, audio SNR: whichever the model card measured must be printed.
        metric = "psnr" if "cover_psnr" in heldout else "snr"
        for pair in ("cover", "secret"):
            assert f"{heldout[f'{pair}_{metric}']:.2f} dB" in row, (name, pair)


def test_models_verb_prints_a_model_card_and_refuses_unknown_names(run, one_line_error):
    code, out, _ = run("models", "scnn")
    assert code == 0
    assert (resolve_model_dir("scnn") / "MODEL_CARD.md").read_text().strip() in out
    code, _, err = run("models", "no_such_model")
    one_line_error(code, err, "no_such_model")


@pytest.mark.parametrize("name", sorted(shipped_models()))
def test_load_pretrained_equals_the_shipped_savedmodels(name):
    """load_pretrained gives a StegModel whose sender and receiver compute what the shipped
    SavedModels compute (so notebooks can fine-tune exactly the weights the CLI uses)."""
    import tensorflow as tf

    from keras_steg import StegModel, load_pretrained
    from keras_steg.export import read_metadata

    model = load_pretrained(name)
    assert isinstance(model, StegModel)
    folder = resolve_model_dir(name)
    meta = read_metadata(folder)
    # Audio models take STFT windows: every one of the 224 frequency rows, any run of frames.
    rows = 224 if meta["config"].get("audio_representation") else 64
    rng = np.random.default_rng(0)
    cover = rng.random((1, rows, 64, meta["cover_channels"]), dtype=np.float32)
    secret = rng.random((1, rows, 64, meta["secret_channels"]), dtype=np.float32)
    sender = tf.saved_model.load(str(folder / "sender")).signatures["serving_default"]
    receiver = tf.saved_model.load(str(folder / "receiver")).signatures["serving_default"]
    container = sender(cover=tf.constant(cover), secret=tf.constant(secret))["container"].numpy()
    keras_container = model.sender({"cover": cover, "secret": secret}, training=False)
    np.testing.assert_allclose(np.asarray(keras_container), container, atol=2e-3)
    np.testing.assert_allclose(np.asarray(model.receiver(container, training=False)),
                               receiver(container=tf.constant(container))["secret"].numpy(), atol=2e-3)


def test_console_script_error_is_one_line_on_stderr():
    """The installed `keras-steg` prints nothing but its own line on bad input, even on CPUs
    where TensorFlow's C++ start-up notes ignore TF_CPP_MIN_LOG_LEVEL."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "keras-steg"
    result = subprocess.run([str(script), "models", "no_such_model"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "keras-steg models: error: no_such_model: no such shipped model (shipped: "
        + ", ".join(sorted(shipped_models())) + ")"]


def test_quiet_import_hides_c_level_notes_but_not_warnings_or_tracebacks(tmp_path):
    """keras_steg imports TensorFlow with fd 2 silenced (its C++ start-up notes); a Python
    warning raised meanwhile is still shown, and a failing import still shows its traceback."""
    import subprocess
    import sys

    (tmp_path / "noisy_module.py").write_text(
        "import os, warnings\nos.write(2, b'C-LEVEL NOTE\\n')\nwarnings.warn('python warning kept')\n")
    (tmp_path / "broken_module.py").write_text(
        "import os\nos.write(2, b'C-LEVEL NOTE\\n')\nraise ImportError('the real problem')\n")
    script = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import keras_steg; "
              "keras_steg._import_quietly('noisy_module'); keras_steg._import_quietly('broken_module')")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 1
    assert "C-LEVEL NOTE" not in result.stderr
    assert "python warning kept" in result.stderr
    assert "Traceback" in result.stderr and "ImportError: the real problem" in result.stderr


def test_shipped_audio_model_hides_speech_in_music_as_its_card_says(run, tmp_path):
    """`keras-steg hide/reveal` on sound use the shipped scnn_audio without --model: the
    container sounds like the cover and the revealed sound is the secret's spectrum, not the
    cover's (held-out card: cover SNR 17.0 dB, secret LSD 6.8 dB)."""
    from pathlib import Path

    from keras_steg.data import audio

    clips = Path(__file__).parent / "data" / "audio"
    cover_file, secret_file = clips / "wesnoth_04.flac", clips / "asterisk_001.flac"
    container, revealed = tmp_path / "container.wav", tmp_path / "revealed.wav"
    assert run("hide", "--cover", str(cover_file), "--secret", str(secret_file), "-o", str(container))[0] == 0
    assert run("reveal", str(container), "-o", str(revealed))[0] == 0
    cover, secret = audio.load_audio(cover_file), audio.normalize_peak(audio.load_audio(secret_file))
    heard, got = audio.load_audio(container), audio.load_audio(revealed)
    assert audio.snr_db(cover, heard[:cover.size]) > 10
    # The 5.5 s secret is cut to the 5.0 s cover.
    n = min(cover.size, secret.size, got.size)
    lsd_secret = audio.log_spectral_distance(secret[:n], got[:n])
    lsd_cover = audio.log_spectral_distance(cover[:n], got[:n])
    assert lsd_secret < 9 and lsd_secret < lsd_cover - 5, (lsd_secret, lsd_cover)
