"""The LSB baseline and keyed scrambling: exact round trips on real photos."""

import cv2
import numpy as np
import pytest

from keras_steg.imageio import psnr_uint8 as _psnr
from keras_steg.scramble import (
    BLOCK,
    derive_key,
    random_scramble,
    scramble,
    scramble_frames,
    unscramble,
    unscramble_frames,
)
from keras_steg.steganalysis.diffmap import change_stats, diff_map
from keras_steg.steganalysis.lsb import lsb_embed_message, lsb_hide, lsb_reveal


@pytest.mark.parametrize("bits", [1, 3, 7])
def test_lsb_keeps_the_secrets_top_bits_and_changes_only_low_bits(photos, bits):
    cover, secret = photos[0], photos[1][:photos[0].shape[0], :photos[0].shape[1]]
    container = lsb_hide(cover, secret, bits)
    assert container.dtype == np.uint8 and container.shape == cover.shape
    assert np.all(container >> bits == cover >> bits)
    revealed = lsb_reveal(container, bits)
    assert np.all(revealed >> (8 - bits) == secret >> (8 - bits))
    assert np.max(np.abs(revealed.astype(int) - secret)) < 2 ** (8 - bits)


def test_lsb_bad_bits_and_random_message(photos):
    with pytest.raises(ValueError, match="1 to 7 bits"):
        lsb_hide(photos[0], photos[0], 0)
    with pytest.raises(ValueError, match="cover's shape"):
        lsb_hide(photos[0], photos[0][:10], 3)
    stego = lsb_embed_message(photos[0], 0.5, np.random.default_rng(0), 1)
    changed = np.mean(stego != photos[0])
    assert 0.2 < changed < 0.3  # half the samples carry a bit, half of those already matched
    assert np.max(np.abs(stego.astype(int) - photos[0])) == 1


@pytest.mark.parametrize("shape", [(72, 96), (16, 16), (50, 33), (8, 5)])
def test_scramble_is_undone_exactly_by_the_same_key_only(photos, shape):
    image = np.ascontiguousarray(np.resize(photos[2], (*shape, 3)).astype(np.uint8))
    key = derive_key("correct horse battery staple")
    scrambled = scramble(image, key)
    assert scrambled.shape == image.shape and scrambled.dtype == np.uint8
    assert np.array_equal(unscramble(scrambled, key), image)
    assert np.array_equal(scramble(image, derive_key("correct horse battery staple")), scrambled)
    if shape[0] >= BLOCK:
        assert not np.array_equal(unscramble(scrambled, derive_key("Correct horse battery staple")), image)


def test_wrong_key_gives_an_unrecognisable_photo(photos):
    image = photos[0]
    scrambled = scramble(image, derive_key("k1"))
    assert _psnr(unscramble(scrambled, derive_key("k2")), image) < 12
    assert _psnr(scrambled, image) < 12  # and the scramble itself shows nothing
    assert _psnr(random_scramble(image, np.random.default_rng(0)), image) < 12
    with pytest.raises(ValueError, match="must not be empty"):
        derive_key("")
    with pytest.raises(ValueError, match="32 bytes"):
        scramble(image, "a passphrase, not a key")


def test_change_stats_and_diff_map_png(photos, tmp_path):
    cover = photos[0]
    container = lsb_hide(cover, photos[1][:72, :96], 2)
    stats = change_stats(cover, container)
    assert 0.5 < stats["changed"] <= 1 and stats["max_abs"] <= 3
    path = diff_map(cover, container, tmp_path / "d.png", "lsb 2")
    figure = cv2.imread(str(path))
    assert figure is not None and figure.shape[1] > figure.shape[0]  # a wide figure
    with pytest.raises(ValueError, match="differ in size"):
        change_stats(cover, cover[:10])


def test_frame_scramble_moves_blocks_between_frames_and_is_undone_exactly():
    # Five 48x40 frames, each one flat grey level (frame i: 20 + 40 i), so a block's origin shows.
    levels = [20 + 40 * i for i in range(5)]
    frames = [np.full((48, 40, 3), v, np.uint8) for v in levels]
    key = derive_key("frames")
    scrambled = scramble_frames(frames, key)
    assert [f.shape for f in scrambled] == [f.shape for f in frames]
    # Blocks come from several frames (a level v may appear inverted, as 255 - v).
    origins = {min(v, 255 - v) for v in np.unique(scrambled[0])}
    assert len(origins & {min(v, 255 - v) for v in levels}) >= 3
    for a, b in zip(unscramble_frames(scrambled, key), frames):
        np.testing.assert_array_equal(a, b)
    wrong = unscramble_frames(scrambled, derive_key("not frames"))
    assert not all(np.array_equal(a, b) for a, b in zip(wrong, frames))
    with pytest.raises(ValueError, match="one shape"):
        scramble_frames([frames[0], frames[1][:32]], key)
    with pytest.raises(ValueError, match="no frames"):
        scramble_frames([], key)
