"""Wrap a one-channel model of any family so it hides a spectrogram in a sound's magnitude.

The representation is ``keras_steg.data.audio_magnitude``: a cover is [log magnitude, phase],
a secret is its log magnitude alone. The family's networks see only magnitudes, as they see
grey images; the cover's phase goes around them into the container unchanged, so what the
sender may change is the loudness of each time-frequency bin, never its timing.

    sender:   cover (B,H,W,2) --[..., :1]--> family sender(cover magnitude, secret (B,H,W,1))
                              --> container magnitude --concat(cover phase)--> (B,H,W,2)
    channel:  the STFT round trip (what writing the container as sound does), in training
    receiver: container (B,H,W,2) --[..., :1]--> family receiver --> secret magnitude (B,H,W,1)
"""

from __future__ import annotations

import keras

from keras_steg.layers.channel import build_channel
from keras_steg.models.steg_model import StegModel

MAGNITUDE = "magnitude"
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


def phase_passthrough_sender(inner: keras.Model) -> keras.Model:
    """``inner``: ``{"cover": (B,H,W,1), "secret": (B,H,W,1)} -> (B,H,W,1)`` -> a sender
    ``{"cover": (B,H,W,2), "secret": (B,H,W,1)} -> container (B,H,W,2)`` whose second channel
    is the cover's, untouched. All float in [0, 1]."""
    cover = keras.Input((None, None, COVER_CHANNELS), name="cover")
    secret = keras.Input((None, None, SECRET_CHANNELS), name="secret")
    magnitude = inner({"cover": ChannelSlice(0, 1, name="cover_magnitude")(cover), "secret": secret})
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
