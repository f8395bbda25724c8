"""SCNN networks: the U-Net hiding network H-net (Fig. 2) and the reveal network R-net (Fig. 3).

Paper: "Simultaneous CNN steganography" (SCNN). Fig. 2 is a torchsummary print of pix2pix's
5-level ``UnetGenerator`` with ngf = 50 (the DDH code SCNN follows); layer names below follow
the figure: ``hnet_down{level}_*`` on the way down, ``hnet_up{level}_*`` on the way up, level 1
being the outermost (full resolution) one.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_steg import fused_batchnorm
from keras_steg.layers.block_alignment import CropToMatch, PadToBlocks
from keras_steg.layers.channel import build_cover_channel
from keras_steg.layers.jpeg import BLOCK as JPEG_BLOCK
from keras_steg.layers.qim import QimEmbed, QimPhases
from keras_steg.models.recipe import PlateauSpec, Recipe
from keras_steg.models.steg_model import StegModel
from keras_steg.models.width import scaled_all

# PyTorch's BatchNorm momentum 0.1 is Keras' 0.9. Keras' default 0.99 makes the
# inference-mode statistics lag far behind training in the short runs we can afford on a CPU.
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5
# pix2pix / DDH initialisation: conv weights N(0, 0.02), BN gamma N(1, 0.02).
CONV_INIT_STDDEV = 0.02

# Filters per U-Net level (level 1 = outermost). ngf = 50 in Fig. 2.
HNET_FILTERS = (50, 100, 200, 400, 400)
# R-net: five Conv-BN-ReLU layers then Conv(3)-Sigmoid (Fig. 3).
RNET_FILTERS = (64, 128, 256, 128, 64)
# QIM paths (not in the paper): coefficients per 8x8 luma block, lattice step in units of the
# standard luma table, and the width of the message encoder and of the phase reader.
QIM_STEP = 3.0
QIM_FILTERS = 128
# Five stride-2 levels: inputs must be multiples of 2**5.
HNET_MULTIPLE = 2 ** len(HNET_FILTERS)

DESCRIPTION = "SCNN: H-net (Fig. 2) sender, R-net (Fig. 3) receiver, filters x width (1 = the paper)"

# DDH/SCNN training: two Adams (lr 1e-3, beta_1 0.5), H-net reduced on the validation total
# loss (patience 5), R-net on the validation secret loss (patience 8), factor 0.2.
RECIPE = Recipe(
    lr=1e-3, reveal_lr=1e-3, beta_1=0.5, beta=0.75,
    schedulers=(PlateauSpec("optimizer", "loss", 0.2, 5),
                PlateauSpec("reveal_optimizer", "secret_loss", 0.2, 8)),
)


def _conv_init(seed: int | None = None) -> keras.initializers.Initializer:
    return keras.initializers.RandomNormal(0.0, CONV_INIT_STDDEV, seed=seed)


def _batch_norm(name: str) -> fused_batchnorm.BatchNormalization:
    # A Keras BatchNormalization whose training pass is one fused kernel (same weights, same
    # results): 1.22x faster bf16 training steps (benchmarks/results/train_speed.md).
    return fused_batchnorm.BatchNormalization(
        momentum=BN_MOMENTUM,
        epsilon=BN_EPSILON,
        gamma_initializer=keras.initializers.RandomNormal(1.0, CONV_INIT_STDDEV),
        name=name,
    )


def _down_conv(filters: int, name: str) -> layers.Conv2D:
    return layers.Conv2D(
        filters, 4, strides=2, padding="same", kernel_initializer=_conv_init(), name=name
    )


def _up_conv(filters: int, name: str) -> layers.Conv2DTranspose:
    return layers.Conv2DTranspose(
        filters, 4, strides=2, padding="same", kernel_initializer=_conv_init(), name=name
    )


def apply_unet_level(x, level: int, filters: tuple[int, ...], out_channels: int):
    """One pix2pix U-Net level and, recursively, all levels inside it.

    Args:
        x: feature map entering this level, (B, H, W, C).
        level: 1 for the outermost level, ``len(filters)`` for the innermost.
        filters: filters of the down conv of every level, outermost first.
        out_channels: channels the outermost up conv produces (the image channels).

    Returns:
        The level's output: (B, H, W, out_channels) in [0, 1] for the outermost level,
        else concat([x, up]) with 2 * C channels ("SkipConnection" rows of Fig. 2).
    """
    depth = len(filters)
    prefix = f"hnet_down{level}"
    y = x
    if level > 1:
        y = layers.LeakyReLU(0.2, name=f"{prefix}_lrelu")(y)
    y = _down_conv(filters[level - 1], f"{prefix}_conv")(y)
    if 1 < level < depth:
        y = _batch_norm(f"{prefix}_bn")(y)

    if level < depth:
        y = apply_unet_level(y, level + 1, filters, out_channels)

    prefix = f"hnet_up{level}"
    y = layers.ReLU(name=f"{prefix}_relu")(y)
    if level == 1:
        y = _up_conv(out_channels, f"{prefix}_convt")(y)
        # Output activation in float32 so mixed precision never rounds the container.
        return layers.Activation("sigmoid", dtype="float32", name=f"{prefix}_sigmoid")(y)
    # The up conv restores the channels this level received (filters of the level above).
    y = _up_conv(filters[level - 2], f"{prefix}_convt")(y)
    y = _batch_norm(f"{prefix}_bn")(y)
    return layers.Concatenate(name=f"hnet_skip{level}")([x, y])


def _check_qim_channels(qim: int, channels: int) -> None:
    """QIM reads and writes the luma of RGB images: ValueError for other channel counts."""
    if qim and channels != 3:
        raise ValueError(f"QIM writes into the luma of RGB covers, not {channels} channels")


def hiding_network(
    cover_channels: int = 3,
    secret_channels: int = 3,
    filters: tuple[int, ...] = HNET_FILTERS,
    qim: int = 0,
    qim_step: float = QIM_STEP,
    name: str = "hnet",
) -> keras.Model:
    """H-net of SCNN (Fig. 2): a 5-level U-Net from concat(cover, secret) to the container.

    Args:
        cover_channels: channels of the cover (3 for RGB).
        secret_channels: channels of the secret (3 for RGB).
        filters: down-conv filters per level, outermost first; the paper's (50, 100, 200, 400, 400).
        qim: 0 for the paper's H-net; else (not in the paper, RGB covers only) the U-Net's
            container gets ``qim_message(secret)`` written into this many luma DCT
            coefficients per 8x8 block by ``QimEmbed`` with lattice step ``qim_step``.
        qim_step: the QIM lattice step in units of the standard luma quantization table.
        name: model name.

    Returns:
        A functional model ``{"cover": (B, H, W, Cc), "secret": (B, H, W, Cs)} -> container
        (B, H, W, Cc)``, all float in [0, 1]; H and W must be multiples of ``2 ** len(filters)``.

    Example:
        >>> hnet = hiding_network()
        >>> hnet.count_params()
        10174403
    """
    cover = keras.Input((None, None, cover_channels), name="cover")
    secret = keras.Input((None, None, secret_channels), name="secret")
    # The paper concatenates cover and secret into one 6-channel image.
    x = layers.Concatenate(name="hnet_input_concat")([cover, secret])
    container = apply_unet_level(x, 1, tuple(filters), cover_channels)
    _check_qim_channels(qim, cover_channels)
    if qim:
        container = QimEmbed(qim, qim_step, name="hnet_qim_embed")(
            [container, qim_message(secret, qim)])
    return keras.Model({"cover": cover, "secret": secret}, container, name=name)


def _block_features(image: keras.KerasTensor, filters: int, name: str,
                    initializer: str | keras.initializers.Initializer) -> keras.KerasTensor:
    """(B, H, W, C) -> ReLU features of each 8x8 block on the JPEG grid (the image padded to
    whole blocks as libjpeg pads it): (B, ceil(H/8), ceil(W/8), filters)."""
    x = PadToBlocks(JPEG_BLOCK, name=f"{name}_pad")(image)
    x = layers.Conv2D(filters, JPEG_BLOCK, strides=JPEG_BLOCK, padding="valid",
                      kernel_initializer=initializer, name=f"{name}_blocks")(x)
    return layers.ReLU(name=f"{name}_blocks_relu")(x)


def _block_features_to_logits(x: keras.KerasTensor, container: keras.KerasTensor,
                              secret_channels: int, filters: int, name: str,
                              initializer: str | keras.initializers.Initializer | None = None,
                              ) -> keras.KerasTensor:
    """Three 3x3 conv-ReLUs over block features (B, H/8, W/8, F), then a transposed 8x8 stride-8
    conv back to pixels, cropped to ``container``: (B, H, W, secret_channels) float32 logits,
    all zeros until trained (the last layer starts at zero, so a network grown by this branch
    starts as it was). A pixel sees its own and the 3 blocks on each side (up to 31 px away).
    ``initializer``: of the 3x3 convs (default: pix2pix's N(0, 0.02))."""
    for i in (1, 2, 3):
        x = layers.Conv2D(filters, 3, padding="same", kernel_initializer=initializer or _conv_init(),
                          name=f"{name}_conv{i}")(x)
        x = layers.ReLU(name=f"{name}_conv{i}_relu")(x)
    x = layers.Conv2DTranspose(secret_channels, JPEG_BLOCK, strides=JPEG_BLOCK,
                               kernel_initializer="zeros", name=f"{name}_pixels")(x)
    return CropToMatch(dtype="float32", name=f"{name}_crop")([x, container])


def block_context_logits(container: keras.KerasTensor, secret_channels: int, filters: int,
                         name: str = "rnet_context") -> keras.KerasTensor:
    """Not in the paper: a correction to the R-net's output logits from the 8x8 JPEG blocks
    around each pixel (7x7 blocks, 56 px, where the R-net sees 13 px). A JPEG error is spread
    over whole blocks and the 4:2:0 chroma over 16x16 pixels, beyond the R-net's field.

    Args:
        container: (B, H, W, C) float container, its JPEG grid at the top-left corner.
        secret_channels: channels of the correction.
        filters: channels of the block features.
        name: prefix of the layer names.

    Returns:
        (B, H, W, secret_channels) float32, all zeros until trained (see
        ``_block_features_to_logits``).
    """
    x = _block_features(container, filters, name, _conv_init())
    return _block_features_to_logits(x, container, secret_channels, filters, name)


def qim_message(secret: keras.KerasTensor, coefficients: int, filters: int = QIM_FILTERS,
                name: str = "hnet_qim") -> keras.KerasTensor:
    """Not in the paper: the message the sender writes into ``coefficients`` luma DCT
    coefficients of every 8x8 block (``keras_steg.layers.qim``), computed from the secret's
    blocks around it (5x5 blocks).

    Args:
        secret: (B, H, W, Cs) float secret in [0, 1].
        coefficients: message values per block (K).
        filters: channels of the block features.
        name: prefix of the layer names.

    Returns:
        (B, ceil(H/8), ceil(W/8), K) float32 in (0, 1): each a phase of its lattice.
    """
    # He initialisation (not pix2pix's N(0, 0.02)): a new path trained from scratch beside
    # trained networks must carry a message from its first step; with N(0, 0.02) the
    # message was 0.5 +- 0.004, far below what JPEG moves a phase, and the path stayed unused.
    x = _block_features(secret, filters, name, "he_normal")
    for i in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", kernel_initializer="he_normal",
                          name=f"{name}_conv{i}")(x)
        x = layers.ReLU(name=f"{name}_conv{i}_relu")(x)
    x = layers.Conv2D(coefficients, 1, kernel_initializer="he_normal", name=f"{name}_message")(x)
    return layers.Activation("sigmoid", dtype="float32", name=f"{name}_sigmoid")(x)


