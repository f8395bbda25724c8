"""Hiding between files of every kind: audio in audio, audio in image, image in audio, video.

The models here are barely trained (quality is the shipped models' tests' business): these
tests check what reaches the files — sizes, lengths, rates, losslessness, refusals.
"""

from pathlib import Path

import cv2
import numpy as np
import pytest
import soundfile

import keras_steg
from keras_steg import build_model, cli
from keras_steg.data import audio
from keras_steg.data.video import read_frames, video_info
from keras_steg.export import export_model
from keras_steg.imageio import read_image, write_png
from keras_steg.inference import from_saved_models
from keras_steg.media import DEFAULT_MODELS, MediaError, hide_file, media_kind, reveal_file

DATA = Path(__file__).parent / "data"
SPEECH = DATA / "audio" / "asterisk_001.flac"   # 5.52 s: 2 windows
LETTERS = DATA / "audio" / "klettres_003.flac"  # 8.40 s: 3 windows
BIKES = DATA / "video" / "bikes_6f.avi"         # 6 frames, 96x40, 25 fps, FFV1
COCKATOO = DATA / "video" / "cockatoo_4f.mp4"   # 4 frames, 96x54, 20 fps


@pytest.fixture(scope="module")
def media_models(tmp_path_factory) -> dict[str, Path]:
    """Untrained ExypnoSteganos models for each audio pair, exported (cover, secret channels)."""
    root = tmp_path_factory.mktemp("media_models")
    pairs = {"audio_in_audio": (2, 2), "audio_in_image": (3, 2), "image_in_audio": (2, 3)}
    return {name: export_model(build_model("exypno", cover_channels=c, secret_channels=s,
                                           width=0.0625), root / name, keras_file=False)
            for name, (c, s) in pairs.items()}


def test_media_kind_from_extension():
    assert [media_kind(n) for n in ("a.PNG", "b.flac", "c.mp3", "d.avi", "e.mp4")] == [
        "image", "audio", "audio", "video", "video"]
    with pytest.raises(MediaError, match="unsupported file type .txt"):
        media_kind("notes.txt")


def test_audio_in_audio(media_models, tmp_path):
    container = hide_file(LETTERS, SPEECH, tmp_path / "c.wav", model=media_models["audio_in_audio"])
    info = soundfile.info(container)
    # Whole windows are kept, written as 32-bit float at 16 kHz.
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "FLOAT")
    assert info.frames == 3 * audio.WINDOW_SAMPLES
    revealed = reveal_file(container, tmp_path / "r.flac", model=media_models["audio_in_audio"])
    assert soundfile.info(revealed).samplerate == 16000
    assert 0 < soundfile.info(revealed).frames <= 3 * audio.WINDOW_SAMPLES
    # The container file holds exactly what the sender made (float WAV), window by window.
    steg = from_saved_models(media_models["audio_in_audio"])
    cover, secret = audio.load_audio(LETTERS), audio.normalize_peak(audio.load_audio(SPEECH))
    expected = audio.tensors_to_audio(steg.hide_tensors(audio.audio_to_tensors(cover, 3),
                                                        audio.audio_to_tensors(secret, 3)))
    np.testing.assert_array_equal(audio.load_audio(container), expected)
    # Refusals: an existing output, a lossy name, a secret longer than the cover.
    with pytest.raises(MediaError, match="already exists"):
        hide_file(LETTERS, SPEECH, container, model=media_models["audio_in_audio"])
    with pytest.raises(MediaError, match="losslessly"):
        hide_file(LETTERS, SPEECH, tmp_path / "c.mp3", model=media_models["audio_in_audio"])
    with pytest.raises(MediaError, match="longer than the cover"):
        hide_file(SPEECH, LETTERS, tmp_path / "c2.wav", model=media_models["audio_in_audio"])


def test_audio_in_image_one_tile_per_window(media_models, photos, tmp_path):
    cover = cv2.resize(photos[0], (500, 300), interpolation=cv2.INTER_CUBIC)  # 1 x 2 tiles
    write_png(tmp_path / "cover.png", cover)
    out = hide_file(tmp_path / "cover.png", SPEECH, tmp_path / "c.png",
                    model=media_models["audio_in_image"])
    container = read_image(out)
    assert container.shape == cover.shape
    # Only the 224x448 tile grid carries the clip; the rest of the photo is untouched.
    np.testing.assert_array_equal(container[224:], cover[224:])
    np.testing.assert_array_equal(container[:, 448:], cover[:, 448:])
    revealed = reveal_file(out, tmp_path / "r.wav", model=media_models["audio_in_image"])
    assert 0 < soundfile.info(revealed).frames <= 2 * audio.WINDOW_SAMPLES
    with pytest.raises(MediaError, match="holds"):
        hide_file(tmp_path / "cover.png", LETTERS, tmp_path / "c3.png",
                  model=media_models["audio_in_image"])
    write_png(tmp_path / "small.png", photos[0])
    with pytest.raises(MediaError, match="at least 224x224"):
        hide_file(tmp_path / "small.png", SPEECH, tmp_path / "c4.png",
                  model=media_models["audio_in_image"])


