"""QIM of luma DCT coefficients: the zigzag, reading back what was written (before and after
8-bit rounding and real JPEG), whatever the cover, chroma untouched, gradients to the message."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_steg.attacks import jpeg as real_jpeg
from keras_steg.layers.jpeg import _RGB_TO_YCC
from keras_steg.layers.qim import QimEmbed, QimPhases, zigzag_positions

K = 10


def _read(phases: np.ndarray) -> np.ndarray:
    """(B, h, w, 2K) sin/cos -> (B, h, w, K) phases in [0, 1)."""
    return np.arctan2(phases[..., :K], phases[..., K:]) / (2 * math.pi) % 1.0


def _phase_error(read: np.ndarray, message: np.ndarray) -> np.ndarray:
    """Distance on the circle of circumference 1."""
    return np.abs((read - message + 0.5) % 1.0 - 0.5)


@pytest.fixture
def covers(photos) -> np.ndarray:
    """(2, 60, 44, 3) float32: real photos at a size that is not a multiple of the 8 px blocks,
    squeezed into [0.2, 0.8] so no written coefficient is clipped away."""
    return 0.2 + 0.6 * np.stack([p[:60, :44] for p in photos[:2]]).astype(np.float32) / 255.0


@pytest.fixture
def message() -> np.ndarray:
    return np.random.default_rng(0).random((2, 8, 6, K), dtype=np.float32)


def test_zigzag_is_jpegs_scan_without_the_dc():
    assert zigzag_positions(10) == [(0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2),
                                    (2, 1), (3, 0), (4, 0)]
    assert zigzag_positions(3, skip_dc=False) == [(0, 0), (0, 1), (1, 0)]
    assert len(set(zigzag_positions(63))) == 63
    with pytest.raises(ValueError, match="1 to 63 coefficients"):
        zigzag_positions(64)


def test_the_receiver_reads_what_the_sender_wrote_whatever_the_cover(covers, message):
    container = QimEmbed(K, 3.0)([covers, message]).numpy()
    assert container.shape == covers.shape and container.dtype == np.float32
    error = _phase_error(_read(QimPhases(K, 3.0)(container).numpy()), message)
    # Whole blocks hold the message exactly; the bottom and right blocks lose the part of the
    # change that fell on the padding (JPEG pads the same way).
    assert error[:, :7, :5].max() < 1e-3
    # Without the embedding the phases are the cover's: unrelated to the message.
    assert _phase_error(_read(QimPhases(K, 3.0)(covers).numpy()), message).mean() > 0.2


def test_the_message_survives_an_8_bit_png_and_real_jpeg_75(covers, message):
    container = QimEmbed(K, 3.0)([covers, message]).numpy()
    saved = np.clip(np.rint(container * 255), 0, 255).astype(np.uint8)
    errors = {}
    for quality in (None, 90, 75, 50):
        image = saved if quality is None else np.stack([real_jpeg(s, quality) for s in saved])
        read = _read(QimPhases(K, 3.0)(image.astype(np.float32) / 255.0).numpy())
        errors[quality] = _phase_error(read, message)[:, :7, :5].mean()
    # JPEG rounds a coefficient by at most half its step q; the lattice step is 3 q at quality
    # 50 and 6 q at 75: a mean error of about 1/24 of a cycle at 75, double at 50.
    assert errors[None] < 0.02 and errors[90] < errors[75] < errors[50]
    assert errors[75] < 0.07 and errors[50] < 0.12


def test_each_coefficient_moves_at_most_half_a_step_and_chroma_stays(covers, message):
    embed = QimEmbed(K, 3.0)
    container = embed([covers, message]).numpy()
    ycc = lambda x: np.einsum("bhwc,kc->bhwk", x * 255.0, _RGB_TO_YCC)  # noqa: E731
    np.testing.assert_allclose(ycc(container)[..., 1:], ycc(covers)[..., 1:], atol=1e-3)
    # Parseval: the luma change of a block is at most the sum of (delta_k / 2)^2.
    change = (ycc(container) - ycc(covers))[..., 0][:, :56, :40]
    blocks = change.reshape(2, 7, 8, 5, 8).transpose(0, 1, 3, 2, 4).reshape(2, 7, 5, 64)
    energy = np.square(blocks).sum(-1)
    assert energy.max() <= np.square(embed._delta / 2).sum() * 1.001
    assert energy.mean() > 0.1 * np.square(embed._delta / 2).sum()  # it did move them


def test_gradient_reaches_the_message_not_the_written_coefficients(covers, message):
    m, x = tf.Variable(message), tf.Variable(covers)
    with tf.GradientTape() as tape:
        phases = QimPhases(K, 3.0)(QimEmbed(K, 3.0)([x, m]))
        loss = tf.reduce_sum(phases[..., 0])  # the sine of the first coefficient's phase
    grad_m, grad_x = tape.gradient(loss, [m, x])
    grad_m, grad_x = grad_m.numpy()[:, :7, :5], grad_x.numpy()[:, :56, :40]  # whole blocks
    assert np.abs(grad_m[..., 0]).min() > 0
    # Each coefficient's phase depends on its own message value only.
    assert np.abs(grad_m[..., 1:]).max() < 1e-4
    # The written coefficient depends on the message only; the container's pixels get no
    # gradient through it (up to float rounding).
    assert np.abs(grad_x).max() < 1e-3