def qim_logits(container: keras.KerasTensor, secret_channels: int, coefficients: int,
               step: float = QIM_STEP, filters: int = QIM_FILTERS,
               name: str = "rnet_qim") -> keras.KerasTensor:
    """Not in the paper: a correction to the R-net's output logits read from the phases of the
    container's QIM coefficients (``QimPhases``), which do not depend on the cover.

    Args:
        container: (B, H, W, C) float container in [0, 1], its JPEG grid at the top-left corner.
        secret_channels: channels of the correction.
        coefficients, step: the sender's QIM coefficients per block and lattice step.
        filters: channels of the block features.
        name: prefix of the layer names.

    Returns:
        (B, H, W, secret_channels) float32, all zeros until trained.
    """
    x = QimPhases(coefficients, step, name=f"{name}_phases")(container)
    return _block_features_to_logits(x, container, secret_channels, filters, name, "he_normal")


def reveal_network(
    container_channels: int = 3,
    secret_channels: int = 3,
    filters: tuple[int, ...] = RNET_FILTERS,
    block_context: int = 0,
    qim: int = 0,
    qim_step: float = QIM_STEP,
    name: str = "rnet",
) -> keras.Model:
    """R-net of SCNN (Fig. 3): six 3x3 stride-1 convs from the container to the secret (and,
    not in the paper, ``block_context_logits`` added before the sigmoid if asked).

    Args:
        container_channels: channels of the container (3 for RGB).
        secret_channels: channels of the revealed secret.
        filters: filters of the Conv-BN-ReLU layers; the paper's (64, 128, 256, 128, 64).
        block_context: 0 for the paper's R-net; else the filters of ``block_context_logits``,
            added to the last conv's output before the sigmoid.
        qim, qim_step: 0 for the paper's R-net; else the sender's QIM coefficients per block
            and lattice step, and ``qim_logits`` is added to the last conv's output too.
        name: model name.

    Returns:
        A functional model ``container (B, H, W, Cc) -> revealed secret (B, H, W, Cs)``,
        float in [0, 1], any H and W.

    Example:
        >>> reveal_network().count_params() - 2 * sum(RNET_FILTERS)  # minus BN moving stats
        742659
    """
    if block_context < 0:
        raise ValueError(f"block_context must be >= 0, got {block_context}")
    _check_qim_channels(qim, container_channels)
    container = keras.Input((None, None, container_channels), name="container")
    x = container
    for i, f in enumerate(filters, start=1):
        x = layers.Conv2D(f, 3, padding="same", kernel_initializer=_conv_init(), name=f"rnet_conv{i}")(x)
        x = _batch_norm(f"rnet_conv{i}_bn")(x)
        x = layers.ReLU(name=f"rnet_conv{i}_relu")(x)
    last = len(filters) + 1
    x = layers.Conv2D(
        secret_channels, 3, padding="same", kernel_initializer=_conv_init(), name=f"rnet_conv{last}"
    )(x)
    corrections = []
    if block_context:
        corrections.append(block_context_logits(container, secret_channels, block_context))
    if qim:
        corrections.append(qim_logits(container, secret_channels, qim, qim_step))
    if corrections:
        x = layers.Add(dtype="float32", name="rnet_context_add")([x, *corrections])
    secret = layers.Activation("sigmoid", dtype="float32", name=f"rnet_conv{last}_sigmoid")(x)
    return keras.Model(container, secret, name=name)