def test_image_in_audio_every_window(media_models, photo_files, tmp_path):
    out = hide_file(SPEECH, photo_files[0], tmp_path / "c.wav", model=media_models["image_in_audio"])
    assert soundfile.info(out).frames == 2 * audio.WINDOW_SAMPLES
    revealed = reveal_file(out, tmp_path / "r.png", model=media_models["image_in_audio"])
    assert read_image(revealed).shape == (224, 224, 3)
    with pytest.raises(MediaError, match="revealed secret is image"):
        reveal_file(out, tmp_path / "r.wav", model=media_models["image_in_audio"])


def test_pairs_and_models_must_match(media_models, exported_scnn, photo_files, tmp_path,
                                     monkeypatch):
    with pytest.raises(MediaError, match="hides audio in audio, not image in image"):
        hide_file(photo_files[0], photo_files[1], tmp_path / "c.png",
                  model=media_models["audio_in_audio"])
    with pytest.raises(MediaError, match="a secret video needs a video cover"):
        hide_file(photo_files[0], BIKES, tmp_path / "c.png", model=exported_scnn)
    with pytest.raises(MediaError, match="reveals from image containers, this is audio"):
        reveal_file(SPEECH, tmp_path / "r.png", model=exported_scnn)
    with pytest.raises(MediaError, match="not audio"):
        hide_file(BIKES, SPEECH, tmp_path / "c.avi", model=exported_scnn)
    with pytest.raises(MediaError, match="video frames hide images"):
        reveal_file(BIKES, tmp_path / "r.avi", model=media_models["audio_in_image"])
    assert not (tmp_path / "r.avi").exists()
    monkeypatch.setitem(DEFAULT_MODELS, ("image", "audio"), "no_such_model")
    with pytest.raises(MediaError, match="no shipped model hides audio in image"):
        hide_file(photo_files[0], SPEECH, tmp_path / "c.png")


def test_an_input_is_never_the_output(exported_scnn, photo_files, tmp_path):
    import shutil

    cover = Path(shutil.copy(photo_files[0], tmp_path / "cover.png"))
    before = cover.read_bytes()
    with pytest.raises(MediaError, match="is also an input"):
        hide_file(cover, photo_files[1], cover, model=exported_scnn, overwrite=True)
    video = Path(shutil.copy(BIKES, tmp_path / "v.avi"))
    with pytest.raises(MediaError, match="is also an input"):
        reveal_file(video, video, model=exported_scnn, overwrite=True)
    assert cover.read_bytes() == before and video.stat().st_size == BIKES.stat().st_size


def test_video_in_video_is_lossless_and_keeps_fps_and_size(exported_scnn, tmp_path):
    steg = from_saved_models(exported_scnn)
    with pytest.warns(UserWarning, match="looped"):
        out = hide_file(BIKES, COCKATOO, tmp_path / "c.avi", model=steg)
    info = video_info(out)
    assert (info.frames, info.fps, info.width, info.height) == (6, 25.0, 96, 40)
    # Every frame on disk is exactly what the model made: the codec lost nothing.
    secrets = [cv2.resize(f, (96, 40), interpolation=cv2.INTER_AREA) for f in read_frames(COCKATOO)]
    for i, (cover, saved) in enumerate(zip(read_frames(BIKES), read_frames(out))):
        np.testing.assert_array_equal(saved, steg.hide(cover, secrets[i % 4]))
    revealed = reveal_file(out, tmp_path / "r.avi", model=steg)
    assert video_info(revealed).frames == 6
    first = next(read_frames(revealed))
    np.testing.assert_array_equal(first, steg.reveal(next(read_frames(out))))
    with pytest.raises(ValueError, match="must be lossless"):
        hide_file(BIKES, COCKATOO, tmp_path / "c.mp4", model=steg)
    with pytest.warns(UserWarning, match="looped"):
        lossy = hide_file(BIKES, COCKATOO, tmp_path / "c.mp4", model=steg, lossy=True)
    assert video_info(lossy).frames == 6
    # --lossy never makes an .avi lossy: it is still FFV1, frame for frame.
    with pytest.warns(UserWarning, match="looped"):
        still_lossless = hide_file(BIKES, COCKATOO, tmp_path / "c2.avi", model=steg, lossy=True)
    for a, b in zip(read_frames(out), read_frames(still_lossless)):
        np.testing.assert_array_equal(a, b)


