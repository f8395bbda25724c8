"""What writing an audio container does to it: the STFT round trip, as a training channel layer."""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_steg.data.audio_representations import get_representation


@keras.saving.register_keras_serializable(package="keras_steg")
class STFTRoundTrip(keras.layers.Layer):
    """Turn a container tensor into audio and back (inverse STFT, then STFT), as saving the
    container as a sound file and reading it does.

    Why: the STFT has twice as many numbers as the audio (50 % overlap), so most tensors are
    not the STFT of any sound; the round trip projects them onto ones that are, and a hider
    trained without it would keep the secret in the part the projection discards.
    Forward: the round trip; backward: identity (straight-through), since the inverse of the
    power-law compression has no finite gradient at zero. Active only with ``training=True``.

    Input and output: (B, 224, T, 2) float32 in [0, 1], any T: real/imaginary parts for
    ``representation="complex"`` (``keras_steg.data.audio``), log magnitude/phase for
    "magnitude" (``keras_steg.data.audio_magnitude``).
    """

    def __init__(self, representation: str = "complex", **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        get_representation(representation)  # an unknown name fails here, not in training
        self.representation = representation

    def call(self, x, training=None):
        if not training:
            return x
        x = tf.cast(x, tf.float32)
        representation = get_representation(self.representation)
        # A sound file holds samples in [-1, 1]: clip as writing one does.
        wave = tf.clip_by_value(representation.cover_to_waves(x), -1.0, 1.0)
        return x + tf.stop_gradient(representation.cover_from_waves(wave) - x)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "representation": self.representation}
