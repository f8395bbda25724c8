"""Quality of a model on a folder of audio clips or videos: file i hides file i + 1.

Audio: SNR (dB) and log-spectral distance (dB) of container vs cover and revealed vs secret
(the peak-normalised secret that was hidden), after the container went through the same
steps as a float WAV file (inverse STFT to a wave, then STFT again). Video: per-frame PSNR of
container vs cover and revealed vs secret frame (uint8 frames: what a lossless file holds),
mean and minimum over the frames.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from pathlib import Path

import numpy as np

from keras_steg import metrics
from keras_steg.data import audio
from keras_steg.data.video import read_frames, video_info
from keras_steg.imageio import to_float
from keras_steg.media import hide_audio_in_audio, looped_frames, reveal_audio_from_audio

AUDIO_COLUMNS = ("cover", "secret", "seconds", "cover_snr", "cover_lsd", "secret_snr", "secret_lsd")
VIDEO_COLUMNS = ("cover", "secret", "frames", "cover_psnr_mean", "cover_psnr_min",
                 "secret_psnr_mean", "secret_psnr_min")


def _pairs(files: list[str]) -> list[tuple[str, str]]:
    if len(files) < 2:
        raise ValueError("evaluation needs at least two files (a cover and a different secret)")
    return [(files[i], files[(i + 1) % len(files)]) for i in range(len(files))]


def audio_pair(steg, cover_file: str, secret_file: str, seconds: float | None = None
               ) -> dict[str, np.ndarray]:
    """Hide ``secret_file`` (cut to the cover's length, peak-normalised) in ``cover_file`` (its
    first ``seconds``, or all) and reveal it: {"cover", "container", "secret", "revealed"} waves,
    container and revealed cut to the cover's and the secret's lengths."""
    limit = int(seconds * audio.SAMPLE_RATE) if seconds else None
    cover = audio.load_audio(cover_file)[:limit]
    secret = audio.normalize_peak(audio.load_audio(secret_file)[:cover.size])
    container = hide_audio_in_audio(steg, cover, secret)
    revealed = reveal_audio_from_audio(steg, container)[:secret.size]
    return {"cover": cover, "container": container[:cover.size], "secret": secret,
            "revealed": revealed}


def audio_scores(waves: dict[str, np.ndarray]) -> dict[str, float]:
    """SNR and log-spectral distance (dB) of container vs cover and revealed vs secret."""
    return {f"{pair}_{name}": fn(waves[pair], waves[other])
            for pair, other in (("cover", "container"), ("secret", "revealed"))
            for name, fn in (("snr", audio.snr_db), ("lsd", audio.log_spectral_distance))}


def evaluate_audio_files(steg, files: list[str], seconds: float | None = None,
                         progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Rows of AUDIO_COLUMNS: clip i (its first ``seconds``, or all) hides clip i + 1 (cut
    to the cover's length). ``steg``: a Steganographer of an audio-in-audio model."""
    rows = []
    pairs = _pairs(files)
    for n, (cover_file, secret_file) in enumerate(pairs, start=1):
        waves = audio_pair(steg, cover_file, secret_file, seconds)
        rows.append({"cover": Path(cover_file).name, "secret": Path(secret_file).name,
                     "seconds": waves["cover"].size / audio.SAMPLE_RATE, **audio_scores(waves)})
        if progress:
            progress(n, len(pairs))
    return rows


def frame_psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR (dB) of two RGB uint8 frames, as ``keras_steg.metrics.psnr`` computes it."""
    return float(metrics.psnr(to_float(a)[None], to_float(b)[None])[0])


def evaluate_video_files(steg, files: list[str], frames: int | None = 30,
                         progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Rows of VIDEO_COLUMNS: the first ``frames`` frames of video i hide those of video i + 1
    (resized to the cover's size, looped if shorter). ``steg``: an image model."""
    rows = []
    pairs = _pairs(files)
    for n, (cover_file, secret_file) in enumerate(pairs, start=1):
        info = video_info(cover_file)
        secrets = looped_frames(secret_file, (info.width, info.height))
        cover_scores, secret_scores = [], []
        for cover, secret in zip(islice(read_frames(cover_file), frames), secrets):
            container = steg.hide(cover, secret)
            cover_scores.append(frame_psnr(cover, container))
            secret_scores.append(frame_psnr(secret, steg.reveal(container)))
        rows.append({"cover": Path(cover_file).name, "secret": Path(secret_file).name,
                     "frames": len(cover_scores),
                     "cover_psnr_mean": float(np.mean(cover_scores)),
                     "cover_psnr_min": min(cover_scores),
                     "secret_psnr_mean": float(np.mean(secret_scores)),
                     "secret_psnr_min": min(secret_scores)})
        if progress:
            progress(n, len(pairs))
    return rows