def test_keyed_video_shuffles_blocks_across_frame_groups_and_reveal_undoes_it(exported_scnn, tmp_path,
                                                                             monkeypatch):
    from keras_steg import media
    from keras_steg.scramble import derive_key, scramble_frames, unscramble_frames

    monkeypatch.setattr(media, "FRAME_GROUP", 4)  # 6 frames: groups of 4 and 2
    steg = from_saved_models(exported_scnn)
    with pytest.warns(UserWarning, match="looped"):
        out = hide_file(BIKES, COCKATOO, tmp_path / "c.avi", model=steg, key="frames")
    key = derive_key("frames")
    secrets = [cv2.resize(f, (96, 40), interpolation=cv2.INTER_AREA) for f in read_frames(COCKATOO)]
    secrets = [secrets[i % 4] for i in range(6)]
    scrambled = scramble_frames(secrets[:4], key) + scramble_frames(secrets[4:], key)
    for cover, hidden, saved in zip(read_frames(BIKES), scrambled, read_frames(out)):
        np.testing.assert_array_equal(saved, steg.hide(cover, hidden))
    revealed = [steg.reveal(frame) for frame in read_frames(out)]
    expected = unscramble_frames(revealed[:4], key) + unscramble_frames(revealed[4:], key)
    keyed = reveal_file(out, tmp_path / "r.avi", model=steg, key="frames")
    for got, want in zip(read_frames(keyed), expected):
        np.testing.assert_array_equal(got, want)
    assert video_info(keyed).frames == 6


def test_still_image_in_every_frame(exported_scnn, photo_files, tmp_path):
    out = keras_steg.hide(COCKATOO, photo_files[0], tmp_path / "c.avi", model=str(exported_scnn))
    assert video_info(out).frames == 4 and (video_info(out).width, video_info(out).height) == (96, 54)


def test_cli_hides_and_reveals_audio_and_refuses_bad_pairs(media_models, tmp_path, capsys):
    model = str(media_models["audio_in_audio"])
    assert cli.main(["hide", "--cover", str(LETTERS), "--secret", str(SPEECH), "-o",
                     str(tmp_path / "c.wav"), "--model", model]) == 0
    assert cli.main(["reveal", str(tmp_path / "c.wav"), "-o", str(tmp_path / "r.wav"),
                     "--model", model]) == 0
    assert (tmp_path / "r.wav").is_file()
    capsys.readouterr()
    assert cli.main(["hide", "--cover", str(SPEECH), "--secret", str(BIKES), "-o",
                     str(tmp_path / "x.wav"), "--model", model]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "keras-steg hide: error: a secret video needs a video cover"
    assert not (tmp_path / "x.wav").exists()


def test_evaluate_audio_and_video_folders(media_models, exported_scnn, tmp_path, capsys):
    csv_audio = tmp_path / "audio.csv"
    assert cli.main(["evaluate", "--data", str(DATA / "audio"), "--model",
                     str(media_models["audio_in_audio"]), "--seconds", "3",
                     "--csv", str(csv_audio)]) == 0
    lines = csv_audio.read_text().splitlines()
    assert lines[0] == "cover,secret,seconds,cover_snr,cover_lsd,secret_snr,secret_lsd"
    assert len(lines) == 4 and lines[1].startswith("asterisk_001.flac,klettres_003.flac,3.0,")
    csv_video = tmp_path / "video.csv"
    assert cli.main(["evaluate", "--data", str(DATA / "video"), "--model", str(exported_scnn),
                     "--frames", "3", "--csv", str(csv_video)]) == 0
    rows = [line.split(",") for line in csv_video.read_text().splitlines()[1:]]
    assert [r[:3] for r in rows] == [["bikes_6f.avi", "cockatoo_4f.mp4", "3"],
                                     ["cockatoo_4f.mp4", "bikes_6f.avi", "3"]]
    # Recompute the first row's cover PSNRs by hand: mean and min over three frames.
    steg = from_saved_models(exported_scnn)
    secrets = [cv2.resize(f, (96, 40), interpolation=cv2.INTER_AREA) for f in read_frames(COCKATOO)]
    scores = []
    for cover, secret in zip(read_frames(BIKES, 3), secrets):
        mse = np.mean((cover.astype(float) - steg.hide(cover, secret).astype(float)) ** 2)
        scores.append(10 * np.log10(255 ** 2 / mse))
    assert float(rows[0][3]) == pytest.approx(np.mean(scores), abs=1e-3)
    assert float(rows[0][4]) == pytest.approx(min(scores), abs=1e-3)
    capsys.readouterr()
    assert cli.main(["evaluate", "--data", str(DATA / "audio"), "--model",
                     str(media_models["audio_in_image"])]) == 2
    assert "this one hides audio in image" in capsys.readouterr().err
