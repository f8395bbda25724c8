"""How faithful each audio representation is, before any hiding: SNR and log-spectral distance
of each clip after audio -> tensors -> audio.

- complex (2 channels, real/imaginary): exactly, and with the tensors rounded to 8 bits (what an
  audio secret meets when its container is a PNG);
- magnitude: a cover with its own phase (what the container of an untouched cover would be),
  and a secret's log magnitude alone through Griffin-Lim (the best a revealed secret can be).

    python benchmarks/audio_representation.py --data ../shared/data/audio \
        --out benchmarks/results/audio_representation.md
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
from reporting import emit

from keras_steg.data import audio, audio_magnitude
from keras_steg.data.audio_representations import get_representation

ROWS = ("complex, exact", "complex, 8-bit", "magnitude + phase (a cover)",
        "magnitude alone, Griffin-Lim (a secret)")


def round_trips(wave: np.ndarray) -> list[np.ndarray]:
    """(N,) audio -> the ROWS' reconstructions of it, each (N,)."""
    complex_, magnitude = get_representation("complex"), get_representation("magnitude")
    tensors = complex_.cover_tensors(wave)
    outs = [complex_.container_audio(tensors), complex_.container_audio(np.round(tensors * 255) / 255),
            magnitude.container_audio(magnitude.cover_tensors(wave)),
            magnitude.secret_audio(magnitude.secret_tensors(wave))]
    return [out[:wave.size] for out in outs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder of audio clips")
    parser.add_argument("--out", help="also write the report (Markdown) here")
    args = parser.parse_args()

    scores = {label: ([], []) for label in ROWS}
    seconds = 0.0
    for name in audio.list_audio(args.data):
        wave = audio.normalize_peak(audio.load_audio(name))
        seconds += wave.size / audio.SAMPLE_RATE
        for label, back in zip(ROWS, round_trips(wave)):
            scores[label][0].append(audio.snr_db(wave, back))
            scores[label][1].append(audio.log_spectral_distance(wave, back))
    n = len(scores[ROWS[0]][0])
    lines = [
        "# Audio representation round trip (no hiding)",
        "",
        f"{n} clips ({seconds / 60:.1f} min) from `{args.data}`, each peak-normalised, 16 kHz mono;",
        f"STFT {audio.N_FFT}/{audio.HOP} (Hann), {audio.WINDOW_SECONDS:.2f} s windows. complex: "
        f"power-law compression {audio.COMPRESSION:g}; magnitude: {audio_magnitude.RANGE_DB:g} dB of log "
        f"magnitude, Griffin-Lim {audio_magnitude.GRIFFIN_LIM_ITERATIONS} iterations. LSD floored "
        f"{audio.LSD_FLOOR_DB:g} dB below each clip's loudest bin. {platform.machine()} CPU, float32.",
        "",
        "| tensors | SNR median (dB) | SNR min (dB) | LSD median (dB) | LSD max (dB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, (snr, lsd) in scores.items():
        lines.append(f"| {label} | {np.median(snr):.1f} | {np.min(snr):.1f} | "
                     f"{np.median(lsd):.3f} | {np.max(lsd):.3f} |")
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
