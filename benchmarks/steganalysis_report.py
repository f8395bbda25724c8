"""Can the containers be told from clean photos? StegExpose's detectors and a CNN
steganalyser against LSB embeddings and the shipped models, plus the cost of keyed hiding.

Held-out photos are the validation split the shipped models never trained on
(``split_files``, 10 %, seed 0, as their model cards; the split is by file, so other shots of
a held-out scene may have been trained on); each is the centre square at ``--size``; photo i
hides photo i+1.
Kinds of stego: random-message LSB at full capacity (1 and 3 bits per sample, what StegExpose
was built for), 3-bit LSB of an image secret (the ExypnoSteganos paper's comparison), and each
shipped model's PNG container. The CNN steganalyser is trained per kind on training-split
photos (a seeded random sample, disjoint from the held-out ones), each as a clean cover and as
the stego made from it, and scored on the held-out set.

    python benchmarks/steganalysis_report.py --data ../shared/data/images \
        --out benchmarks/results/steganalysis
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from reporting import emit  # noqa: E402

from keras_steg.data.images import list_images, split_files  # noqa: E402
from keras_steg.evaluation import load_square  # noqa: E402
from keras_steg.imageio import psnr_uint8  # noqa: E402
from keras_steg.inference import from_saved_models  # noqa: E402
from keras_steg.scramble import derive_key, scramble, unscramble  # noqa: E402
from keras_steg.steganalysis import scoring  # noqa: E402
from keras_steg.steganalysis.cnn import cnn_scores, train_steganalyzer  # noqa: E402
from keras_steg.steganalysis.lsb import lsb_embed_message, lsb_hide  # noqa: E402
from keras_steg.steganalysis.roc import accuracy, auc  # noqa: E402

LSB_KINDS = ("lsb1_random", "lsb3_random", "lsb3_image")


def make_stegos(kind: str, covers: list[np.ndarray], seed: int = 0) -> list[np.ndarray]:
    """Stego images of ``kind`` (an LSB kind or a shipped model name): cover i hides i+1."""
    rng = np.random.default_rng(seed)
    secrets = covers[1:] + covers[:1]
    if kind == "lsb1_random":
        return [lsb_embed_message(c, 1.0, rng, 1) for c in covers]
    if kind == "lsb3_random":
        return [lsb_embed_message(c, 1.0, rng, 3) for c in covers]
    if kind == "lsb3_image":
        return [lsb_hide(c, s, 3) for c, s in zip(covers, secrets)]
    steg = from_saved_models(kind)
    return [steg.hide(c, s) for c, s in zip(covers, secrets)]


def keyed_rows(model: str, covers: list[np.ndarray]) -> dict:
    """Secret PSNR of ``model`` on the held-out pairs: plain, keyed (right key) and wrong key."""
    steg = from_saved_models(model)
    key, wrong = derive_key("benchmark key"), derive_key("wrong key")
    row = {"model": model, "cover_plain": [], "secret_plain": [], "cover_keyed": [],
           "secret_keyed": [], "secret_wrong_key": []}
    for cover, secret in zip(covers, covers[1:] + covers[:1]):
        container = steg.hide(cover, secret)
        row["cover_plain"].append(psnr_uint8(container, cover))
        row["secret_plain"].append(psnr_uint8(steg.reveal(container), secret))
        keyed = steg.hide(cover, scramble(secret, key))
        revealed = steg.reveal(keyed)
        row["cover_keyed"].append(psnr_uint8(keyed, cover))
        row["secret_keyed"].append(psnr_uint8(unscramble(revealed, key), secret))
        row["secret_wrong_key"].append(psnr_uint8(unscramble(revealed, wrong), secret))
    return {k: (v if k == "model" else float(np.mean(v))) for k, v in row.items()}


def _auc_cell(row: dict) -> str:
    """An AUC, with the share of images the detector answered when it skipped some."""
    text = f"{row['auc']:.3f}"
    return text if row["answered"] == 1 else f"{text} ({100 * row['answered']:.0f} % answered)"


def main(argv: list[str] | None = None) -> None:
    """Parse the options, measure everything and write ``steganalysis.md`` and CSV/PNGs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the photo folder the models trained on")
    parser.add_argument("--models", nargs="*", default=["scnn", "scnn_robust", "baluja", "exypno"])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--cnn-kinds", nargs="*", default=["lsb3_image", "scnn"],
                        help="kinds to train a CNN steganalyser for")
    parser.add_argument("--cnn-train", type=int, default=160, help="training-split photos per CNN")
    parser.add_argument("--cnn-steps", type=int, default=400)
    parser.add_argument("--keyed-models", nargs="*", default=["scnn"],
                        help="models to measure keyed hiding with (e.g. scnn and one trained "
                        "with --scramble-secrets)")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="the models' validation split (default 0.1, as trained)")
    parser.add_argument("--seed", type=int, default=0, help="the models' split seed (default 0)")
    parser.add_argument("--out", required=True, help="folder for steganalysis.md/.csv and ROC PNGs")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train_files, heldout_files = split_files(list_images(args.data), args.val_fraction, args.seed)
    covers = [load_square(f, args.size) for f in heldout_files]
    kinds = [*LSB_KINDS, *args.models]
    started = time.time()

    cover_rows = scoring.score_images(covers, heldout_files)
    tables, stegos, stego_rows = {}, {}, {}
    for kind in kinds:
        stegos[kind] = make_stegos(kind, covers)
        stego_rows[kind] = scoring.score_images(stegos[kind], heldout_files)
        tables[kind] = {r["detector"]: r for r in scoring.auc_rows(cover_rows, stego_rows[kind])}
        print(f"{kind}: fused AUC {tables[kind]['fused']['auc']:.3f}", file=sys.stderr)
    for kind in ("lsb3_image", *args.models[:1]):
        scoring.plot_roc(cover_rows, stego_rows[kind], out / f"roc_{kind}.png",
                         title=f"StegExpose detectors: {kind} vs clean ({len(covers)} held-out photos)")

    cnn = {}
    random.Random(args.seed).shuffle(train_files)  # not an alphabetical block of similar shots
    train_covers = [load_square(f, args.size) for f in train_files[:args.cnn_train]]
    for kind in args.cnn_kinds:
        # Paired training (as Ye-Net's): each training photo as a clean cover and as the stego
        # made from it, so only the hiding tells the two classes apart.
        model, history = train_steganalyzer(train_covers, make_stegos(kind, train_covers, seed=1),
                                            steps=args.cnn_steps, crop=min(128, args.size),
                                            verbose=0)
        clean, stego = cnn_scores(model, covers), cnn_scores(model, stegos[kind])
        cnn[kind] = {"auc": auc(clean, stego), "accuracy": accuracy(clean, stego),
                     "train_accuracy": history.history["accuracy"][-1]}
        print(f"cnn {kind}: AUC {cnn[kind]['auc']:.3f}", file=sys.stderr)

    keyed = [keyed_rows(m, covers) for m in args.keyed_models]

    detectors = [*scoring.detector_names(False)]
    lines = [
        "# Steganalysis of LSB embeddings and the shipped models",
        "",
        f"{len(covers)} held-out photos (the models' validation split, by file), centre "
        f"{args.size}x{args.size} squares; "
        "photo i hides photo i+1; containers saved as 8-bit PNG. Command: `python "
        f"benchmarks/steganalysis_report.py --data DATA --out {args.out}` "
        f"({platform.machine()} CPU, {time.time() - started:.0f} s).",
        "",
        "## StegExpose detectors: AUC (clean vs stego; 0.5 is guessing)",
        "",
        "| detector | " + " | ".join(kinds) + " |",
        "|---|" + "---:|" * len(kinds),
    ]
    for d in detectors:
        lines.append(f"| {d} | " + " | ".join(_auc_cell(tables[k][d]) for k in kinds) + " |")
    lines.append("| fused > 0.2: stegos flagged | "
                 + " | ".join(f"{100 * tables[k]['fused']['stego_flagged']:.0f} %" for k in kinds) + " |")
    lines += ["", f"Clean photos flagged (fused > 0.2): "
              f"{100 * tables[kinds[0]]['fused']['cover_flagged']:.0f} %.",
              "", "lsb1_random / lsb3_random: every sample's 1 or 3 low bits replaced by random "
              "message bits; lsb3_image: the secret photo's 3 high bits in the cover's 3 low bits.",
              "ROC curves: " + ", ".join(f"`roc_{k}.png`" for k in ("lsb3_image", *args.models[:1])) + "."]
    if cnn:
        lines += ["", "## CNN steganalyser (SRM filters + small CNN), trained per kind",
                  "",
                  f"Trained on {len(train_covers)} training-split photos, each clean and as the "
                  "stego made from it (photo i hiding photo i+1), "
                  f"{args.cnn_steps} steps of 16 random {min(128, args.size)}px square crops; "
                  "scored on the whole "
                  "held-out photos and their stegos.",
                  "",
                  "| stego kind | held-out AUC | held-out accuracy | last training accuracy |",
                  "|---|---:|---:|---:|"]
        for kind, r in cnn.items():
            lines.append(f"| {kind} | {r['auc']:.3f} | {r['accuracy']:.3f} | {r['train_accuracy']:.3f} |")
    lines += ["", "## Keyed hiding (`--key`): quality cost and wrong-key PSNR", "",
              "Mean PSNR (dB) over the held-out pairs; keyed = the secret scrambled (16x16 blocks "
              "shuffled and inverted by a key-derived plan) before hiding and unscrambled after "
              "revealing.", "",
              "| model | cover, plain | secret, plain | cover, keyed | secret, keyed | secret, wrong key |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in keyed:
        lines.append(f"| {r['model']} | {r['cover_plain']:.2f} | {r['secret_plain']:.2f} | "
                     f"{r['cover_keyed']:.2f} | {r['secret_keyed']:.2f} | {r['secret_wrong_key']:.2f} |")
    emit("\n".join(lines), str(out / "steganalysis.md"))
    scoring.write_csv([{"kind": k, **r} for k in kinds for r in tables[k].values()],
                      out / "steganalysis_auc.csv")


if __name__ == "__main__":
    main()
