"""The steganalysis verbs of ``keras-steg``: steganalyze, diffmap, train-steganalyzer."""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import numpy as np

from keras_steg.steganalysis.stegexpose import THRESHOLD


def _refuse_existing(paths: list[Path], overwrite: bool) -> None:
    for path in paths:
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path}: already exists (use --overwrite to replace it)")


def load_folder(folder: str, limit: int = 0) -> tuple[list[str], list[np.ndarray]]:
    """(file names, RGB uint8 images) of the readable images below ``folder`` (recursive,
    sorted), at most ``limit`` (0: all); unreadable files are skipped with a warning."""
    from keras_steg.data.images import list_images
    from keras_steg.evaluation import load_readable

    images, files = load_readable(list_images(folder), None, limit or None)
    if not images:
        raise ValueError(f"{folder}: no readable images")
    return [str(Path(f).relative_to(folder)) for f in files], images


def split_by_stem(cover_names: list[str], stego_names: list[str], val_fraction: float,
                  seed: int = 0) -> tuple[tuple[list[int], list[int]], tuple[list[int], list[int]]]:
    """((cover train, cover held-out), (stego train, stego held-out)) indices: the held-out
    stems are drawn once from both folders' file stems, so a cover and the stego made from it
    (same stem) always land on the same side."""
    stems = sorted({Path(n).stem for n in [*cover_names, *stego_names]})
    random.Random(seed).shuffle(stems)
    held = set(stems[:math.ceil(val_fraction * len(stems))])

    def split(names: list[str]) -> tuple[list[int], list[int]]:
        return ([i for i, n in enumerate(names) if Path(n).stem not in held],
                [i for i, n in enumerate(names) if Path(n).stem in held])

    return split(cover_names), split(stego_names)


# === Verbs ===
def cmd_steganalyze(args) -> None:
    """Score one folder (table, optional CSV) or compare covers with stegos (ROC, AUCs)."""
    from keras_steg.steganalysis import scoring

    if bool(args.folder) == bool(args.covers or args.stegos):
        raise ValueError("give a folder to score, or --covers DIR and --stegos DIR to compare")
    if not args.folder and not (args.covers and args.stegos):
        raise ValueError("comparing needs both --covers DIR and --stegos DIR")
    if args.folder and args.out:
        raise ValueError("--out is for --covers/--stegos; a folder's scores go to --csv FILE")
    if not args.folder and args.csv:
        raise ValueError("--csv is for one folder; comparing writes its files to --out FOLDER")
    if args.csv and not Path(args.csv).resolve().parent.is_dir():
        raise ValueError(f"{args.csv}: its folder does not exist")
    if not 0 <= args.threshold <= 1:
        raise ValueError(f"--threshold must be in [0, 1], got {args.threshold}")
    cnn = None
    if args.cnn:
        from keras_steg.steganalysis.cnn import load_steganalyzer

        cnn = load_steganalyzer(args.cnn)
    from keras_steg.cli import _progress

    if args.folder:
        if args.csv:
            _refuse_existing([Path(args.csv)], args.overwrite)
        names, images = load_folder(args.folder, args.limit)
        rows = scoring.score_images(images, names, cnn, args.threshold, progress=_progress)
        print(scoring.format_scores(rows))
        flagged = sum(r["flagged"] for r in rows)
        print(f"{flagged} of {len(rows)} images flagged (fused score > {args.threshold:g})")
        if args.csv:
            scoring.write_csv(rows, args.csv)
            print(f"per-image scores written to {args.csv}")
        return
    out = Path(args.out or "steganalysis")
    outputs = {name: out / name for name in ("roc.png", "auc.md", "auc.csv", "scores.csv")}
    _refuse_existing(list(outputs.values()), args.overwrite)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    rows = {}
    for kind, folder in (("cover", args.covers), ("stego", args.stegos)):
        names, images = load_folder(folder, args.limit)
        print(f"{kind}s: {len(images)} images from {folder}", file=sys.stderr)
        rows[kind] = scoring.score_images(images, names, cnn, args.threshold, progress=_progress)
    table = scoring.auc_rows(rows["cover"], rows["stego"], args.threshold)
    out.mkdir(parents=True, exist_ok=True)
    text = scoring.format_auc(table, args.threshold)
    print(text)
    outputs["auc.md"].write_text(text + "\n")
    scoring.write_csv(table, outputs["auc.csv"])
    scoring.write_csv([{"kind": kind, **r} for kind in rows for r in rows[kind]], outputs["scores.csv"])
    scoring.plot_roc(rows["cover"], rows["stego"], outputs["roc.png"])
    print(f"ROC curve, AUC table and per-image scores written to {out}/")


