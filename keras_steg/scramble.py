"""Keyed scrambling of secret images: a passphrase-derived block permutation and per-block
colour inversion, applied before hiding and undone after revealing.

Why: a receiver model that leaks reveals every secret hidden with it; scrambled with a key,
what it reveals is a shuffle of inverted blocks until the right key puts it back.
Design (and its limits, also in README): the passphrase goes through scrypt (n=2^14, r=8,
p=1) with a fixed, public salt (``SALT``): nothing about the key or the secret is stored in
the container, so the same passphrase always gives the same scramble for a given image size.
The 32-byte digest seeds a numpy generator that draws (a) a permutation of the image's
``block`` x ``block`` tiles (pixels in the strips left over at the right and bottom are
permuted among themselves one by one) and (b) for every tile and colour channel whether it is
inverted (x -> 255 - x). This hides the secret's content from a casual look and from anyone
without the key; it is obfuscation, not authenticated encryption: each tile's content
survives, so a determined attacker could try to solve the jigsaw, and nothing detects
tampering or a wrong key.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

SALT = b"keras_steg/scramble/v1"
BLOCK = 16
# Video secrets are scrambled in groups of this many consecutive frames: blocks move between
# the frames of a group (the ExypnoSteganos paper's "shuffling blocks" across frames), and only
# one group is held in memory.
FRAME_GROUP = 8


@lru_cache(maxsize=16)
def derive_key(passphrase: str) -> bytes:
    """Passphrase -> 32-byte key by scrypt (n=2^14, r=8, p=1, fixed salt ``SALT``).
    ValueError on an empty passphrase."""
    if not passphrase:
        raise ValueError("the key must not be empty")
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=SALT, n=2 ** 14, r=8, p=1, dklen=32)


@lru_cache(maxsize=16)
def _scramble_plan(key: bytes, height: int, width: int, channels: int, block: int):
    """(source index of every pixel of the scrambled image, inversion mask (H, W, C) bool)."""
    rng = np.random.default_rng(list(key) + [height, width, channels, block])
    rows, cols = height // block, width // block
    # int32 halves the cached plan (a group of 8 720p frames is 7.4 M pixels).
    index = np.arange(height * width, dtype=np.int32).reshape(height, width)
    source = index.copy()
    if rows and cols:
        tiles = index[:rows * block, :cols * block].reshape(rows, block, cols, block).swapaxes(1, 2)
        tiles = tiles.reshape(rows * cols, block, block)[rng.permutation(rows * cols)]
        source[:rows * block, :cols * block] = tiles.reshape(rows, cols, block, block) \
            .swapaxes(1, 2).reshape(rows * block, cols * block)
    edge = np.ones((height, width), bool)
    edge[:rows * block, :cols * block] = False
    source[edge] = rng.permutation(index[edge])
    tile_flips = rng.random((max(rows, 1), max(cols, 1), channels)) < 0.5
    flips = np.repeat(np.repeat(tile_flips, block, 0), block, 1)
    flips = np.pad(flips, ((0, max(0, height - flips.shape[0])), (0, max(0, width - flips.shape[1])),
                           (0, 0)), mode="edge")[:height, :width]
    return source.reshape(-1), flips


def _check(image: np.ndarray, key: bytes) -> np.ndarray:
    if not isinstance(key, bytes) or len(key) != 32:
        raise ValueError("the key must be the 32 bytes derive_key(passphrase) returns")
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3:
        raise ValueError("scrambling works on uint8 (H, W, C) images")
    return image


def scramble(image: np.ndarray, key: bytes, block: int = BLOCK) -> np.ndarray:
    """uint8 (H, W, C) secret -> its keyed scramble, uint8 (H, W, C). ``key`` from
    ``derive_key``; ``unscramble`` with the same key and block size undoes it exactly."""
    image = _check(image, key)
    height, width, channels = image.shape
    source, flips = _scramble_plan(key, height, width, channels, block)
    moved = image.reshape(height * width, channels)[source].reshape(image.shape)
    return np.where(flips, 255 - moved, moved).astype(np.uint8)


def unscramble(image: np.ndarray, key: bytes, block: int = BLOCK) -> np.ndarray:
    """The inverse of ``scramble``: uint8 (H, W, C) -> uint8 (H, W, C)."""
    image = _check(image, key)
    height, width, channels = image.shape
    source, flips = _scramble_plan(key, height, width, channels, block)
    restored = np.where(flips, 255 - image, image).reshape(height * width, channels)
    out = np.empty_like(restored)
    out[source] = restored
    return out.reshape(image.shape)


def scramble_frames(frames: list[np.ndarray], key: bytes, block: int = BLOCK) -> list[np.ndarray]:
    """Consecutive uint8 (H, W, C) video frames of one size -> as many scrambled frames, the
    blocks shuffled across all of them: the frames are stacked into one (N*H, W, C) image and
    scrambled as one. ``unscramble_frames`` on the same number of frames undoes it exactly."""
    return np.split(scramble(_stack(frames), key, block), len(frames), axis=0)


def _stack(frames: list[np.ndarray]) -> np.ndarray:
    """One (N*H, W, C) image of N frames; ValueError unless there are frames, all of one shape
    (stacking frames of mixed heights would split back at the wrong rows)."""
    if not len(frames):
        raise ValueError("no frames to scramble")
    if any(np.shape(f) != np.shape(frames[0]) for f in frames):
        raise ValueError("frames scrambled together must all have one shape")
    return np.concatenate(frames, axis=0)


def unscramble_frames(frames: list[np.ndarray], key: bytes, block: int = BLOCK) -> list[np.ndarray]:
    """The inverse of ``scramble_frames``: N uint8 (H, W, C) frames -> N frames."""
    return np.split(unscramble(_stack(frames), key, block), len(frames), axis=0)


def random_scramble(image: np.ndarray, rng: np.random.Generator, block: int = BLOCK) -> np.ndarray:
    """Scramble with a fresh random key: the training augmentation that teaches a model to
    hide scrambled secrets, whatever key its users pick. uint8 (H, W, C) -> uint8."""
    return scramble(image, rng.bytes(32), block)
