"""The log-magnitude audio representation, Griffin-Lim, and the phase-passthrough adapter."""

import json
from pathlib import Path

import keras
import numpy as np
import pytest
import soundfile
import tensorflow as tf

from keras_steg import build_model
from keras_steg.data import audio
from keras_steg.data.audio_representations import get_representation
from keras_steg.export import export_model
from keras_steg.inference import from_keras, from_saved_models
from keras_steg.layers.spectrogram import STFTRoundTrip
from keras_steg.media import hide_file, reveal_file
from keras_steg.models.registry import family_config

AUDIO = Path(__file__).parent / "data" / "audio"
MAGNITUDE = get_representation("magnitude")


@pytest.fixture(scope="module")
def clips() -> dict[str, np.ndarray]:
    """The committed real recordings (speech and music), peak-normalised, 16 kHz mono."""
    return {p.stem: audio.normalize_peak(audio.load_audio(p)) for p in sorted(AUDIO.glob("*.flac"))}


def test_round_trip_with_the_phase_is_near_exact_on_real_recordings(clips):
    for name, wave in clips.items():
        covers = MAGNITUDE.cover_tensors(wave)
        assert covers.shape == (audio.window_count(wave.size), 224, 224, 2)
        assert covers.dtype == np.float32 and covers.min() >= 0 and covers.max() <= 1
        back = MAGNITUDE.container_audio(covers)[:wave.size]
        # Only bins 100 dB below full scale are lost: measured 59-69 dB on the training pool.
        assert audio.snr_db(wave, back) > 50, name
        assert audio.log_spectral_distance(wave, back) < 1.0, name
        # A secret is the cover tensor's magnitude channel alone.
        np.testing.assert_array_equal(MAGNITUDE.secret_tensors(wave), covers[..., :1])


def test_griffin_lim_rebuilds_the_spectrum_not_the_waveform(clips):
    wave = clips["klettres_003"]
    rebuilt = MAGNITUDE.secret_audio(MAGNITUDE.secret_tensors(wave))[:wave.size]
    # The magnitude comes back (LSD ~0.6 dB) but the phase is invented, so the waveform SNR
    # is ~0 dB: that is what an audio secret hidden as a magnitude can give back.
    assert audio.log_spectral_distance(wave, rebuilt) < 2.0
    assert audio.snr_db(wave, rebuilt) < 3.0
    noise = np.random.default_rng(0).normal(0, 0.05, wave.shape).astype(np.float32)
    assert audio.log_spectral_distance(wave, rebuilt) < 0.5 * audio.log_spectral_distance(
        wave, wave + noise)


def test_round_trip_layer_in_the_magnitude_representation(clips):
    real = MAGNITUDE.cover_tensors(clips["wesnoth_04"][:audio.WINDOW_SAMPLES])
    layer = STFTRoundTrip("magnitude")
    # A real sound is (nearly) a fixed point: only bins at the -100 dB floor move.
    still = np.abs(layer(real, training=True) - real)[..., 0].mean()
    assert still < 1e-3
    louder = real.copy()
    noise = np.random.default_rng(0).normal(0, 0.02, louder[..., 0].shape)
    louder[..., 0] = np.clip(louder[..., 0] + noise, 0, 1)
    projected = layer(louder, training=True).numpy()
    # Random magnitudes under the old phase are no consistent STFT: the round trip moves them.
    assert np.abs(projected - louder)[..., 0].mean() > 5 * still
    np.testing.assert_array_equal(layer(louder, training=False), louder)
    assert STFTRoundTrip.from_config(layer.get_config()).representation == "magnitude"
    with pytest.raises(ValueError, match="unknown audio representation 'polar'"):
        STFTRoundTrip("polar")


def test_adapter_keeps_the_cover_phase_exactly_under_mixed_precision(clips):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = build_model("scnn", channels=1, audio_representation="magnitude")
    cover = MAGNITUDE.cover_tensors(clips["asterisk_001"])[:, :, :32]
    secret = MAGNITUDE.secret_tensors(clips["wesnoth_04"][:audio.WINDOW_SAMPLES * 2])[:, :, :32]
    for training in (True, False):
        out = model({"cover": cover, "secret": secret}, training=training)
        assert out["container"].shape == cover.shape and out["revealed"].shape == secret.shape
        np.testing.assert_array_equal(out["container"][..., 1], cover[..., 1])
    # The receiver reads the magnitude only: another phase reveals the same secret.
    container = out["container"].numpy()
    shuffled = container.copy()
    shuffled[..., 1] = np.random.default_rng(0).random(shuffled.shape[:-1])
    np.testing.assert_array_equal(model.receiver(container), model.receiver(shuffled))
    assert model.family_config["audio_representation"] == "magnitude"
    assert from_keras(model).audio_representation == "magnitude"


def test_every_family_fits_the_adapter_and_bad_names_fail():
    for family, channels in (("scnn", {"channels": 1}), ("baluja", {"channels": 1, "filters": 4}),
                             ("exypno", {"cover_channels": 1, "secret_channels": 1, "width": 0.0625})):
        model = build_model(family, **channels, audio_representation="magnitude")
        assert model.sender.output.shape[-1] == 2 and model.receiver.output.shape[-1] == 1, family
    with pytest.raises(ValueError, match="audio_representation must be 'magnitude'"):
        family_config("scnn", {"channels": 1, "audio_representation": "phase"})


