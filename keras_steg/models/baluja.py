"""Baluja 2017, "Hiding Images in Plain Sight": prep, hiding and reveal networks.

The baseline the SCNN paper compares against. Every layer is three parallel convolutions
(3x3, 4x4, 5x5; 50 filters each, ReLU, "same" padding, stride 1) concatenated to 150 channels:
the prep network (2 layers) transforms the secret, the hiding network (5 layers) reads
concat(cover, prepared secret), the reveal network (5 layers) reads the container; each of the
last two ends in a conv to the image channels. Gaussian noise is added to the container before
the reveal network in training, and ONE Adam trains all three networks.

Choices (the paper gives no more detail): the final conv is 1x1 with a sigmoid (outputs in
[0, 1] like every family here); He initialisation; noise standard deviation 0.01 on the [0, 1]
scale; Adam lr 1e-4 (measured here at 16 filters: the secret PSNR rose from 17.6 to 22.8 dB
in 800 steps at 1e-4, while at 1e-3 with Glorot initialisation it stayed at ~13 dB), plateau
factor 0.2 patience 5 on the validation loss (as SCNN's H-net).
"""

from __future__ import annotations

import keras
from keras import layers

from keras_steg.layers.channel import build_cover_channel
from keras_steg.models.recipe import PlateauSpec, Recipe
from keras_steg.models.steg_model import StegModel

DESCRIPTION = "Baluja 2017: prep (2 layers) + hiding (5 layers) sender, reveal (5 layers) receiver"

KERNELS = (3, 4, 5)
FILTERS = 50
PREP_LAYERS, HIDE_LAYERS, REVEAL_LAYERS = 2, 5, 5
NOISE_STDDEV = 0.01
# He initialisation for the ReLU stacks (choice; with Glorot, ExypnoSteganos' plain ReLU stacks
# died early in training here).
KERNEL_INIT = "he_normal"

RECIPE = Recipe(lr=1e-4, beta=0.75, schedulers=(PlateauSpec("optimizer", "loss", 0.2, 5),))


def apply_three_conv_block(x, filters: int, name: str):
    """One Baluja layer: Conv(k x k, ``filters``) + ReLU for k in 3, 4, 5 on ``x``, concatenated.

    (B, H, W, C) -> (B, H, W, 3 * filters).
    """
    branches = [
        layers.Conv2D(filters, k, padding="same", activation="relu", kernel_initializer=KERNEL_INIT,
                      name=f"{name}_conv{k}x{k}")(x)
        for k in KERNELS
    ]
    return layers.Concatenate(name=f"{name}_concat")(branches)


def _stack(x, depth: int, filters: int, prefix: str):
    for i in range(1, depth + 1):
        x = apply_three_conv_block(x, filters, f"{prefix}_layer{i}")
    return x


def _to_image(x, channels: int, name: str):
    x = layers.Conv2D(channels, 1, name=f"{name}_conv")(x)
    # float32 output so mixed precision never rounds the image.
    return layers.Activation("sigmoid", dtype="float32", name=f"{name}_sigmoid")(x)


def hiding_network(cover_channels: int = 3, secret_channels: int = 3, filters: int = FILTERS,
                   name: str = "baluja_sender") -> keras.Model:
    """Prep network (2 layers on the secret) and hiding network (5 layers on concat(cover,
    prepared secret), then a 1x1 conv): the sender.

    Args:
        cover_channels: channels of the cover and container (3 for RGB).
        secret_channels: channels of the secret.
        filters: filters of each of the three parallel convs of a layer (50 in the paper).
        name: model name.

    Returns:
        ``{"cover": (B, H, W, Cc), "secret": (B, H, W, Cs)} -> container (B, H, W, Cc)``, float
        in [0, 1], any H and W.

    Example:
        >>> hiding_network().count_params()
        2266503
    """
    cover = keras.Input((None, None, cover_channels), name="cover")
    secret = keras.Input((None, None, secret_channels), name="secret")
    prepared = _stack(secret, PREP_LAYERS, filters, "prep")
    x = layers.Concatenate(name="hide_input_concat")([cover, prepared])
    x = _stack(x, HIDE_LAYERS, filters, "hide")
    container = _to_image(x, cover_channels, "hide_out")
    return keras.Model({"cover": cover, "secret": secret}, container, name=name)


def reveal_network(container_channels: int = 3, secret_channels: int = 3, filters: int = FILTERS,
                   name: str = "baluja_receiver") -> keras.Model:
    """Reveal network: 5 three-conv layers on the container, then a 1x1 conv to the secret.

    Returns:
        ``container (B, H, W, Cc) -> revealed (B, H, W, Cs)``, float in [0, 1], any H and W.
    """
    container = keras.Input((None, None, container_channels), name="container")
    x = _stack(container, REVEAL_LAYERS, filters, "reveal")
    secret = _to_image(x, secret_channels, "reveal_out")
    return keras.Model(container, secret, name=name)


def steg_model(channels: int = 3, filters: int = FILTERS, noise_stddev: float = NOISE_STDDEV,
               quantize: bool | None = None) -> StegModel:
    """Baluja's three networks as a StegModel (sender = prep + hide, receiver = reveal).

    Args:
        channels: image channels of cover, container and secret.
        filters: filters per parallel conv (50 in the paper; smaller for a quick CPU run).
        noise_stddev: Gaussian noise on the container before the receiver, in training.
        quantize: also round the container to 8 bits in training (straight-through); None:
            for image covers only (an audio cover meets the STFT round trip instead).
    """
    if filters < 1:
        raise ValueError(f"filters must be >= 1, got {filters}")
    return StegModel(
        hiding_network(channels, channels, filters),
        reveal_network(channels, channels, filters),
        channel=build_cover_channel(channels, noise_stddev, quantize),
        multiple=1,
        name="baluja",
    )