def cmd_diffmap(args) -> None:
    """Write the cover/container diff map PNG and print how much changed."""
    from keras_steg.imageio import read_image
    from keras_steg.steganalysis.diffmap import change_stats, diff_map

    out = Path(args.output)
    if out.suffix.lower() != ".png":
        raise ValueError(f"{out}: the diff map is written as .png")
    _refuse_existing([out], args.overwrite)
    cover, container = read_image(args.cover), read_image(args.container)
    stats = change_stats(cover, container)
    diff_map(cover, container, out, title=f"{Path(args.container).name} vs {Path(args.cover).name}")
    print(f"{100 * stats['changed']:.2f} % of pixels changed, mean |difference| "
          f"{stats['mean_abs']:.2f}, largest {stats['max_abs']:.0f} (0-255 scale)")
    print(f"diff map written to {out}")


def cmd_train_steganalyzer(args) -> None:
    """Train the CNN steganalyser on the folders minus a held-out share of stems, save it,
    and print its held-out accuracy and AUC."""
    from keras_steg.steganalysis.cnn import cnn_scores, train_steganalyzer
    from keras_steg.steganalysis.roc import accuracy, auc

    out = Path(args.output)
    if out.suffix != ".keras":
        raise ValueError(f"{out}: the steganalyser is saved as a .keras file")
    _refuse_existing([out], args.overwrite)
    if not 0 <= args.val_fraction < 1:
        raise ValueError(f"--val-fraction must be in [0, 1), got {args.val_fraction}")
    cover_names, covers = load_folder(args.covers, args.limit)
    stego_names, stegos = load_folder(args.stegos, args.limit)
    cover_split, stego_split = split_by_stem(cover_names, stego_names, args.val_fraction, args.seed)
    if not cover_split[0] or not stego_split[0]:
        raise ValueError("no covers or no stegos left to train on; lower --val-fraction")
    model, _ = train_steganalyzer([covers[i] for i in cover_split[0]],
                                  [stegos[i] for i in stego_split[0]], steps=args.steps,
                                  batch=args.batch, crop=args.crop, seed=args.seed, verbose=2)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    print(f"steganalyser saved to {out} (use: keras-steg steganalyze --cnn {out} ...)")
    held_covers = cnn_scores(model, [covers[i] for i in cover_split[1]])
    held_stegos = cnn_scores(model, [stegos[i] for i in stego_split[1]])
    if held_covers and held_stegos:
        print(f"held out ({len(held_covers)} covers, {len(held_stegos)} stegos, no stem seen in "
              f"training): accuracy {accuracy(held_covers, held_stegos):.3f}, "
              f"AUC {auc(held_covers, held_stegos):.3f}")


def add_verbs(verbs) -> None:
    """Add steganalyze, diffmap and train-steganalyzer to the ``keras-steg`` subparsers."""
    p = verbs.add_parser("steganalyze", help="StegExpose's detectors (and a CNN) on a folder, or "
                         "covers vs stegos: ROC curve and AUC table")
    p.add_argument("folder", nargs="?", help="folder of images to score")
    p.add_argument("--covers", help="folder of clean images (with --stegos: ROC and AUCs)")
    p.add_argument("--stegos", help="folder of images that hide something")
    p.add_argument("--cnn", help="a steganalyser .keras file from train-steganalyzer")
    p.add_argument("--threshold", type=float, default=THRESHOLD,
                   help=f"fused score above which an image is flagged (default {THRESHOLD}, "
                   "StegExpose's)")
    p.add_argument("--limit", type=int, default=0, help="use only the first N images of a folder")
    p.add_argument("--csv", help="folder mode: write the per-image scores here")
    p.add_argument("--out", help="covers/stegos mode: folder for roc.png, auc.md, auc.csv, "
                   "scores.csv (default: ./steganalysis)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_steganalyze)

    p = verbs.add_parser("diffmap", help="where a container differs from its cover, and the "
                         "colour histograms of both (ExypnoSteganos' Fig. 8), as one PNG")
    p.add_argument("cover")
    p.add_argument("container")
    p.add_argument("-o", "--output", default="diffmap.png", help="PNG to write (default diffmap.png)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_diffmap)

    p = verbs.add_parser("train-steganalyzer", help="train a CNN steganalyser (SRM filters + "
                         "small CNN) on folders of covers and stegos")
    p.add_argument("--covers", required=True, help="folder of clean images")
    p.add_argument("--stegos", required=True, help="folder of images that hide something "
                   "(a stego named like its cover is held out with it)")
    p.add_argument("-o", "--output", required=True, help=".keras file to write")
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--crop", type=int, default=128, help="training crop side (default 128)")
    p.add_argument("--val-fraction", type=float, default=0.2,
                   help="share of file stems held out to measure accuracy (default 0.2)")
    p.add_argument("--limit", type=int, default=0, help="use only the first N images of each folder")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_train_steganalyzer)

