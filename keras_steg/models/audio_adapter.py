"""Wrap a one-channel model of any family so it hides a spectrogram in a sound's magnitude.

The representation is ``keras_steg.data.audio_magnitude``: a cover is [log magnitude, phase],
a secret is its log magnitude alone. The family's networks see only magnitudes, as they see
grey images; the cover's phase goes around them into the container unchanged, so what the
sender may change is the loudness of each time-frequency bin, never its timing.

    sender:   cover (B,H,W,2) --[..., :1]--> family sender(cover magnitude, secret (B,H,W,1))
              --> a change of at most 20 dB per bin, added to the cover magnitude (BoundedChange)
              --> container magnitude --concat(cover phase)--> (B,H,W,2)
    channel:  the STFT round trip (what writing the container as sound does), in training
    receiver: container (B,H,W,2) --[..., :1]--> family receiver --> secret magnitude (B,H,W,1)
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_steg.layers.channel import build_channel
from keras_steg.models.steg_model import StegModel

MAGNITUDE = "magnitude"
# The most the sender may move a bin's log magnitude, in [0, 1] tensor units (100 dB range).
MAX_CHANGE = 0.2  # 20 dB
COVER_CHANNELS = 2  # [log magnitude, phase]
SECRET_CHANNELS = 1  # log magnitude


@keras.saving.register_keras_serializable(package="keras_steg")
class ChannelSlice(keras.layers.Layer):
    """x[..., start:stop], in float32: under mixed precision a plain slice of a Keras tensor
    would round the phase to bfloat16 (a 0.002 error in [0, 1], 0.7 degrees)."""

    def __init__(self, start: int, stop: int | None = None, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.start, self.stop = int(start), None if stop is None else int(stop)

    def call(self, x):
        return x[..., self.start:self.stop]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], len(range(input_shape[-1])[self.start:self.stop]))

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop}


@keras.saving.register_keras_serializable(package="keras_steg")
class BoundedChange(keras.layers.Layer):
    """[cover magnitude, network output] -> clip(cover + max_change * (2 * output - 1), 0, 1).

    Why: the container starts as the cover (an untrained network outputs ~0.5) and the
    network learns only where and how much to change it, at most ``max_change`` either way,
    instead of learning to copy every bin of the cover to the fraction of a dB the sound's
    SNR needs. Float32."""

    def __init__(self, max_change: float = MAX_CHANGE, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.max_change = float(max_change)

    def call(self, inputs):
        cover, output = (tf.cast(x, tf.float32) for x in inputs)
        return tf.clip_by_value(cover + self.max_change * (2.0 * output - 1.0), 0.0, 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "max_change": self.max_change}


def phase_passthrough_sender(inner: keras.Model) -> keras.Model:
    """``inner``: ``{"cover": (B,H,W,1), "secret": (B,H,W,1)} -> (B,H,W,1)`` -> a sender
    ``{"cover": (B,H,W,2), "secret": (B,H,W,1)} -> container (B,H,W,2)``: the cover's
    magnitude changed by ``inner``'s output (``BoundedChange``), and the cover's phase,
    untouched. All float in [0, 1]."""
    cover = keras.Input((None, None, COVER_CHANNELS), name="cover")
    secret = keras.Input((None, None, SECRET_CHANNELS), name="secret")
    cover_magnitude = ChannelSlice(0, 1, name="cover_magnitude")(cover)
    change = inner({"cover": cover_magnitude, "secret": secret})
    magnitude = BoundedChange(name="bounded_change")([cover_magnitude, change])
    # float32 even under mixed precision: the phase must reach the container unrounded.
    container = keras.layers.Concatenate(dtype="float32", name="with_cover_phase")(
        [magnitude, ChannelSlice(1, name="cover_phase")(cover)])
    return keras.Model({"cover": cover, "secret": secret}, container, name=f"{inner.name}_audio")


def magnitude_receiver(inner: keras.Model) -> keras.Model:
    """``inner``: (B,H,W,1) -> (B,H,W,1) -> a receiver container (B,H,W,2) -> (B,H,W,1) that
    reads the container's magnitude channel only."""
    container = keras.Input((None, None, COVER_CHANNELS), name="container")
    magnitude = ChannelSlice(0, 1, name="container_magnitude")(container)
    return keras.Model(container, inner(magnitude), name=f"{inner.name}_audio")


def magnitude_audio_model(inner: StegModel, noise_stddev: float = 0.0) -> StegModel:
    """A StegModel built with one-channel covers and secrets -> the same networks hiding a log
    magnitude spectrogram in an audio cover's magnitude (module docstring). Its training
    channel is the STFT round trip, then Gaussian noise of ``noise_stddev`` if > 0; the
    inner model's own channel (for one-channel images) is dropped."""
    return StegModel(
        phase_passthrough_sender(inner.sender),
        magnitude_receiver(inner.receiver),
        channel=build_channel(noise_stddev, quantize=False, stft_round_trip=MAGNITUDE),
        multiple=inner.multiple,
        name=inner.name,
    )
