"""Measure an exported audio-in-audio model on the held-out clips and write its model card.

The held-out clips are the validation split training used (``split_clips`` with the same
fraction and seed), so this reproduces the card's numbers:

    python benchmarks/audio_model_card.py --data ../shared/data/audio \
        --model saved_models/scnn_audio --run RUN_DIR --name scnn_audio

It (over)writes ``<model>/MODEL_CARD.md``, ``<model>/heldout_scores.csv``, ``<model>/example.png``
(spectrograms of the first held-out pair) and ``<model>/learning_curve.png``.
"""

from __future__ import annotations

import csv
import json
import platform
import time
from pathlib import Path

import numpy as np
from model_card import (
    _config,
    card_parser,
    describe_family,
    describe_recipe,
    plot_curve,
    read_note,
    training_table,
)

from keras_steg.audio_figure import save_audio_figure
from keras_steg.data import audio
from keras_steg.data.audio_representations import get_representation
from keras_steg.evaluation import summarize, write_csv
from keras_steg.inference import from_saved_models
from keras_steg.media_evaluation import AUDIO_COLUMNS, audio_pair, audio_scores, evaluate_audio_files


def _content(data: Path) -> dict[str, str]:
    """File name -> its MANIFEST.csv "content" (first word: speech, music), if there is one."""
    manifest = data / "MANIFEST.csv"
    if not manifest.exists():
        return {}
    with open(manifest) as f:
        return {row["file"]: row.get("content", "").split(" ")[0] for row in csv.DictReader(f)}


def _example(steg, cover_file: str, secret_file: str, path: Path) -> None:
    waves = audio_pair(steg, cover_file, secret_file)
    save_audio_figure(path, waves, audio_scores(waves))


REPRESENTATION_TEXT = {
    "complex": ["Each clip is cut into {seconds} s windows, each a 224x224x2 STFT tensor of real and",
                "imaginary parts (16 kHz mono; `keras_steg/data/audio.py`); window i of the secret",
                "is hidden in window i of the cover."],
    "magnitude": ["Each clip is cut into {seconds} s windows, each a 224x224 STFT (16 kHz mono): the",
                  "cover as [log magnitude, phase], the secret as its log magnitude",
                  "(`keras_steg/data/audio_magnitude.py`).",
                  "The networks change only the cover's magnitudes and its phase passes into the container",
                  "unchanged (`keras_steg/models/audio_adapter.py`); the revealed magnitude becomes sound by",
                  "Griffin-Lim. Window i of the secret is hidden in window i of the cover."],
}


def ceiling_scores(files: list[str], representation: str) -> dict[str, float] | None:
    """Mean secret SNR/LSD with no hiding at all, the secret's own tensors turned back into
    sound (clip i + 1 as ``evaluate_audio_files`` pairs them): the best a receiver can do.
    None for the exact "complex" representation."""
    if representation != "magnitude":
        return None
    rep = get_representation(representation)
    scores = []
    for cover_file, secret_file in zip(files, files[1:] + files[:1]):
        cover_size = audio.load_audio(cover_file).size
        secret = audio.normalize_peak(audio.load_audio(secret_file)[:cover_size])
        rebuilt = rep.secret_audio(rep.secret_tensors(secret))[:secret.size]
        scores.append((audio.snr_db(secret, rebuilt), audio.log_spectral_distance(secret, rebuilt)))
    snr, lsd = np.mean(scores, axis=0)
    return {"secret_snr": float(snr), "secret_lsd": float(lsd)}


