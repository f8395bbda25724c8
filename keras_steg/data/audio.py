"""Audio <-> the (224, 224, 2) tensors ExypnoSteganos hides, and tf.data pipelines of them.

Representation (the paper gives only the shape; these are our choices, in README too):
- mono at ``SAMPLE_RATE`` = 16 kHz (librosa resamples on load);
- STFT with a periodic Hann window of ``N_FFT`` = 446 samples and hop ``HOP`` = 223 (50 %
  overlap): 446 / 2 + 1 = 224 frequency bins; a window of ``WINDOW_SAMPLES`` = 223 * 223 =
  49,729 samples (3.11 s) is padded by one hop of zeros at each end, giving 224 frames;
- power-law compression of the complex spectrum, c = z |z|^(P - 1) with P = 0.2 (as in speech
  enhancement: quiet parts keep a share of the tensor's range instead of rounding to zero;
  on real recordings P = 0.2 doubles the tensors' spread against P = 0.3 for the same
  sensitivity to 8-bit rounding, 36.7 vs 37.3 dB SNR),
  then the real and imaginary parts mapped to [0, 1] by 0.5 + c / (2 K). K is the largest
  |c| a signal within [-1, 1] can reach (|z| <= sum of the window), so nothing ever clips
  and the mapping is exactly invertible;
- layout (frequency, time, [real, imaginary]), low frequencies in row 0.

The way back is the same steps reversed and an inverse STFT (overlap-add with the dual
window); consecutive windows are concatenated. The transforms are TensorFlow ops, so the
same code serves files, tf.data pipelines and differentiable layers.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_steg.data.files import list_files

SAMPLE_RATE = 16_000
N_FFT = 446
HOP = N_FFT // 2
BINS = N_FFT // 2 + 1  # 224
FRAMES = 224
WINDOW_SAMPLES = HOP * (FRAMES - 1)  # 49,729 samples = 3.11 s at 16 kHz
WINDOW_SECONDS = WINDOW_SAMPLES / SAMPLE_RATE
TENSOR_SHAPE = (BINS, FRAMES, 2)
COMPRESSION = 0.2
# |z| <= sum(window) * max|x| = N_FFT / 2 for a periodic Hann window and |x| <= 1.
SCALE = float((N_FFT / 2) ** COMPRESSION)
MIN_CLIP_SECONDS = 4.0
PEAK = 0.95  # secrets are scaled to this peak before hiding, in training and in use
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".oga", ".aiff", ".aif", ".au")
AUTOTUNE = tf.data.AUTOTUNE


class AudioError(ValueError):
    """An audio file that cannot be read, or audio that cannot be hidden as asked."""


def load_audio(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read any file librosa reads -> mono float32 (N,) at ``sample_rate``, in [-1, 1]."""
    import librosa

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # librosa's audioread fallback warns on every file
            wave, _ = librosa.load(str(path), sr=sample_rate, mono=True)
    except Exception as err:  # soundfile/audioread raise many types for a bad file
        reason = (str(err).splitlines() or [type(err).__name__])[0]
        raise AudioError(f"{path}: not a readable audio file ({reason})") from None
    if wave.size == 0:
        raise AudioError(f"{path}: contains no audio samples")
    return np.clip(wave, -1.0, 1.0).astype(np.float32)


LOSSLESS_AUDIO = {".wav": "FLOAT", ".flac": "PCM_24", ".aiff": "FLOAT", ".aif": "FLOAT"}


