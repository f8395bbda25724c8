"""Audio as log-magnitude + phase tensors: the representation the shipped audio model hides in.

Why a second representation: the real and imaginary STFT parts (``keras_steg.data.audio``) of
speech and music look like noise, and a receiver cannot tell a noise-like secret from a
noise-like cover; a first SCNN run on them never learnt the secret (benchmarks/results/
audio_first_run.md). A log-magnitude spectrogram is a picture (harmonics, formants, onsets), so
hiding one spectrogram in another is the image problem the networks solve.

Same STFT framing as ``keras_steg.data.audio`` (16 kHz, Hann 446 / hop 223, 224 x 224 per
3.11 s window). Channels, each in [0, 1]:
- 0: log magnitude, ``(20 log10 |z| - FLOOR_DB) / RANGE_DB`` clipped; FLOOR_DB is RANGE_DB =
  100 dB below the largest |z| a signal in [-1, 1] can have, so only bins quieter than that
  are lost (round trip SNR in benchmarks/results/audio_representation.md);
- 1: phase, ``angle(z) / 2 pi + 0.5``.
A cover is both channels; the sender changes only the magnitude and passes the cover's phase
on (``keras_steg.models.audio_adapter``). A secret is the magnitude channel alone, and a
revealed secret becomes sound by Griffin-Lim phase retrieval (``griffin_lim``), so the
revealed audio keeps the secret's spectrum but not its waveform: score it by log-spectral
distance; its SNR against the original is low even when the magnitude is exact.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_steg.data.audio import HOP, N_FFT, stft

RANGE_DB = 100.0
# |z| <= sum(window) * max|x| = N_FFT / 2 for a periodic Hann window and |x| <= 1.
TOP_DB = 20.0 * math.log10(N_FFT / 2)
FLOOR_DB = TOP_DB - RANGE_DB
GRIFFIN_LIM_ITERATIONS = 64
GRIFFIN_LIM_MOMENTUM = 0.99  # "fast Griffin-Lim" (Perraudin et al. 2013), as librosa uses


def _to_log_magnitude(magnitude: tf.Tensor) -> tf.Tensor:
    db = 20.0 * tf.math.log(tf.maximum(magnitude, 1e-12)) / math.log(10.0)
    return tf.clip_by_value((db - FLOOR_DB) / RANGE_DB, 0.0, 1.0)


def linear_magnitude(tensor: tf.Tensor) -> tf.Tensor:
    """Log-magnitude tensor values in [0, 1] -> STFT magnitudes |z| (float32, same shape)."""
    return tf.pow(10.0, (tf.cast(tensor, tf.float32) * RANGE_DB + FLOOR_DB) / 20.0)


def _inverse_stft(z: tf.Tensor) -> tf.Tensor:
    """(B, frames, 224) complex -> (B, HOP * (frames - 1)) audio (the framing of ``stft``)."""
    window = tf.signal.inverse_stft_window_fn(HOP, forward_window_fn=tf.signal.hann_window)
    wave = tf.signal.inverse_stft(z, N_FFT, HOP, fft_length=N_FFT, window_fn=window)
    return wave[:, HOP:-HOP]


def _to_layout(x: tf.Tensor) -> tf.Tensor:
    """(B, frames, bins, ...) <-> (B, bins, frames, ...): frequency down the rows."""
    return tf.transpose(x, [0, 2, 1] + list(range(3, len(x.shape))))


@tf.function(reduce_retracing=True)
def waves_to_magnitude_tensors(waves: tf.Tensor) -> tf.Tensor:
    """(B, HOP * (T - 1)) float audio in [-1, 1] -> (B, 224, T, 2) float32 in [0, 1]:
    [log magnitude, phase]."""
    z = stft(tf.cast(waves, tf.float32))
    phase = tf.math.angle(z) / (2.0 * math.pi) + 0.5
    return _to_layout(tf.stack([_to_log_magnitude(tf.abs(z)), phase], axis=-1))


@tf.function(reduce_retracing=True)
def magnitude_tensors_to_waves(tensors: tf.Tensor) -> tf.Tensor:
    """(B, 224, T, 2) [log magnitude, phase] in [0, 1] -> (B, HOP * (T - 1)) float32 audio
    (not clipped): a container back to sound with the phase it carries."""
    x = _to_layout(tf.cast(tensors, tf.float32))
    magnitude = linear_magnitude(x[..., 0])
    angle = (x[..., 1] - 0.5) * (2.0 * math.pi)
    return _inverse_stft(tf.complex(magnitude * tf.cos(angle), magnitude * tf.sin(angle)))


@tf.function(reduce_retracing=True)
def griffin_lim(tensors: tf.Tensor, iterations: int = GRIFFIN_LIM_ITERATIONS) -> tf.Tensor:
    """(B, 224, T, 1) log magnitude in [0, 1] -> (B, HOP * (T - 1)) float32 audio whose STFT
    magnitude approaches it: fast Griffin-Lim from zero phase, ``iterations`` rounds."""
    magnitude = tf.complex(linear_magnitude(_to_layout(tf.cast(tensors, tf.float32))[..., 0]), 0.0)
    estimate = magnitude
    previous = tf.zeros_like(magnitude)
    for _ in tf.range(iterations):
        rebuilt = stft(_inverse_stft(estimate))
        accelerated = rebuilt - GRIFFIN_LIM_MOMENTUM / (1.0 + GRIFFIN_LIM_MOMENTUM) * previous
        previous = rebuilt
        unit = accelerated / tf.complex(tf.maximum(tf.abs(accelerated), 1e-12), 0.0)
        estimate = magnitude * unit
    return _inverse_stft(estimate)