def main() -> None:
    """Evaluate, plot and (re)write the model folder's MODEL_CARD.md, heldout_scores.csv,
    example.png, learning_curve.png and the "heldout" entry of its metadata.json."""
    args = card_parser(__doc__.splitlines()[0], "the training audio folder", "scnn_audio").parse_args()
    note, note_option = read_note(args)

    data, model_dir = Path(args.data), Path(args.model)
    meta = json.loads((model_dir / "metadata.json").read_text())
    clips = audio.load_clips(audio.list_audio(data))
    train_clips, heldout = audio.split_clips(clips, args.val_fraction, args.seed)
    steg = from_saved_models(str(model_dir))
    ceiling = ceiling_scores(heldout.files, steg.audio_representation)
    start = time.time()
    rows = evaluate_audio_files(steg, heldout.files)
    seconds = time.time() - start
    write_csv(rows, model_dir / "heldout_scores.csv", AUDIO_COLUMNS)
    numeric = AUDIO_COLUMNS[2:]
    mean = summarize(rows, numeric)
    content = _content(data)
    by_kind = {}
    for kind in sorted({content.get(r["cover"], "") for r in rows} - {""}):
        kind_rows = [r for r in rows if content.get(r["secret"]) == kind]
        if kind_rows:
            by_kind[kind] = (len(kind_rows), summarize(kind_rows, numeric))
    _example(steg, heldout.files[0], heldout.files[1], model_dir / "example.png")

    runs = [Path(r) for r in args.run]
    if runs:
        plot_curve(runs, model_dir / "learning_curve.png",
                   ylabel="validation PSNR of the STFT tensors (dB)")
    meta["heldout"] = {**{k: round(v, 4) for k, v in mean.items()}, "clips": len(rows)}
    (model_dir / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
    audio_seconds = sum(r["seconds"] for r in rows)

    def row(label: str, n: int, m: dict) -> str:
        return (f"| {label} | {n} | {m['cover_snr']:.2f} | {m['cover_lsd']:.2f} | "
                f"{m['secret_snr']:.2f} | {m['secret_lsd']:.2f} |")

    lines = [
        f"# Model card: `{args.name}`",
        "",
        f"Audio in audio. Family: {describe_family(meta)}.",
        *[line.format(seconds=f"{audio.WINDOW_SECONDS:.2f}")
          for line in REPRESENTATION_TEXT[steg.audio_representation]],
        "",
        "## Quality on held-out clips, through a float WAV container",
        "",
        f"{len(rows)} whole clips never seen in training (the {args.val_fraction:.0%} validation split,",
        f"seed {args.seed}); clip i hides clip i+1 (cut to the cover's length, peak-normalised). The",
        "container goes through what writing and reading the WAV does (inverse STFT, then STFT)",
        "before the receiver reveals it. SNR in dB (higher is better; 0 dB means the error is as",
        "loud as the signal); LSD = log-spectral distance in dB (lower is better).",
        "",
        "| secrets | pairs | cover SNR | cover LSD | secret SNR | secret LSD |",
        "|---|---:|---:|---:|---:|---:|",
        row("all", len(rows), mean),
        *[row(kind, n, m) for kind, (n, m) in by_kind.items()],
        *([f"| no hiding: the secret's own magnitude through Griffin-Lim | {len(rows)} | | | "
           f"{ceiling['secret_snr']:.2f} | {ceiling['secret_lsd']:.2f} |", "",
           "The last row is the ceiling of this representation: Griffin-Lim invents a phase, so the",
           "revealed waveform does not line up with the secret's (SNR near 0 dB, or below) even when",
           "the magnitude is perfect; LSD is the measure of the secret's quality here."]
          if ceiling else []),
        "",
        f"Per-clip scores: `heldout_scores.csv`. Hiding and revealing {audio_seconds:.0f} s of audio took "
        f"{seconds:.0f} s ({platform.machine()} CPU, float32 SavedModels).",
        "",
        "![spectrograms of the first held-out pair](example.png)",
        "",
        "## Training",
        "",
        f"Data: the project's audio pool ({len(clips.waves)} speech and music recordings; sources and",
        f"licences in its MANIFEST.csv) minus the held-out {len(rows)}. Random windows of two different",
        "clips, the secret peak-normalised; crops keep every frequency and a run of frames.",
        *describe_recipe(meta["family"], _config(runs[0]) if runs else {}),
        "Training channel: the STFT round trip (straight-through), what saving the container as",
        "sound does. 2-core CPU, no GPU.",
        "Validation PSNRs in the log are of the tensors (log magnitude for this model), not the sound.",
        "",
        *training_table(runs, note, crop_header="crop (bins x frames)"),
        "Reproduce the numbers above:",
        "",
        "```",
        f"python benchmarks/audio_model_card.py --data ../shared/data/audio --model saved_models/{args.name} "
        f"--name {args.name} " + " ".join(f"--run {r}" for r in args.run)
        + note_option,
        "```",
        "",
    ]
    (model_dir / "MODEL_CARD.md").write_text("\n".join(lines))
    print("\n".join(lines[8:20]))
    print(f"train clips {len(train_clips.waves)}, held-out {len(rows)}, "
          f"median secret SNR {np.median([r['secret_snr'] for r in rows]):.2f} dB")


if __name__ == "__main__":
    main()