def write_audio(path: str | os.PathLike, wave: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write mono float (N,) audio losslessly: .wav / .aiff as 32-bit float, .flac as 24-bit.

    A lossy format would destroy what was hidden, so any other extension is an AudioError.
    """
    import soundfile

    path = Path(path)
    subtype = LOSSLESS_AUDIO.get(path.suffix.lower())
    if subtype is None:
        raise AudioError(f"{path}: audio is written losslessly; use one of "
                         f"{', '.join(LOSSLESS_AUDIO)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        soundfile.write(str(path), np.clip(wave, -1.0, 1.0), sample_rate, subtype=subtype)
    except RuntimeError as err:  # libsndfile's errors (a read-only folder, a full disk)
        raise AudioError(f"{path}: could not be written ({err})") from None
    return path


def stft(wave: tf.Tensor) -> tf.Tensor:
    """(B, N) float audio -> (B, frames, 224) complex64 STFT (the representation's framing:
    one hop of zero padding at each end, so N = HOP * (T - 1) gives T frames)."""
    padded = tf.pad(wave, [[0, 0], [HOP, HOP]])
    return tf.signal.stft(padded, N_FFT, HOP, fft_length=N_FFT, window_fn=tf.signal.hann_window)


@tf.function(reduce_retracing=True)
def waves_to_tensors(waves: tf.Tensor) -> tf.Tensor:
    """(B, WINDOW_SAMPLES) float audio in [-1, 1] -> (B, 224, 224, 2) float32 in [0, 1].

    Any length HOP * (T - 1) gives T frames: (B, 224, T, 2)."""
    z = stft(tf.cast(waves, tf.float32))  # (B, frames, bins), complex64
    magnitude = tf.abs(z)
    gain = tf.math.divide_no_nan(tf.pow(magnitude, COMPRESSION), magnitude)
    c = tf.stack([tf.math.real(z) * gain, tf.math.imag(z) * gain], axis=-1)
    c = tf.transpose(c, [0, 2, 1, 3])  # (B, bins, frames, 2): frequency down the rows
    return tf.clip_by_value(0.5 + c / (2.0 * SCALE), 0.0, 1.0)


@tf.function(reduce_retracing=True)
def tensors_to_waves(tensors: tf.Tensor) -> tf.Tensor:
    """(B, 224, 224, 2) float in [0, 1] -> (B, WINDOW_SAMPLES) float32 audio (not clipped).

    Any frame count T gives HOP * (T - 1) samples."""
    c = (tf.cast(tensors, tf.float32) - 0.5) * (2.0 * SCALE)
    c = tf.transpose(c, [0, 2, 1, 3])
    # |c|^(1/P - 1) as a power of |c|^2: smooth at zero (P = 0.2 gives (|c|^2)^2), so losses
    # on the decoded audio have finite gradients everywhere.
    gain = tf.pow(tf.reduce_sum(tf.square(c), axis=-1), (1.0 / COMPRESSION - 1.0) / 2.0)
    z = tf.complex(c[..., 0] * gain, c[..., 1] * gain)
    window = tf.signal.inverse_stft_window_fn(HOP, forward_window_fn=tf.signal.hann_window)
    wave = tf.signal.inverse_stft(z, N_FFT, HOP, fft_length=N_FFT, window_fn=window)
    return wave[:, HOP:-HOP]


def window_count(samples: int) -> int:
    """How many consecutive windows hold ``samples`` samples (at least one)."""
    return max(1, -(-samples // WINDOW_SAMPLES))


def split_windows(wave: np.ndarray, windows: int | None = None) -> np.ndarray:
    """(N,) audio -> (W, WINDOW_SAMPLES) consecutive windows, the last padded with silence.

    ``windows`` forces the count (padding with silence, or AudioError if the audio is longer).
    """
    wave = np.asarray(wave, np.float32).reshape(-1)
    needed = window_count(wave.size)
    windows = needed if windows is None else windows
    if needed > windows:
        raise AudioError(f"{wave.size / SAMPLE_RATE:.1f} s of audio needs {needed} windows of "
                         f"{WINDOW_SECONDS:.2f} s; only {windows} fit")
    padded = np.zeros(windows * WINDOW_SAMPLES, np.float32)
    padded[:wave.size] = wave
    return padded.reshape(windows, WINDOW_SAMPLES)


def audio_to_tensors(wave: np.ndarray, windows: int | None = None) -> np.ndarray:
    """(N,) audio in [-1, 1] -> (W, 224, 224, 2) float32 in [0, 1], one per window."""
    return waves_to_tensors(tf.constant(split_windows(wave, windows))).numpy()


def tensors_to_audio(tensors: np.ndarray, samples: int | None = None) -> np.ndarray:
    """(W, 224, 224, 2) in [0, 1] -> (N,) float32 audio: the windows concatenated, cut to
    ``samples`` when given, clipped to [-1, 1]."""
    wave = tensors_to_waves(tf.constant(np.asarray(tensors, np.float32))).numpy().reshape(-1)
    return np.clip(wave[:samples] if samples else wave, -1.0, 1.0)


def normalize_peak(wave: np.ndarray, peak: float = PEAK) -> np.ndarray:
    """Scale audio so its largest absolute sample is ``peak`` (silence is returned as is)."""
    top = float(np.max(np.abs(wave))) if wave.size else 0.0
    return wave if top == 0 else (wave * (peak / top)).astype(np.float32)


# === Metrics ===
def snr_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Signal-to-noise ratio of ``estimate`` against ``reference`` (same length), in dB."""
    reference = np.asarray(reference, np.float64)
    noise = reference - np.asarray(estimate, np.float64)
    return float(10 * np.log10(np.sum(reference ** 2) / max(np.sum(noise ** 2), 1e-20)))


def power_spectrogram(wave: np.ndarray) -> np.ndarray:
    """(N,) audio -> (frames, 224) STFT power |z|^2 (the representation's framing), float32."""
    z = stft(tf.constant(np.asarray(wave, np.float32).reshape(1, -1)))[0]
    return tf.square(tf.abs(z)).numpy()


LSD_FLOOR_DB = 80.0


def log_spectral_distance(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Log-spectral distance (dB): the RMS over frequency of 10 log10 of the power spectra's
    ratio, averaged over STFT frames (N_FFT / HOP as above; silent frames count too).

    Both spectra are floored at ``LSD_FLOOR_DB`` below the reference's loudest bin: without a
    floor, bins far below hearing (1e-9 against 1e-12) would dominate the distance."""
    power = [power_spectrogram(x) for x in (reference, estimate)]
    floor = max(float(power[0].max()), 1e-20) * 10 ** (-LSD_FLOOR_DB / 10)
    power = [np.maximum(p, floor) for p in power]
    difference = 10 * np.log10(power[0] / power[1])
    return float(np.mean(np.sqrt(np.mean(difference ** 2, axis=-1))))


# === Training data ===
def list_audio(root: str | os.PathLike) -> list[str]:
    """All audio files below ``root`` (recursive, by extension), sorted. ValueError if none."""
    return list_files(root, AUDIO_EXTENSIONS, "audio files")


@dataclass
class AudioClips:
    """Decoded clips for training: ``waves`` (mono float32 at 16 kHz) and what was left out."""

    waves: list[np.ndarray]
    files: list[str]
    too_short: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        """The unreadable files (named like an image source's, for the training summary)."""
        return self.unreadable


def load_clips(files: list[str], min_seconds: float = MIN_CLIP_SECONDS) -> AudioClips:
    """Decode ``files``; clips shorter than ``min_seconds`` and unreadable files are skipped
    and listed (never fatal); ValueError if fewer than two clips remain."""
    clips = AudioClips([], [])
    for name in files:
        try:
            wave = load_audio(name)
        except AudioError:
            clips.unreadable.append(name)
            continue
        if wave.size < min_seconds * SAMPLE_RATE:
            clips.too_short.append(name)
            continue
        clips.waves.append(wave)
        clips.files.append(name)
    if len(clips.waves) < 2:
        raise ValueError(f"training needs at least two readable clips of >= {min_seconds:g} s "
                         f"({len(clips.too_short)} too short, {len(clips.unreadable)} unreadable)")
    return clips


def split_clips(clips: AudioClips, val_fraction: float, seed: int = 0) -> tuple[AudioClips, AudioClips]:
    """(train, validation) clips by the same seeded file split as images use."""
    from keras_steg.data.images import split_files

    train_files, val_files = split_files(clips.files, val_fraction, seed)
    by_name = dict(zip(clips.files, clips.waves))

    def subset(names: list[str], **skipped) -> AudioClips:
        return AudioClips([by_name[n] for n in names], names, **skipped)

    return (subset(train_files, too_short=clips.too_short, unreadable=clips.unreadable),
            subset(val_files))


def _random_windows(waves: list[np.ndarray], rng: np.random.Generator):
    """Endless (cover window, secret window) pairs from two different clips, random offsets."""
    while True:
        i, j = rng.choice(len(waves), size=2, replace=False)
        yield tuple(_random_window(waves[k], rng) for k in (i, j))


def _random_window(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if wave.size <= WINDOW_SAMPLES:
        return split_windows(wave, 1)[0]
    start = rng.integers(0, wave.size - WINDOW_SAMPLES + 1)
    return wave[start:start + WINDOW_SAMPLES]


def training_pairs(clips: AudioClips, batch_size: int, crop: int | None = None,
                   seed: int = 0, representation: str | None = None) -> tf.data.Dataset:
    """Endless batches ``{"cover", "secret"}`` of (B, 224, 224, C) tensors from random windows of
    two different clips; each secret is peak-normalised as ``hide`` does. ``representation``:
    "complex" (default, 2 + 2 channels) or "magnitude" (2 + 1; ``audio_representations``).
    ``crop`` < 224 keeps ``crop`` consecutive frames (B, 224, crop, C) of both: cheaper steps,
    and every frequency stays, so the STFT round trip of the training channel still applies."""
    from keras_steg.data.audio_representations import get_representation

    rep = get_representation(representation)
    rng = np.random.default_rng(seed)
    signature = (tf.TensorSpec([WINDOW_SAMPLES], tf.float32),) * 2
    windows = tf.data.Dataset.from_generator(lambda: _random_windows(clips.waves, rng),
                                             output_signature=signature)

    def as_pair(cover, secret):
        top = tf.reduce_max(tf.abs(secret), axis=-1, keepdims=True)
        secret = secret * tf.math.divide_no_nan(PEAK, top)
        return {"cover": rep.cover_from_waves(cover), "secret": rep.secret_from_waves(secret)}

    pairs = windows.batch(batch_size, drop_remainder=True).map(as_pair, num_parallel_calls=AUTOTUNE)
    if crop and crop < FRAMES:
        channels = rep.cover_channels + rep.secret_channels

        def crop_pair(pair):
            both = tf.concat([pair["cover"], pair["secret"]], axis=-1)
            both = tf.image.random_crop(both, [batch_size, BINS, crop, channels], seed=seed)
            return {"cover": both[..., :rep.cover_channels], "secret": both[..., rep.cover_channels:]}
        pairs = pairs.map(crop_pair, num_parallel_calls=AUTOTUNE)
    return pairs.prefetch(AUTOTUNE)


def evaluation_pairs(clips: AudioClips, batch_size: int,
                     representation: str | None = None) -> tf.data.Dataset:
    """Deterministic validation pairs: the first window of clip i hides that of clip i + 1
    (tensors of ``representation``, as ``training_pairs``)."""
    from keras_steg.data.audio_representations import get_representation

    rep = get_representation(representation)
    first = np.stack([split_windows(w[:WINDOW_SAMPLES], 1)[0] for w in clips.waves])
    covers = rep.cover_from_waves(tf.constant(first)).numpy()
    secrets = rep.secret_from_waves(tf.constant(np.stack([normalize_peak(w) for w in first]))).numpy()
    pairs = {"cover": covers, "secret": np.roll(secrets, -1, axis=0)}
    return tf.data.Dataset.from_tensor_slices(pairs).batch(batch_size)
