"""The training-time channel layers: shapes, value ranges, gradients, identity at zero strength,
the JPEG surrogate against real JPEG, the spec parser and the composite Channel."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_steg.attacks import jpeg as real_jpeg
from keras_steg.layers import (
    Channel,
    DifferentiableJpeg,
    Identity,
    RandomCrop,
    RandomGaussianNoise,
    RandomResize,
    jpeg_approximation,
    parse_channel,
)
from keras_steg.metrics import psnr

ATTACKS = {
    "noise": lambda: RandomGaussianNoise(0.05, seed=1),
    "jpeg": lambda: DifferentiableJpeg(30, 60, seed=1),
    "crop": lambda: RandomCrop(0.5, seed=1),
    "resize": lambda: RandomResize(0.5, seed=1),
}


@pytest.fixture
def images(photos) -> np.ndarray:
    """(2, 48, 64, 3) float32 in [0, 1]: two real photos, not square, not multiples of 16."""
    return np.stack([p[:48, :64] for p in photos[:2]]).astype(np.float32) / 255.0


@pytest.mark.parametrize("name", ATTACKS)
def test_inactive_outside_training_active_in_training(name, images):
    layer = ATTACKS[name]()
    np.testing.assert_array_equal(layer(images, training=False), images)
    attacked = np.asarray(layer(images, training=True))
    assert attacked.dtype == np.float32 and attacked.shape[-1] == 3
    if name == "crop":
        assert attacked.shape[1] <= 48 and attacked.shape[2] <= 64
    else:
        assert attacked.shape == images.shape
        assert np.abs(attacked - images).mean() > 1e-3  # it did something
    if name != "noise":  # noise may leave [0, 1]; the quantizer after it clips
        assert attacked.min() >= 0 and attacked.max() <= 1


@pytest.mark.parametrize("name", ATTACKS)
def test_gradient_reaches_the_container(name, images):
    layer = ATTACKS[name]()
    x = tf.Variable(images)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(layer(x, training=True)))
    grad = tape.gradient(loss, x)
    assert grad is not None and float(tf.reduce_sum(tf.abs(grad))) > 0


@pytest.mark.parametrize("layer", [RandomGaussianNoise(0.0), RandomCrop(1.0), RandomResize(1.0),
                                   Identity()], ids=["noise0", "crop1", "resize1", "none"])
def test_identity_at_zero_strength(layer, images):
    np.testing.assert_allclose(layer(images, training=True), images, atol=1e-6)


def test_jpeg_pads_any_size_like_libjpeg():
    tiny = np.random.default_rng(0).random((1, 4, 5, 3), dtype=np.float32)
    assert jpeg_approximation(tiny, tf.constant([90.0])).shape == (1, 4, 5, 3)


def test_jpeg_tables_use_libjpeg_integer_scaling():
    from keras_steg.layers.jpeg import LUMA_TABLE, quality_tables

    luma, _ = quality_tables(tf.constant([30.0]))
    # libjpeg: scale = 5000 // 30 = 166; entry = (table * scale + 50) // 100, clipped to [1, 255].
    expected = np.clip((np.asarray(LUMA_TABLE) * 166 + 50) // 100, 1, 255)
    np.testing.assert_array_equal(np.asarray(luma)[0, 0, 0], expected)


def test_jpeg_at_quality_100_without_subsampling_is_near_identity(images):
    out = jpeg_approximation(images, tf.fill([2], 100.0), subsample_chroma=False)
    assert float(tf.reduce_min(psnr(images, out))) > 45


@pytest.mark.parametrize("quality", [50, 75, 95])
def test_jpeg_approximation_matches_real_jpeg(photos, quality):
    photo = photos[0]
    approx = jpeg_approximation(photo[None].astype(np.float32) / 255, tf.constant([float(quality)]))
    real = real_jpeg(photo, quality).astype(np.float32) / 255
    # Same codec steps, differing only in libjpeg's integer DCT and fancy upsampling.
    assert float(psnr(real[None], approx)[0]) > 35
    # ... and closer to real JPEG than the original is: it models the codec's loss.
    assert float(psnr(real[None], approx)[0]) > float(psnr(real[None], photo[None] / 255)[0]) + 1


def _jpeg_gradient(images: np.ndarray, direction: np.ndarray, rounding: str) -> float:
    """d JPEG-75(images + t * direction) / dt at t = 0, projected back on ``direction``."""
    t = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        out = jpeg_approximation(images + t * direction, tf.fill([len(images)], 75.0), rounding)
        projected = tf.reduce_sum(out * direction)
    return float(tape.gradient(projected, t))


def test_dead_zone_rounding_passes_little_gradient_through_zeroed_coefficients(photos):
    photo = photos[0][None, :32, :32].astype(np.float32) / 255
    quality = tf.constant([75.0])
    # A one-level checkerboard: JPEG 75 keeps almost none of it (its DCT coefficient, the
    # highest, is far below half a quantization step) ...
    checker = (np.indices((32, 32)).sum(0) % 2 * 2 - 1)[None, :, :, None] / 255.0
    checker = np.repeat(checker, 3, axis=-1).astype(np.float32)
    kept = jpeg_approximation(photo + checker, quality) - jpeg_approximation(photo, quality)
    assert float(tf.reduce_sum(kept * checker)) < 0.2 * float(np.sum(checker ** 2))
    # ... yet straight-through passes its gradient whole; the dead zone passes little of it.
    whole = float(np.sum(checker ** 2))
    assert _jpeg_gradient(photo, checker, "straight_through") == pytest.approx(whole, rel=0.05)
    assert _jpeg_gradient(photo, checker, "dead_zone") < 0.5 * whole
    # A smooth change survives JPEG: there both give the same gradient, and the same forward.
    ramp = np.broadcast_to(np.linspace(-0.1, 0.1, 32, dtype=np.float32)[None, None, :, None],
                           photo.shape).copy()
    assert _jpeg_gradient(photo, ramp, "dead_zone") == pytest.approx(
        _jpeg_gradient(photo, ramp, "straight_through"), rel=0.05)
    np.testing.assert_array_equal(jpeg_approximation(photo, quality, "dead_zone"),
                                  jpeg_approximation(photo, quality))


def test_lower_jpeg_quality_loses_more(photos):
    photo = photos[1][None].astype(np.float32) / 255
    scores = [float(psnr(photo, jpeg_approximation(photo, tf.constant([q])))[0]) for q in (95.0, 75.0, 30.0)]
    assert scores[0] > scores[1] > scores[2]


def test_crop_moves_the_secret_with_the_container(images):
    crop = RandomCrop(0.5, seed=3)
    container, secret = crop.attack_pair(tf.constant(images), tf.constant(images * 0.5))
    assert container.shape == secret.shape
    np.testing.assert_allclose(secret, np.asarray(container) * 0.5, atol=1e-6)


def test_noise_strength_follows_sigma():
    flat = np.full((4, 64, 64, 3), 0.5, np.float32)
    out = RandomGaussianNoise(0.02, min_stddev=0.02, seed=0)(flat, training=True)
    assert np.std(np.asarray(out) - flat) == pytest.approx(0.02, rel=0.1)


def test_parse_channel_builds_the_listed_attacks():
    channel = parse_channel("quantize,none,jpeg:50-95,noise:0.02,crop:0.8,resize:0.5", seed=0)
    assert [type(a) for a in channel.attacks] == [Identity, DifferentiableJpeg, RandomGaussianNoise,
                                                  RandomCrop, RandomResize]
    jpeg = channel.attacks[1]
    assert (jpeg.min_quality, jpeg.max_quality) == (50, 95)
    assert channel.quantizer is not None
    assert parse_channel("noise:0.01").quantizer is None
    assert parse_channel("noise:1e-3-2e-2").attacks[0].max_stddev == pytest.approx(0.02)
    assert jpeg.rounding == "straight_through"
    assert parse_channel("jpeg-gradient:dead-zone,jpeg:50-90").attacks[0].rounding == "dead_zone"


@pytest.mark.parametrize("spec, message", [
    ("blur:3", "unknown channel attack"),
    ("jpeg:abc", "not a number"),
    ("jpeg:50-60-70", "expected NUMBER or LOW-HIGH"),
    ("noise:0.1,noise:0.2", "twice"),
    ("jpeg:0-50", "JPEG quality"),
    ("crop:1.5", "crop fraction"),
    ("none:3", "takes no value"),
    ("jpeg-gradient:smooth,jpeg:50", "JPEG gradient is one of"),
    ("jpeg-gradient:dead-zone,noise:0.02", "no jpeg attack"),
    ("jpeg-gradient:dead-zone,jpeg-gradient:straight-through,jpeg:50", "jpeg-gradient twice"),
])
def test_parse_channel_rejects_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_channel(spec)


def test_channel_quantizes_after_the_attack_and_round_trips_through_keras(images, tmp_path):
    channel = parse_channel("quantize,noise:0.03", seed=0)
    out = np.asarray(channel(images, training=True))
    np.testing.assert_allclose(out * 255, np.round(out * 255), atol=1e-3)  # on the 8-bit grid
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(channel(images, training=False), images)

    model = keras.Sequential([keras.Input((None, None, 3)), channel])
    model.save(tmp_path / "channel.keras")
    loaded = keras.saving.load_model(tmp_path / "channel.keras").layers[-1]
    assert isinstance(loaded, Channel)
    assert [type(a) for a in loaded.attacks] == [RandomGaussianNoise]
    assert loaded.attacks[0].max_stddev == pytest.approx(0.03)
    assert loaded.quantizer is not None


def test_channel_picks_one_attack_per_batch_in_graph_mode(images):
    channel = parse_channel("none,crop:0.5", seed=0)
    step = tf.function(lambda pair: channel(pair, training=True))
    shapes = set()
    for _ in range(12):
        out = step({"container": tf.constant(images), "secret": tf.constant(images)})
        assert out["container"].shape == out["secret"].shape
        shapes.add(tuple(out["container"].shape))
    assert (2, 48, 64, 3) in shapes and len(shapes) > 1  # both the clean and cropped branches ran


def test_per_image_channel_mixes_attacks_within_one_batch():
    """Each image draws its own attack: in one batch of flat grey images some come out clean
    and some noisy, and across calls the draw changes; gradients reach every image."""
    channel = parse_channel("per-image,none,noise:0.2-0.2", seed=0)
    assert channel.per_image
    flat = tf.Variable(tf.fill((16, 8, 8, 3), 0.5))
    step = tf.function(lambda x: channel(x, training=True))
    noisy = [np.asarray(step(flat)).std(axis=(1, 2, 3)) > 0.1 for _ in range(2)]
    for drawn in noisy:
        assert 0 < drawn.sum() < 16  # both attacks in the same batch
    assert not np.array_equal(noisy[0], noisy[1])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(channel(flat, training=True))
    np.testing.assert_allclose(tape.gradient(loss, flat), 1.0)
    np.testing.assert_array_equal(channel(flat, training=False), flat)


def test_per_image_channel_round_trips_and_refuses_a_crop(tmp_path):
    model = keras.Sequential([keras.Input((None, None, 3)),
                              parse_channel("quantize,per-image,none,jpeg:50-95", seed=0)])
    model.save(tmp_path / "channel.keras")
    assert keras.saving.load_model(tmp_path / "channel.keras").layers[-1].per_image
    with pytest.raises(ValueError, match="crop does not"):
        parse_channel("per-image,none,crop:0.5")
    assert not parse_channel("none,crop:0.5").per_image


def test_quantizer_rounds_to_8_bits_with_a_straight_through_gradient(images):
    from keras_steg.layers import Quantize8Bit

    layer = Quantize8Bit()
    x = tf.Variable(images + 0.001)
    with tf.GradientTape() as tape:
        out = layer(x, training=True)
        loss = tf.reduce_sum(out * 2.0)
    np.testing.assert_allclose(np.asarray(out), np.round(np.clip(images + 0.001, 0, 1) * 255) / 255,
                               atol=1e-6)
    np.testing.assert_allclose(tape.gradient(loss, x), np.full(images.shape, 2.0))  # identity backward
    np.testing.assert_array_equal(layer(images + 0.001, training=False), images + 0.001)