def test_a_trained_magnitude_model_exports_and_hides_files(clips, tmp_path):
    """A few steps of training lower the loss; the export equals the Keras model and tells
    hide/reveal which representation to use."""
    model = build_model("scnn", channels=1, audio_representation="magnitude")
    model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5),
                  reveal_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    names = sorted(clips)
    covers = np.concatenate([MAGNITUDE.cover_tensors(clips[n])[:1, :, :64] for n in names])
    secrets = np.concatenate([MAGNITUDE.secret_tensors(clips[n])[:1, :, :64] for n in names[1:] + names[:1]])
    data = tf.data.Dataset.from_tensors({"cover": covers, "secret": secrets}).repeat()
    losses = model.fit(data, epochs=3, steps_per_epoch=4, verbose=0).history["loss"]
    assert losses[2] < 0.7 * losses[0]
    folder = export_model(model, tmp_path / "model", keras_file=False)
    meta = json.loads((folder / "metadata.json").read_text())
    assert (meta["cover_channels"], meta["secret_channels"]) == (2, 1)
    steg = from_saved_models(folder)
    assert steg.audio_representation == "magnitude"
    np.testing.assert_allclose(steg.hide_tensors(covers, secrets),
                               model.sender({"cover": covers, "secret": secrets}), atol=1e-5)
    container = hide_file(AUDIO / "klettres_003.flac", AUDIO / "asterisk_001.flac",
                          tmp_path / "c.wav", model=folder)
    assert soundfile.info(container).frames == 3 * audio.WINDOW_SAMPLES
    # The container file is the magnitude tensors with the cover's phase, made sound.
    cover = audio.load_audio(AUDIO / "klettres_003.flac")
    expected = MAGNITUDE.container_audio(steg.hide_tensors(
        MAGNITUDE.cover_tensors(cover, 3),
        MAGNITUDE.secret_tensors(audio.normalize_peak(audio.load_audio(AUDIO / "asterisk_001.flac")), 3)))
    np.testing.assert_array_equal(audio.load_audio(container), expected)
    revealed = reveal_file(container, tmp_path / "r.wav", model=folder)
    assert 0 < soundfile.info(revealed).frames <= 3 * audio.WINDOW_SAMPLES


def test_spectral_loss_weighs_loud_bins_and_ignores_the_phase(clips):
    from keras_steg.losses import get_pixel_loss

    loss = get_pixel_loss("spectral")
    cover = tf.constant(MAGNITUDE.cover_tensors(clips["wesnoth_04"][:audio.WINDOW_SAMPLES]))
    assert float(loss(cover, cover)) == pytest.approx(0, abs=1e-9)
    other_phase = tf.concat([cover[..., :1], 1 - cover[..., 1:]], axis=-1)
    assert float(loss(cover, other_phase)) == pytest.approx(0, abs=1e-9)
    # The same +0.02 (2 dB) on the loudest bins or on as many of the quietest bins: the same
    # log-magnitude MSE, but only the loud change costs SNR.
    magnitude = cover.numpy()[..., 0].reshape(-1)
    order = np.argsort(magnitude)

    def nudged(indices):
        flat = magnitude.copy()
        flat[indices] += 0.02
        return tf.constant(np.concatenate([flat.reshape(cover.shape[:-1] + (1,)), cover[..., 1:]], -1))
    loud, quiet = float(loss(cover, nudged(order[-500:]))), float(loss(cover, nudged(order[:500])))
    assert loud > 2 * quiet > 0


def test_the_sender_changes_the_cover_by_at_most_20_db():
    from keras_steg.models.audio_adapter import MAX_CHANGE, BoundedChange

    cover = tf.constant(np.linspace(0, 1, 11, dtype=np.float32).reshape(1, 1, 11, 1))
    layer = BoundedChange()
    np.testing.assert_allclose(layer([cover, tf.fill(cover.shape, 0.5)]), cover, atol=1e-7)
    up = layer([cover, tf.ones_like(cover)]).numpy()
    np.testing.assert_allclose(up, np.minimum(cover + MAX_CHANGE, 1), atol=1e-6)
    assert BoundedChange.from_config(layer.get_config()).max_change == MAX_CHANGE


def test_cover_loss_can_differ_from_the_secret_loss_and_survives_saving(clips, tmp_path):
    from keras_steg.losses import mse_loss, spectral_loss

    model = build_model("scnn", channels=1, audio_representation="magnitude")
    model.compile(keras.optimizers.Adam(1e-3), reveal_optimizer=keras.optimizers.Adam(1e-3),
                  loss="mse", cover_loss="spectral")
    cover = MAGNITUDE.cover_tensors(clips["asterisk_001"])[:1, :, :32]
    secret = MAGNITUDE.secret_tensors(clips["wesnoth_04"])[:1, :, :32]
    outputs = model({"cover": cover, "secret": secret})
    _, cover_loss, secret_loss = model._compute_losses(cover, secret, outputs)
    assert float(cover_loss) == pytest.approx(float(spectral_loss(cover, outputs["container"])))
    assert float(secret_loss) == pytest.approx(float(mse_loss(secret, outputs["revealed"])))
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    assert reloaded.cover_pixel_loss is spectral_loss and reloaded.pixel_loss is mse_loss
