"""How faithful the audio representation is, before any hiding: SNR and log-spectral distance
of each clip after audio -> (224, 224, 2) tensors -> audio, exactly and with the tensors
rounded to 8 bits (what an audio secret meets when its container is a PNG).

    python benchmarks/audio_representation.py --data ../shared/data/audio \
        --out benchmarks/results/audio_representation.md
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
from reporting import emit

from keras_steg.data import audio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder of audio clips")
    parser.add_argument("--out", help="also write the report (Markdown) here")
    args = parser.parse_args()

    scores = {"exact": ([], []), "8-bit": ([], [])}
    seconds = 0.0
    for name in audio.list_audio(args.data):
        wave = audio.normalize_peak(audio.load_audio(name))
        seconds += wave.size / audio.SAMPLE_RATE
        tensors = audio.audio_to_tensors(wave)
        for label, t in (("exact", tensors), ("8-bit", np.round(tensors * 255) / 255)):
            back = audio.tensors_to_audio(t, wave.size)
            scores[label][0].append(audio.snr_db(wave, back))
            scores[label][1].append(audio.log_spectral_distance(wave, back))
    n = len(scores["exact"][0])
    lines = [
        "# Audio representation round trip (no hiding)",
        "",
        f"{n} clips ({seconds / 60:.1f} min) from `{args.data}`, each peak-normalised, 16 kHz mono;",
        f"STFT {audio.N_FFT}/{audio.HOP} (Hann), power-law compression {audio.COMPRESSION:g}, "
        f"{audio.WINDOW_SECONDS:.2f} s windows; {platform.machine()} CPU, float32.",
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
