"""The two ways audio becomes tensors, behind one interface the pipelines and files code use.

- "complex" (``keras_steg.data.audio``): real and imaginary STFT parts, two channels for cover
  and secret alike; exact both ways.
- "magnitude" (``keras_steg.data.audio_magnitude``): a cover is [log magnitude, phase], a
  secret its log magnitude alone; a revealed secret becomes sound by Griffin-Lim.
A model's representation is its ``audio_representation`` config entry ("complex" if absent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from keras_steg.data import audio, audio_magnitude

TensorMap = Callable[[tf.Tensor], tf.Tensor]


@dataclass(frozen=True)
class AudioRepresentation:
    """How audio becomes cover and secret tensors and back.

    The ``*_from_waves`` maps take (B, HOP * (T - 1)) float audio to (B, 224, T, C) float32 in
    [0, 1]; the ``*_to_waves`` maps go back (B, HOP * (T - 1)), not clipped."""

    name: str
    cover_channels: int
    secret_channels: int
    cover_from_waves: TensorMap
    secret_from_waves: TensorMap
    cover_to_waves: TensorMap
    secret_to_waves: TensorMap

    def cover_tensors(self, wave: np.ndarray, windows: int | None = None) -> np.ndarray:
        """(N,) audio -> (W, 224, 224, cover_channels): one tensor per 3.11 s window."""
        return self.cover_from_waves(tf.constant(audio.split_windows(wave, windows))).numpy()

    def secret_tensors(self, wave: np.ndarray, windows: int | None = None) -> np.ndarray:
        """(N,) audio -> (W, 224, 224, secret_channels): one tensor per 3.11 s window."""
        return self.secret_from_waves(tf.constant(audio.split_windows(wave, windows))).numpy()

    def container_audio(self, tensors: np.ndarray) -> np.ndarray:
        """(W, 224, 224, cover_channels) -> (N,) float32 audio in [-1, 1], windows concatenated."""
        return _joined(self.cover_to_waves(tf.constant(np.asarray(tensors, np.float32))))

    def secret_audio(self, tensors: np.ndarray) -> np.ndarray:
        """(W, 224, 224, secret_channels) -> (N,) float32 audio in [-1, 1], windows concatenated."""
        return _joined(self.secret_to_waves(tf.constant(np.asarray(tensors, np.float32))))


def _joined(waves: tf.Tensor) -> np.ndarray:
    return np.clip(np.asarray(waves).reshape(-1), -1.0, 1.0)


def _log_magnitude(waves: tf.Tensor) -> tf.Tensor:
    return audio_magnitude.waves_to_magnitude_tensors(waves)[..., :1]


def _griffin_lim(tensors: tf.Tensor) -> tf.Tensor:
    return audio_magnitude.griffin_lim(tensors, tf.constant(audio_magnitude.GRIFFIN_LIM_ITERATIONS))


REPRESENTATIONS = {
    "complex": AudioRepresentation("complex", 2, 2, audio.waves_to_tensors, audio.waves_to_tensors,
                                   audio.tensors_to_waves, audio.tensors_to_waves),
    "magnitude": AudioRepresentation("magnitude", 2, 1, audio_magnitude.waves_to_magnitude_tensors,
                                     _log_magnitude, audio_magnitude.magnitude_tensors_to_waves,
                                     _griffin_lim),
}
DEFAULT = "complex"


def get_representation(name: str | None) -> AudioRepresentation:
    """The representation called ``name`` (None: "complex"); ValueError for an unknown name."""
    name = name or DEFAULT
    if name not in REPRESENTATIONS:
        raise ValueError(f"unknown audio representation {name!r}; choose one of "
                         f"{', '.join(REPRESENTATIONS)}")
    return REPRESENTATIONS[name]