def steg_model(channels: int = 3, quantize: bool | None = None, noise_stddev: float = 0.0,
               secret_channels: int | None = None, width: float = 1.0,
               block_context: int = 0, qim: int = 0, qim_step: float = QIM_STEP) -> StegModel:
    """SCNN as a StegModel: H-net (Fig. 2) sender, R-net (Fig. 3) receiver.

    Args:
        channels: channels of cover and container (3 for RGB, 2 for an audio STFT tensor).
        quantize: round the container to 8 bits (straight-through) in training, so the
            receiver learns to read containers saved as PNG; None: for image covers only (an
            audio cover goes through the STFT round trip instead, see ``build_cover_channel``).
        noise_stddev: Gaussian noise on the container before the receiver, in training (the
            paper has none: 0).
        secret_channels: channels of the secret (default: ``channels``).
        width: multiplier of every filter count of both networks (1.0 = the paper's widths;
            smaller for quick experiments and tests, the cost falls with width squared).
        block_context: 0 for the paper's R-net; else the receiver adds a correction from
            the 8x8 JPEG blocks around each pixel with this many filters
            (``block_context_logits``; for containers that will be JPEG-compressed).
        qim: 0 for the paper's networks; else the sender also writes a message computed from
            the secret into this many luma DCT coefficients per 8x8 block by quantization index
            modulation, which the receiver reads whatever the cover (``keras_steg.layers.qim``;
            for containers that will be JPEG-compressed).
        qim_step: the QIM lattice step in units of the standard luma quantization table.

    Example:
        >>> model = steg_model()
        >>> model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5),
        ...               reveal_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    """
    secret_channels = secret_channels or channels
    return StegModel(
        hiding_network(channels, secret_channels, scaled_all(HNET_FILTERS, width), qim, qim_step),
        reveal_network(channels, secret_channels, scaled_all(RNET_FILTERS, width), block_context,
                       qim, qim_step),
        channel=build_cover_channel(channels, noise_stddev, quantize),
        multiple=HNET_MULTIPLE,
        name="scnn",
    )


def receiver_multiple(block_context: int = 0, qim: int = 0, **_: object) -> int:
    """The multiple a receiver's tiles must start at: 8 with a block context or QIM (its blocks
    must stay on the container's JPEG grid), else 1 (the R-net is translation-equivariant)."""
    return JPEG_BLOCK if block_context or qim else 1
