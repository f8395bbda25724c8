"""Tiled inference: windows that partition the image, and a stitched receiver output equal to
one pass (the R-net's receptive field is smaller than the margin)."""

import numpy as np
import pytest

from keras_steg import build_model
from keras_steg.inference import Steganographer, from_keras
from keras_steg.tiling import spans, tiled_map


@pytest.mark.parametrize("length, tile, margin, multiple", [
    (1024, 256, 32, 32), (4000, 768, 64, 32), (97, 40, 8, 1), (3000, 768, 16, 1)])
def test_spans_partition_the_line_and_keep_away_from_window_borders(length, tile, margin, multiple):
    windows = spans(length, tile, margin, multiple)
    kept = np.zeros(length, int)
    for start, stop, keep_start, keep_stop in windows:
        assert stop - start == tile and 0 <= start and stop <= length
        assert start % multiple == 0
        assert start <= keep_start < keep_stop <= stop
        if keep_start > 0:
            assert keep_start - start >= margin
        if keep_stop < length:
            assert stop - keep_stop >= margin
        kept[keep_start:keep_stop] += 1
    assert (kept == 1).all()


def test_one_window_when_it_fits_and_bad_geometry_fails():
    assert spans(200, 256, 32) == [(0, 200, 0, 200)]
    with pytest.raises(ValueError, match="multiples of 32"):
        spans(1000, 256, 32, 32)
    with pytest.raises(ValueError, match="tile > 2"):
        spans(1000, 64, 32)
    with pytest.raises(ValueError, match="multiples of 32"):
        spans(96, 48, 8, 32)


def test_tiled_map_of_a_pointwise_function_is_exact():
    image = np.random.default_rng(0).random((130, 77, 3), dtype=np.float32)
    out = tiled_map(lambda x: x * 2 + 1, [image], tile=32, margin=4)
    np.testing.assert_array_equal(out, image * 2 + 1)


@pytest.fixture(scope="module")
def scnn_untrained():
    return build_model("scnn")


def test_tiled_reveal_equals_one_pass(scnn_untrained, photos):
    container = np.concatenate([photos[0][:96, :96], photos[1][:96, :96]], axis=1)  # 96 x 192
    tiled = Steganographer(**{**from_keras(scnn_untrained).__dict__, "tile": 48, "receiver_margin": 8})
    one_pass = Steganographer(**{**from_keras(scnn_untrained).__dict__, "tile": None})
    a = tiled.reveal(container).astype(int)
    b = one_pass.reveal(container).astype(int)
    # Equal up to float rounding at an 8-bit boundary (different conv shapes, same maths).
    assert np.abs(a - b).max() <= 1 and (a != b).mean() < 1e-3


def test_hide_where_one_pass_fits_is_one_pass(scnn_untrained, photos):
    cover, secret = photos[0][:64, :96], photos[1][:64, :96]
    tiled = from_keras(scnn_untrained)  # default tile 768: one pass here
    one_pass = Steganographer(**{**tiled.__dict__, "tile": None})
    np.testing.assert_array_equal(tiled.hide(cover, secret), one_pass.hide(cover, secret))


def test_tiled_hide_covers_a_large_odd_sized_image(scnn_untrained, photos):
    rng = np.random.default_rng(1)
    cover = rng.integers(0, 256, (150, 230, 3), dtype=np.uint8)
    secret = rng.integers(0, 256, (150, 230, 3), dtype=np.uint8)
    calls = []
    steg = from_keras(scnn_untrained)
    sender = steg.sender
    steg = Steganographer(lambda c, s: calls.append(c.shape) or sender(c, s), steg.receiver,
                          steg.multiple, tile=96, sender_margin=32)
    container = steg.hide(cover, secret)
    assert container.shape == cover.shape and container.dtype == np.uint8
    assert len(calls) > 1 and all(tuple(s) == (1, 96, 96, 3) for s in calls)


def test_tiled_reveal_with_a_block_context_equals_one_pass(photos):
    """Tiles of a receiver with a block context start on its 8 px grid (receiver_multiple 8),
    so the stitched secret is the one-pass secret at an odd size too."""
    model = build_model("scnn", width=0.125, block_context=8)
    pixels = model.receiver.get_layer("rnet_context_pixels")  # starts at zero: make it count
    pixels.set_weights([np.full(w.shape, 0.05, np.float32) for w in pixels.get_weights()])
    steg = from_keras(model)
    assert steg.receiver_multiple == 8
    container = np.concatenate([photos[0][:90, :90], photos[1][:90, :77]], axis=1)  # 90 x 167
    a = Steganographer(**{**steg.__dict__, "tile": 80, "receiver_margin": 32}).reveal(container)
    b = Steganographer(**{**steg.__dict__, "tile": None}).reveal(container)
    assert a.shape == container.shape
    assert np.abs(a.astype(int) - b).max() <= 1 and (a != b).mean() < 1e-3


def test_tiled_hide_and_reveal_with_qim_equal_one_pass(photos, make_it_count):
    """QIM writes and reads whole 8x8 blocks on the container's grid: sender tiles start at
    multiples of 32 and receiver tiles at multiples of 8, so tiling changes nothing."""
    model = build_model("scnn", width=0.125, qim=4)
    make_it_count(model.receiver, "rnet_qim_pixels")
    steg = from_keras(model)
    cover, secret = photos[0][:96, :160], photos[1][:96, :160]
    tiled = Steganographer(**{**steg.__dict__, "tile": 96, "sender_margin": 32, "receiver_margin": 32})
    whole = Steganographer(**{**steg.__dict__, "tile": None})
    a, b = tiled.hide(cover, secret), whole.hide(cover, secret)
    assert np.abs(a.astype(int) - b).max() <= 1 and (a != b).mean() < 1e-3
    a, b = tiled.reveal(b), whole.reveal(b)
    assert np.abs(a.astype(int) - b).max() <= 1 and (a != b).mean() < 1e-3
