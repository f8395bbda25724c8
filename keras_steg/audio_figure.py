"""A picture of one audio hide/reveal: spectrograms of cover, container, secret, revealed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keras_steg.data import audio


def log_spectrogram(wave: np.ndarray) -> np.ndarray:
    """(N,) audio -> (224, frames) power in dB (re 1, floor -100 dB), low frequencies first."""
    return 10 * np.log10(np.maximum(audio.power_spectrogram(wave).T, 1e-10))


def save_audio_figure(path: str | Path, waves: dict[str, np.ndarray],
                      scores: dict[str, float] | None = None) -> Path:
    """One PNG of log spectrograms (2 x 2: cover, container / secret, revealed), captioned with
    ``scores`` (cover_snr, cover_lsd, secret_snr, secret_lsd) when given. ``waves``: the four
    clips as mono float arrays at 16 kHz."""
    from keras_steg.plotting import pyplot

    plt = pyplot()

    scores = scores or {}
    captions = {"cover": "cover", "container": "container", "secret": "secret (peak-normalised)",
                "revealed": "revealed"}
    for key, pair in (("container", "cover"), ("revealed", "secret")):
        if f"{pair}_snr" in scores:
            captions[key] += (f"\nSNR {scores[f'{pair}_snr']:.1f} dB, "
                              f"LSD {scores[f'{pair}_lsd']:.1f} dB")
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharey=True, layout="constrained")
    seconds = max(w.size for w in waves.values()) / audio.SAMPLE_RATE
    for ax, (key, caption) in zip(axes.flat, captions.items()):
        image = ax.imshow(log_spectrogram(waves[key]), origin="lower", aspect="auto",
                          vmin=-100, vmax=20, cmap="magma",
                          extent=(0, waves[key].size / audio.SAMPLE_RATE, 0, audio.SAMPLE_RATE / 2000))
        ax.set_xlim(0, seconds)
        ax.set_title(caption, fontsize=10)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("kHz")
    fig.colorbar(image, ax=axes, label="power (dB)", shrink=0.8)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
