"""The channel between sender and receiver: the attacks a container meets, composed."""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_steg.channel_spec import parse_spec
from keras_steg.layers.attack import Attack
from keras_steg.layers.geometry import RandomCrop, RandomResize
from keras_steg.layers.jpeg import DifferentiableJpeg
from keras_steg.layers.noise import RandomGaussianNoise
from keras_steg.layers.quantize import Quantize8Bit
from keras_steg.layers.spectrogram import STFTRoundTrip


@keras.saving.register_keras_serializable(package="keras_steg")
class Identity(Attack):
    """No attack: a clean container in the pool, so robustness is not bought with clean quality."""

    def attack(self, x):
        return x


@keras.saving.register_keras_serializable(package="keras_steg")
class Channel(keras.layers.Layer):
    """A composite channel: one attack of ``attacks`` picked at random per batch (per image
    with ``per_image``), then 8-bit quantization (every saved container is 8-bit) when
    ``quantize``.

    Why per image: a receiver with BatchNorm trains on the statistics of each batch, so with
    one attack per batch it learns one normalisation per attack, while inference has a single
    set of moving averages over the mix (the robust SCNN lost 4.8 dB after JPEG 75 to this). With
    every batch a mix, training and inference statistics agree. Per image needs attacks that
    keep the image size (no crop); each runs on the whole batch, and each image keeps one result.

    Called on ``{"container", "secret"}`` it returns the attacked container and the secret the
    receiver must reveal from it (a crop crops both); called on a tensor it returns the attacked
    container. Active only with ``training=True`` (each part's own ``always`` aside).
    Input: (B, H, W, C) float32 in [0, 1].
    """

    moves_pixels = True  # StegModel passes the secret along (see attack_pair)

    def __init__(self, attacks=(), quantize: bool = True, seed: int | None = None,
                 per_image: bool = False, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.attacks = [keras.saving.deserialize_keras_object(a) if isinstance(a, dict) else a
                        for a in attacks]
        resizing = [a.name for a in self.attacks if not a.keeps_shape]
        if per_image and resizing:
            raise ValueError(f"per-image attacks must keep the image size; {', '.join(resizing)} "
                             "does not (pick it per batch: drop per-image)")
        self.per_image = bool(per_image)
        self.quantizer = Quantize8Bit(name="quantize") if quantize else None
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def layers(self) -> list[keras.layers.Layer]:
        """Every part: the attacks, then the quantizer (ChannelWarmup switches the latter)."""
        return [*self.attacks, *([self.quantizer] if self.quantizer else [])]

    def build(self, input_shape):
        # The parts hold no shape-dependent weights (the quantizer's switch exists already).
        self.built = True

    def _pick(self, container, secret, training):
        active = [a for a in self.attacks if a.active(training)]
        if not active:
            return container, secret
        if len(active) == 1:
            return active[0].attack_pair(container, secret)
        if self.per_image:
            index = keras.random.randint(tf.shape(container)[:1], 0, len(active),
                                         seed=self.seed_generator)
            attacked = tf.stack([a.attack(container) for a in active], axis=1)  # (B, K, H, W, C)
            return tf.gather(attacked, index, axis=1, batch_dims=1), secret
        index = keras.random.randint((), 0, len(active), seed=self.seed_generator)
        branches = [lambda a=a: a.attack_pair(container, secret) for a in active]
        return tf.switch_case(index, branches)

    def call(self, inputs, training=None):
        pair = isinstance(inputs, dict)
        container = tf.cast(inputs["container"] if pair else inputs, tf.float32)
        secret = inputs["secret"] if pair else container
        container, secret = self._pick(container, secret, training)
        if self.quantizer is not None:
            container = self.quantizer(container, training=training)
        return {"container": container, "secret": secret} if pair else container

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "quantize": self.quantizer is not None, "seed": self.seed,
                "per_image": self.per_image,
                "attacks": [keras.saving.serialize_keras_object(a) for a in self.attacks]}


def build_channel(noise_stddev: float = 0.0, quantize: bool = True,
                  stft_round_trip: str | None = None) -> keras.layers.Layer | None:
    """The training channel of a family: the STFT round trip of an audio container (what
    saving it as sound does), Gaussian noise (Baluja, ExypnoSteganos), then 8-bit rounding
    (what saving a PNG does), each only when asked; None when none is. ``stft_round_trip``
    names the audio representation of the container ("complex" or "magnitude").

    Both act only with ``training=True`` and run in float32 so mixed precision never rounds the
    container. Input and output: (B, H, W, C) float in [0, 1] (noise can leave it slightly).
    """
    if noise_stddev < 0:
        raise ValueError(f"noise_stddev must be >= 0, got {noise_stddev}")
    parts: list[keras.layers.Layer] = []
    if stft_round_trip:
        parts.append(STFTRoundTrip(stft_round_trip, name="stft_round_trip"))
    if noise_stddev:
        parts.append(keras.layers.GaussianNoise(noise_stddev, dtype="float32", name="noise"))
    if quantize:
        parts.append(Quantize8Bit(name="quantize"))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    # A float32 input for the composite too: an unbuilt Sequential would otherwise take the
    # global (e.g. bfloat16) policy and cast the container before its float32 parts see it.
    return keras.Sequential([keras.Input((None, None, None), dtype="float32"), *parts], name="channel")


AUDIO_CHANNELS = 2  # an audio STFT tensor: real and imaginary parts (keras_steg.data.audio)


def build_cover_channel(cover_channels: int, noise_stddev: float = 0.0,
                        quantize: bool | None = None) -> keras.layers.Layer | None:
    """The training channel for what the container will be saved as: an image cover (3
    channels) as an 8-bit PNG (rounding, unless ``quantize`` is False), an audio cover (2
    channels) as a float sound file (the STFT round trip; rounding only if ``quantize``).
    Gaussian noise of ``noise_stddev`` as ``build_channel``."""
    audio_cover = cover_channels == AUDIO_CHANNELS
    if quantize is None:
        quantize = not audio_cover
    return build_channel(noise_stddev, quantize, stft_round_trip="complex" if audio_cover else None)


def _attack(name: str, numbers: tuple[float, ...], seed: int | None,
            jpeg_rounding: str = "straight_through") -> Attack:
    """The layer of one parsed attack (see ``keras_steg.channel_spec``)."""
    low, high = (numbers[0], numbers[-1]) if numbers else (None, None)
    if name == "none":
        return Identity(name="none")
    if name == "jpeg":
        return DifferentiableJpeg(int(low), int(high), rounding=jpeg_rounding, seed=seed, name="jpeg")
    if name == "noise":
        return RandomGaussianNoise(high, low if len(numbers) == 2 else 0.0, seed=seed, name="noise")
    if name == "crop":
        return RandomCrop(low, seed=seed, name="crop")
    return RandomResize(low, seed=seed, name="resize")


def parse_channel(spec: str, seed: int | None = None) -> Channel:
    """A ``Channel`` from a spec like "quantize,jpeg:50-95,noise:0.02,crop:0.8" or
    "quantize,per-image,none,jpeg:50-95,noise:0.02" (see
    ``keras_steg.channel_spec.CHANNEL_HELP``); ValueError with a one-line reason for a bad spec."""
    parsed = parse_spec(spec)
    attacks = [_attack(name, numbers, None if seed is None else seed + 1 + i, parsed.jpeg_rounding)
               for i, (name, numbers) in enumerate(parsed.attacks)]
    return Channel(attacks, quantize=parsed.quantize, seed=seed, per_image=parsed.per_image)
