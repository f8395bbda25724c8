"""Audio <-> (224, 224, 2) tensors, audio files, metrics, training pairs and the STFT channel."""

from pathlib import Path

import numpy as np
import pytest
import soundfile
import tensorflow as tf

from keras_steg.data import audio
from keras_steg.layers.spectrogram import STFTRoundTrip

AUDIO = Path(__file__).parent / "data" / "audio"


@pytest.fixture(scope="module")
def clips() -> dict[str, np.ndarray]:
    """The committed real recordings (speech and music), mono float32 at 16 kHz."""
    return {p.stem: audio.load_audio(p) for p in sorted(AUDIO.glob("*.flac"))}


def test_representation_round_trip_is_exact_on_real_recordings(clips):
    assert len(clips) == 3
    for name, wave in clips.items():
        tensors = audio.audio_to_tensors(wave)
        assert tensors.shape == (audio.window_count(wave.size), 224, 224, 2) == (
            -(-wave.size // audio.WINDOW_SAMPLES), *audio.TENSOR_SHAPE)
        assert tensors.dtype == np.float32 and 0 <= tensors.min() and tensors.max() <= 1
        back = audio.tensors_to_audio(tensors, wave.size)
        assert back.shape == wave.shape
        assert audio.snr_db(wave, back) > 30, name  # measured ~128 dB (float32 precision)
        assert audio.log_spectral_distance(wave, back) < 0.1, name


def test_eight_bit_tensors_still_sound_right(clips):
    # An audio secret hidden in a PNG comes back through 8-bit rounding of its tensor.
    wave = audio.normalize_peak(clips["asterisk_001"])
    tensors = audio.audio_to_tensors(wave)
    rounded = np.round(tensors * 255) / 255
    assert 30 < audio.snr_db(wave, audio.tensors_to_audio(rounded, wave.size)) < 60


def test_windows_pad_with_silence_and_refuse_overflow():
    wave = np.linspace(-0.5, 0.5, audio.WINDOW_SAMPLES + 10, dtype=np.float32)
    windows = audio.split_windows(wave)
    assert windows.shape == (2, audio.WINDOW_SAMPLES)
    np.testing.assert_array_equal(windows.reshape(-1)[:wave.size], wave)
    assert not windows.reshape(-1)[wave.size:].any()
    assert audio.split_windows(wave, 3).shape == (3, audio.WINDOW_SAMPLES)
    with pytest.raises(audio.AudioError, match="only 1 fit"):
        audio.split_windows(wave, 1)
    assert audio.window_count(0) == 1 and audio.window_count(audio.WINDOW_SAMPLES) == 1


def test_load_resamples_mixes_down_and_rejects_bad_files(clips, tmp_path):
    wave = clips["wesnoth_04"][:16000]
    stereo = np.stack([wave, 0.5 * wave], axis=1)
    soundfile.write(tmp_path / "s.wav", stereo, 8000)  # 16,000 samples at 8 kHz = 2 s
    loaded = audio.load_audio(tmp_path / "s.wav")
    assert loaded.ndim == 1 and abs(loaded.size - 32000) <= 2
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(audio.AudioError, match="not a readable audio file"):
        audio.load_audio(tmp_path / "text.wav")
    with pytest.raises(audio.AudioError, match="no such file"):
        audio.load_audio(tmp_path / "missing.flac")


def test_write_audio_is_lossless_and_refuses_lossy_names(clips, tmp_path):
    wave = clips["asterisk_001"]
    audio.write_audio(tmp_path / "a.wav", wave)
    np.testing.assert_array_equal(audio.load_audio(tmp_path / "a.wav"), wave)
    audio.write_audio(tmp_path / "a.flac", wave)  # 24-bit: within one 24-bit step
    assert np.abs(audio.load_audio(tmp_path / "a.flac") - wave).max() < 2 ** -22
    with pytest.raises(audio.AudioError, match="losslessly"):
        audio.write_audio(tmp_path / "a.mp3", wave)


def test_metrics(clips):
    wave = clips["klettres_003"]
    noise = np.random.default_rng(0).normal(0, 1, wave.size).astype(np.float32)
    noise *= np.sqrt(np.sum(wave ** 2) / np.sum(noise ** 2)) / 10  # 20 dB below the signal
    assert audio.snr_db(wave, wave + noise) == pytest.approx(20, abs=0.01)
    assert audio.log_spectral_distance(wave, wave) == pytest.approx(0, abs=1e-6)
    assert audio.log_spectral_distance(wave, wave + noise) > audio.log_spectral_distance(
        wave, wave + noise / 10) > 0


def _write_clip(path, wave):
    soundfile.write(path, wave, audio.SAMPLE_RATE)
    return str(path)


def test_clips_skip_short_and_unreadable_files(clips, tmp_path):
    files = [_write_clip(tmp_path / f"{name}.wav", wave) for name, wave in clips.items()]
    files.append(_write_clip(tmp_path / "short.wav", clips["asterisk_001"][:16000]))
    (tmp_path / "broken.flac").write_bytes(b"fLaC garbage")
    files.append(str(tmp_path / "broken.flac"))
    assert sorted(audio.list_audio(tmp_path)) == sorted(files)
    loaded = audio.load_clips(files)
    assert len(loaded.waves) == 3
    assert [Path(f).name for f in loaded.too_short] == ["short.wav"]
    assert [Path(f).name for f in loaded.skipped] == ["broken.flac"]
    with pytest.raises(ValueError, match="at least two readable clips"):
        audio.load_clips(files[-2:])


def test_training_and_evaluation_pairs(clips):
    speech = clips["asterisk_001"]
    # A silent clip beside a real one: a pair of two different clips has exactly one silent side.
    loaded = audio.AudioClips([speech, np.zeros_like(speech)], ["speech", "silence"])
    batch = next(iter(audio.training_pairs(loaded, batch_size=6, crop=32, seed=1)))
    assert batch["cover"].shape == batch["secret"].shape == (6, 224, 32, 2)
    for cover, secret in zip(batch["cover"].numpy(), batch["secret"].numpy()):
        silent = [np.all(x == 0.5) for x in (cover, secret)]
        assert sum(silent) == 1
    loaded = audio.AudioClips(list(clips.values()), list(clips))
    val = list(audio.evaluation_pairs(loaded, batch_size=2))
    assert [len(b["cover"]) for b in val] == [2, 1]
    np.testing.assert_allclose(val[0]["cover"][0], audio.audio_to_tensors(
        clips["asterisk_001"][:audio.WINDOW_SAMPLES])[0], atol=1e-6)
    np.testing.assert_allclose(val[0]["secret"][0], audio.audio_to_tensors(
        audio.normalize_peak(clips["klettres_003"][:audio.WINDOW_SAMPLES]))[0], atol=1e-6)


def test_write_audio_makes_folders_and_reports_failures(clips, tmp_path):
    path = audio.write_audio(tmp_path / "new" / "folder" / "a.wav", clips["asterisk_001"][:1000])
    assert path.is_file()
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.wav").mkdir()  # a folder where the file should go
    with pytest.raises(audio.AudioError, match="could not be written"):
        audio.write_audio(tmp_path / "locked" / "a.wav", clips["asterisk_001"][:1000])


def test_stft_round_trip_layer_projects_in_training_only(clips):
    wave = clips["wesnoth_04"][:audio.WINDOW_SAMPLES]
    real = audio.audio_to_tensors(wave)
    rng = np.random.default_rng(0)
    tampered = np.clip(real + rng.normal(0, 0.01, real.shape), 0, 1).astype(np.float32)
    layer = STFTRoundTrip()
    np.testing.assert_array_equal(layer(tampered, training=False), tampered)
    projected = layer(tampered, training=True).numpy()
    # The STFT of a real sound is a fixed point; an arbitrary tensor moves and then is one.
    # (float32: the power-law inverse magnifies rounding in near-silent bins to ~2e-4.)
    assert np.abs(layer(real, training=True) - real).max() < 1e-3
    assert np.abs(projected - tampered).mean() > 1e-3
    assert np.abs(layer(projected, training=True) - projected).mean() < 1e-5
    # Straight-through: the gradient is the identity's, so the hider still learns.
    x = tf.constant(tampered)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x, training=True) * 2.0)
    np.testing.assert_allclose(tape.gradient(y, x), 2.0)
