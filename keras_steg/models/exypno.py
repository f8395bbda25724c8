"""ExypnoSteganos: compressor CN, encoder EN and decoder DN on one 15-layer base network.

The base network (paper, Fig. 4) reads its input with three parallel groups of five stacked
convolutions, 5 x Conv(32, 4x4), 5 x Conv(64, 5x5), 5 x Conv(128, 6x6), all ReLU, "same",
stride 1; concatenates them; runs three parallel Conv(32) with kernels 6x6, 5x5, 4x4 on the
result and concatenates those (96 channels). Each subnet is the base network then a 1x1 conv:
CN maps the secret to a secret tensor, EN maps concat(secret tensor, cover) to the stego
image (the container), DN maps the container back to the secret. The sender holds CN + EN,
the receiver DN alone; Gaussian noise between EN and DN in training. One Adam, lr 1e-5 (batch
12 in the paper), loss alpha L(C, C') + beta L(S, S') with alpha 1, beta 0.75 and L the sum of
squared errors (SSE; MSE is reported), ReduceLROnPlateau factor 0.5, patience 3, min_lr 1e-7.

Choices (the paper leaves them open; README says so too): sigmoid on the three 1x1 outputs
(the paper says ReLU everywhere, which can leave [0, 1]); EN's input has cover + secret
channels (the paper's "224*224*3" is a slip); the secret tensor has the secret's channels;
noise standard deviation 0.01 on the [0, 1] scale.

At full width one base network costs ~300 GFLOP per 224x224 image, so ``width`` scales every
filter count (1.0 = the paper) for anything trained on a CPU.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_steg.layers.channel import AUDIO_CHANNELS, build_cover_channel
from keras_steg.models.recipe import PlateauSpec, Recipe
from keras_steg.models.steg_model import StegModel
from keras_steg.models.width import scaled

DESCRIPTION = "ExypnoSteganos: compressor CN + encoder EN sender, decoder DN receiver"

# (filters, kernel) of the three parallel groups; each group is GROUP_DEPTH stacked convs.
GROUPS = ((32, 4), (64, 5), (128, 6))
GROUP_DEPTH = 5
# (filters, kernel) of the three parallel convs that merge the groups.
MERGE = ((32, 6), (32, 5), (32, 4))
NOISE_STDDEV = 0.01
AUDIO_NOISE_STDDEV = 0.002
# He initialisation (choice): with Keras' default Glorot the compressor's ReLUs died within a few
# hundred steps and its output went constant, so the secret was never learnt (measured here).
KERNEL_INIT = "he_normal"

# The paper trains with SSE ("for training, the network SSE was used to evaluate loss").
RECIPE = Recipe(lr=1e-5, alpha=1.0, beta=0.75, loss="sse",
                schedulers=(PlateauSpec("optimizer", "loss", 0.5, 3, min_lr=1e-7),))


def apply_base_network(x, width: float, prefix: str):
    """The 15-layer base network on ``x``: (B, H, W, C) -> (B, H, W, 3 * scaled(32, width)).

    Layer names: ``{prefix}_group{g}_conv{i}`` (g = 1, 2, 3 for the 4x4, 5x5, 6x6 groups),
    ``{prefix}_groups_concat``, ``{prefix}_merge{k}x{k}``, ``{prefix}_merge_concat``.
    """
    groups = []
    for g, (filters, kernel) in enumerate(GROUPS, start=1):
        y = x
        for i in range(1, GROUP_DEPTH + 1):
            y = layers.Conv2D(scaled(filters, width), kernel, padding="same", activation="relu",
                              kernel_initializer=KERNEL_INIT, name=f"{prefix}_group{g}_conv{i}")(y)
        groups.append(y)
    x = layers.Concatenate(name=f"{prefix}_groups_concat")(groups)
    merged = [
        layers.Conv2D(scaled(filters, width), kernel, padding="same", activation="relu",
                      kernel_initializer=KERNEL_INIT, name=f"{prefix}_merge{kernel}x{kernel}")(x)
        for filters, kernel in MERGE
    ]
    return layers.Concatenate(name=f"{prefix}_merge_concat")(merged)


def _to_image(x, channels: int, prefix: str):
    x = layers.Conv2D(channels, 1, name=f"{prefix}_out_conv")(x)
    # float32 output so mixed precision never rounds the image.
    return layers.Activation("sigmoid", dtype="float32", name=f"{prefix}_out_sigmoid")(x)


def base_network(channels: int = 3, width: float = 1.0, name: str = "base") -> keras.Model:
    """The base network alone: (B, H, W, channels) -> (B, H, W, 3 * scaled(32, width)) features.

    Example:
        >>> base_network(3).output.shape
        (None, None, None, 96)
    """
    x = keras.Input((None, None, channels), name="input")
    return keras.Model(x, apply_base_network(x, width, name), name=name)


def compressor(secret_channels: int = 3, width: float = 1.0, name: str = "cn") -> keras.Model:
    """CN: secret (B, H, W, Cs) in [0, 1] -> secret tensor (B, H, W, Cs) in [0, 1]."""
    secret = keras.Input((None, None, secret_channels), name="secret")
    x = apply_base_network(secret, width, name)
    return keras.Model(secret, _to_image(x, secret_channels, name), name=name)


def encoder(cover_channels: int = 3, secret_channels: int = 3, width: float = 1.0,
            name: str = "en") -> keras.Model:
    """EN: ``{"cover": (B, H, W, Cc), "secret_tensor": (B, H, W, Cs)}`` -> stego (B, H, W, Cc),
    all in [0, 1]."""
    cover = keras.Input((None, None, cover_channels), name="cover")
    secret_tensor = keras.Input((None, None, secret_channels), name="secret_tensor")
    x = layers.Concatenate(name=f"{name}_input_concat")([secret_tensor, cover])
    x = apply_base_network(x, width, name)
    stego = _to_image(x, cover_channels, name)
    return keras.Model({"cover": cover, "secret_tensor": secret_tensor}, stego, name=name)


def decoder(cover_channels: int = 3, secret_channels: int = 3, width: float = 1.0,
            name: str = "dn") -> keras.Model:
    """DN: stego (B, H, W, Cc) -> revealed secret (B, H, W, Cs), in [0, 1]."""
    stego = keras.Input((None, None, cover_channels), name="container")
    x = apply_base_network(stego, width, name)
    return keras.Model(stego, _to_image(x, secret_channels, name), name=name)


def sender(cover_channels: int = 3, secret_channels: int = 3, width: float = 1.0,
           name: str = "exypno_sender") -> keras.Model:
    """CN + EN: ``{"cover": (B, H, W, Cc), "secret": (B, H, W, Cs)}`` -> container (B, H, W, Cc)."""
    cover = keras.Input((None, None, cover_channels), name="cover")
    secret = keras.Input((None, None, secret_channels), name="secret")
    secret_tensor = compressor(secret_channels, width)(secret)
    container = encoder(cover_channels, secret_channels, width)(
        {"cover": cover, "secret_tensor": secret_tensor})
    return keras.Model({"cover": cover, "secret": secret}, container, name=name)


def steg_model(cover_channels: int = 3, secret_channels: int = 3, width: float = 1.0,
               noise_stddev: float | None = None, quantize: bool | None = None) -> StegModel:
    """ExypnoSteganos as a StegModel: sender CN + EN, receiver DN.

    Args:
        cover_channels: channels of cover and container (3 for RGB, 2 for an audio STFT).
        secret_channels: channels of the secret.
        width: multiplier of every filter count (1.0 = the paper, ~300 GFLOP per 224 image
            per base network; the cost falls with width squared).
        noise_stddev: Gaussian noise on the container before DN, in training (None: 0.01 for
            image covers; 0.002 for audio covers, whose tensors spread ~5x less, see
            ``keras_steg.data.audio``).
        quantize: also round the container to 8 bits in training (straight-through); None:
            for image covers (saved as 8-bit PNG), not for audio (saved as float WAV).

    An audio container (2 channels) also goes through the STFT round trip in training,
    since saving it as sound projects it onto real spectrograms (``STFTRoundTrip``).
    """
    if noise_stddev is None:
        noise_stddev = AUDIO_NOISE_STDDEV if cover_channels == AUDIO_CHANNELS else NOISE_STDDEV
    return StegModel(
        sender(cover_channels, secret_channels, width),
        decoder(cover_channels, secret_channels, width),
        channel=build_cover_channel(cover_channels, noise_stddev, quantize),
        multiple=1,
        name="exypno",
    )
