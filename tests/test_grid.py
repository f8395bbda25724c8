"""keras_steg.grid: finding the 8x8 block grid, and revealing a container cropped off it."""

import numpy as np

from keras_steg.grid import block_grid_offset
from keras_steg.imageio import psnr_uint8
from keras_steg.inference import from_saved_models


def test_finds_blocks_drawn_at_a_known_offset(photos):
    photo = photos[0][:64, :88].astype(np.float64)
    rng = np.random.default_rng(0)
    # A level per 8x8 block whose grid starts 3 rows and 5 columns in.
    levels = rng.normal(0, 12, (10, 13))
    blocks = np.kron(levels, np.ones((8, 8)))[5:5 + 64, 3:3 + 88]
    image = np.clip(photo + blocks[..., None], 0, 255).astype(np.uint8)
    assert block_grid_offset(image) == (3, 5)
    assert block_grid_offset(image[3:, 5:]) == (0, 0)
    assert block_grid_offset(image[:20, :20]) == (0, 0)  # too small to tell


def test_a_shrink_by_two_does_not_move_the_grid(photos):
    """Every even phase of a shrunk-and-enlarged image has the same steps: no grid is found."""
    import cv2

    small = cv2.resize(photos[1], None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    image = cv2.resize(small, photos[1].shape[1::-1], interpolation=cv2.INTER_LINEAR)
    assert block_grid_offset(image) == (0, 0)


def _mosaic(images: list[np.ndarray]) -> np.ndarray:
    """Four photos' top-left 64x96 corners as one 128x192 image: a grid is found over many
    blocks, not the few of one small test photo."""
    tiles = [image[:64, :96] for image in images]
    return np.concatenate([np.concatenate(tiles[:2], axis=1), np.concatenate(tiles[2:], axis=1)])


def test_scnn_robust_reveals_a_container_cropped_off_its_grid(photos):
    steg = from_saved_models("scnn_robust")
    cover, secret = _mosaic(photos[:4]), _mosaic([*photos[1:4], photos[0]])
    container = steg.hide(cover, secret)
    assert block_grid_offset(container) == (0, 0)
    cropped = container[13:, 21:]  # blocks now start 3 rows and 3 columns in
    assert block_grid_offset(cropped) == (3, 3)
    whole = psnr_uint8(secret, steg.reveal(container))
    after_crop = psnr_uint8(secret[13:, 21:], steg.reveal(cropped))
    assert after_crop > whole - 2, (whole, after_crop)
