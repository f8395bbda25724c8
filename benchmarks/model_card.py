"""Measure an exported model on the held-out photos and write its model card.

The held-out photos are the validation split that training used (``split_files`` with the
same fraction and seed), so this reproduces the card's numbers:

    python benchmarks/model_card.py --data ../shared/data/images --model saved_models/scnn \
        --run RUN_DIR [--run RUN_DIR2 ...] --name scnn

It writes ``<model>/MODEL_CARD.md``, ``<model>/heldout_scores.csv`` and
``<model>/learning_curve.png`` (validation PSNR of every epoch of every run, in order).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import time
from pathlib import Path

from keras_steg.channel_spec import parse_spec
from keras_steg.data.images import list_images, split_files
from keras_steg.evaluation import evaluate_files, summarize, write_csv
from keras_steg.export import read_folds
from keras_steg.inference import from_saved_models
from keras_steg.models.registry import get_family


def _history(run: Path) -> list[dict]:
    with open(run / "history.csv") as f:
        return list(csv.DictReader(f))


def _config(run: Path) -> dict:
    return json.loads((run / "train_config.json").read_text())


def _wall_minutes(run: Path) -> float:
    """Training wall time of a run: from its summary, or (for a run stopped by hand) from the
    config file's creation to the last history row."""
    summary = run / "train_summary.json"
    if summary.exists():
        return json.loads(summary.read_text())["wall_seconds"] / 60
    return ((run / "history.csv").stat().st_mtime - (run / "train_config.json").stat().st_mtime) / 60


def plot_curve(runs: list[Path], path: Path, ylabel: str | None = None) -> None:
    """Validation cover/secret PSNR per epoch over consecutive runs, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    steps, cover, secret, boundaries = [], [], [], []
    offset = 0
    for run in runs:
        cfg = _config(run)
        for row in _history(run):
            steps.append(offset + (int(row["epoch"]) + 1) * cfg["steps_per_epoch"])
            cover.append(float(row["val_cover_psnr"]))
            secret.append(float(row["val_secret_psnr"]))
        boundaries.append((offset, f"{_crop_text(cfg)} crops"))
        offset = steps[-1] if steps else offset
    ax.plot(steps, cover, "o-", label="cover vs container")
    ax.plot(steps, secret, "s-", label="secret vs revealed")
    for x, label in boundaries:
        ax.axvline(x, color="grey", ls=":")
        ax.text(x, min(cover + secret), f" {label}", fontsize=8, color="grey")
    ax.set_xlabel("training steps")
    sizes = sorted({_config(run)["val_size"] for run in runs})
    ax.set_ylabel(ylabel or f"validation PSNR (dB), {'/'.join(map(str, sizes))} px squares")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _crop_text(cfg: dict) -> str:
    """"64x64" for image crops; "224x32" (frequency x frames) for audio tensors."""
    if cfg.get("modality") == "audio":
        return f"224x{cfg['crop']}"
    return f"{cfg['crop']}x{cfg['crop']}"


def _schedule_text(cfg: dict) -> str:
    """How a run moved its learning rates: "plateau" or "cosine", after any warm-up."""
    decay = cfg.get("lr_decay", "plateau")  # runs older than --lr-decay used the plateau schedulers
    return (f"{cfg['warmup']} warm-up, " if cfg.get("warmup") else "") + decay


def _stage_row(run: Path) -> str:
    cfg = _config(run)
    steps = len(_history(run)) * cfg["steps_per_epoch"]
    rates = f"{cfg['lr']:g}" + (f" / {cfg['reveal_lr']:g}" if cfg.get("reveal_lr") else "")
    crop = _crop_text(cfg)
    if cfg.get("scale_jitter", 1.0) < 1.0:
        crop += f", scale jitter {cfg['scale_jitter']:g}"
    return (f"| {crop} | {cfg['batch']} | {steps} | {rates} | {_schedule_text(cfg)} | "
            f"{cfg['beta']:g} | {cfg['quantize_after']} | {cfg['precision']} | {_wall_minutes(run):.0f} |")


def training_table(runs: list[Path], note: str = "", crop_header: str = "crop") -> list[str]:
    """The card's lines for the training stages (one table row per run), the note and the
    learning curve."""
    return [
        f"| {crop_header} | pairs/step | steps | lr (sender / receiver) | lr schedule | beta "
        "| quantize after | precision | wall (min) |",
        "|---|---:|---:|---|---|---:|---:|---|---:|",
        *[_stage_row(run) for run in runs],
        "",
        *([note, ""] if note else []),
        "![learning curve](learning_curve.png)",
        "",
    ]


def _channel_text(meta: dict) -> str:
    """The training channel of the exported model's family and config (noise, quantization)."""
    from keras_steg.models.registry import build_model

    channel = build_model(meta["family"], **meta.get("config", {})).channel
    parts = getattr(channel, "layers", [channel]) if channel else []
    names = [f"Gaussian noise (std {p.stddev:g})" if hasattr(p, "stddev") else "8-bit rounding"
             for p in parts]
    return " then ".join(names) or "none"


def describe_family(meta: dict) -> str:
    """One line naming the family and the arguments it was built with."""
    config = meta.get("config") or {}
    args = ", ".join(f"{k}={v}" for k, v in config.items())
    return get_family(meta["family"]).module.DESCRIPTION + (f" ({args})" if args else "")


def describe_recipe(family: str, run_config: dict) -> list[str]:
    """Sentences on the optimizers, schedules and loss of a training run (``train_config.json``;
    what it lacks comes from the family's recipe)."""
    recipe = get_family(family).recipe
    beta_1 = run_config.get("beta_1") or recipe.beta_1
    alpha = run_config.get("alpha") or recipe.alpha
    beta = run_config.get("beta") or recipe.beta
    loss = (run_config.get("loss") or recipe.loss).upper()
    if recipe.reveal_lr is not None:
        optimizers = f"Two Adams (beta_1 {beta_1:g}), one per network"
    else:
        optimizers = f"One Adam (beta_1 {beta_1:g}) over all networks"
    owner = {"optimizer": "sender" if recipe.reveal_lr is not None else "the",
             "reveal_optimizer": "receiver"}
    schedules = "; ".join(
        f"{owner[s.optimizer]} learning rate "
        f"x{s.factor:g} after {s.patience} epochs without a lower validation "
        f"{s.monitor.replace('_', ' ')}" + (f" (floor {s.min_lr:g})" if s.min_lr else "")
        for s in recipe.schedulers)
    cover_loss = (run_config.get("cover_loss") or loss).upper()
    return [f"{optimizers}; {schedules}; loss {alpha:g} {cover_loss}(cover) + {beta:g} {loss}(secret)."]


def robustness_section(model_dir: Path, name: str, heldout: list[str], pairs: int,
                       size: int, compare: list[str]) -> list[str]:
    """Measure secret PSNR/SSIM after real attacks on the first ``pairs`` held-out photos, for
    this model and the ``compare`` models; write robustness.{csv,md,png} into ``model_dir`` and
    return the card's lines (none when ``pairs`` is 0)."""
    if not pairs:
        return []
    from keras_steg import robustness
    from keras_steg.evaluation import load_square

    images = [load_square(f, size) for f in heldout[:pairs]]
    rows = []
    for label, folder in [(name, str(model_dir)), *((Path(c).name, c) for c in compare)]:
        rows += robustness.robustness_rows(from_saved_models(folder), images, model=label)
    table = robustness.format_table(rows)
    robustness.write_csv(rows, model_dir / "robustness.csv")
    (model_dir / "robustness.md").write_text(table + "\n")
    robustness.plot(rows, model_dir / "robustness.png")
    return [
        "## Robustness: the secret after real attacks on the saved container",
        "",
        f"The first {len(images)} held-out photos at {size}x{size}, photo i hiding photo i+1. The",
        "8-bit container is attacked before the receiver reveals it: real JPEG (OpenCV, 4:2:0),",
        "Gaussian noise rounded back to 8 bits, a centred crop (the secret is scored on the same",
        "window), a shrink and enlarge back. `png` is the container as saved. Per level in",
        "`robustness.csv`.",
        "",
        table,
        "",
        "![robustness curves](robustness.png)",
        "",
    ]


def card_parser(description: str, data: str, name: str) -> argparse.ArgumentParser:
    """The options every model-card script takes (``data`` describes the --data folder)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", required=True, help=data)
    parser.add_argument("--model", required=True, help="exported model folder")
    parser.add_argument("--run", action="append", default=[], help="training run folder(s), in order")
    parser.add_argument("--name", default=name)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    note = parser.add_mutually_exclusive_group()
    note.add_argument("--note", default="", help="a remark added under the training table")
    note.add_argument("--note-file", type=Path, metavar="FILE",
                      help="a Markdown file whose text is added under the training table "
                           "(commit it beside the runs, so the card's command regenerates the card)")
    return parser


def read_note(args: argparse.Namespace) -> tuple[str, str]:
    """The training note of ``card_parser``'s arguments and the option that reproduces it:
    ``(text, " --note-file FILE" | ' --note "..."' | "")``."""
    if args.note_file is not None:
        if not args.note_file.is_file():
            raise SystemExit(f"model_card: no note file {args.note_file}")
        return args.note_file.read_text().strip(), f" --note-file {args.note_file}"
    return args.note, (' --note "..."' if args.note else "")


def storage_note(model_dir: Path, meta: dict) -> list[str]:
    """One paragraph on how the exported folder stores and serves the networks: the weights'
    dtype and the folder's size, the BatchNorms folded into convolutions, the bfloat16
    signature."""
    megabytes = sum(f.stat().st_size for f in model_dir.rglob("*") if f.is_file()) / 2**20
    folds = sum(len(read_folds(model_dir / net)) for net in ("sender", "receiver"))
    stored = ("float16 (half the space of float32)" if meta.get("weights_dtype") == "float16"
              else "float32")
    folded = (f"{folds} BatchNorms folded into the convolutions before them (same outputs, one "
              "memory pass fewer each) and " if folds else "")
    return [f"Storage: the weights are stored in {stored}; the folder holds {megabytes:.0f} MB.",
            f"The served graphs have {folded}a second signature, `serving_bfloat16`, computing in",
            "bfloat16 (`--precision bfloat16`; its quality and speed:",
            "`python benchmarks/precision_quality.py --data ../shared/data/images`).", ""]


def floor_verdict(mean: dict, floor: tuple[float, float]) -> list[str]:
    """One paragraph saying whether the held-out ``mean`` (``summarize`` keys) meets the quality
    floor ``(cover dB, secret dB)``, each pair with its margin; ``[]`` without a floor."""
    if not floor:
        return []
    parts = []
    for pair, target in zip(("cover", "secret"), floor):
        value = mean[f"{pair}_psnr"]
        margin = f"{value - target:+.2f} dB"
        parts.append(f"the {pair} {'meets' if value >= target else 'misses'} it "
                     f"({value:.2f} dB, {margin})")
    return [f"Quality floor: cover >= {floor[0]:g} dB and secret >= {floor[1]:g} dB PSNR; "
            + " and ".join(parts) + ".", ""]


def main() -> None:
    parser = card_parser(__doc__.splitlines()[0], "the training image folder", "scnn")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--robustness", type=int, default=0, metavar="N",
                        help="also measure robustness to real attacks on N held-out pairs")
    parser.add_argument("--compare", action="append", default=[], metavar="MODEL",
                        help="other models drawn beside this one in the robustness curves")
    parser.add_argument("--floor", type=float, nargs=2, metavar=("COVER_DB", "SECRET_DB"),
                        help="say under the held-out table whether both PSNRs meet this floor")
    args = parser.parse_args()
    note, note_option = read_note(args)

    model_dir = Path(args.model)
    meta = json.loads((model_dir / "metadata.json").read_text())
    channel = _channel_text(meta)  # fails (bad folder) before anything is written
    _, heldout = split_files(list_images(args.data), args.val_fraction, args.seed)
    steg = from_saved_models(str(model_dir))
    start = time.time()
    rows = evaluate_files(steg, heldout, args.size)
    seconds = time.time() - start
    write_csv(rows, model_dir / "heldout_scores.csv")
    mean = summarize(rows)

    runs = [Path(r) for r in args.run]
    if runs:
        plot_curve(runs, model_dir / "learning_curve.png")
    meta["heldout"] = {**{k: round(v, 4) for k, v in mean.items()}, "images": len(rows)}
    (model_dir / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")

    configs = [_config(r) for r in runs]
    first = configs[0] if configs else {}
    weights = ("float32" if meta.get("weights_dtype", "float32") == "float32"
               else "float32-computing (weights stored in float16)")
    spec = configs[-1].get("channel") if configs else None
    if spec:
        per = "image" if parse_spec(spec).per_image else "batch"
        channel = (f"`--channel {spec}` (one attack per {per}, chosen at random, then 8-bit "
                   "rounding; see `keras-steg train --help`)")
    specs = {c.get("channel") for c in configs}
    stages = ("" if len(runs) < 2 else
              " The sentences above describe the first stage; the table gives each stage's "
              "schedule and beta" + (", the note after it each stage's channel." if len(specs) > 1
                                     else "."))
    lines = [
        f"# Model card: `{args.name}`",
        "",
        f"Family: {describe_family(meta)}. Sender and receiver are",
        f"separate {weights} SavedModels (`sender/`, `receiver/`). Continue training from them with",
        f"`keras-steg train --init {args.name} ...` or `keras_steg.load_pretrained(\"{args.name}\")`.",
        "",
        "## Quality on held-out photos, after the 8-bit PNG round trip",
        "",
        f"{len(rows)} photos never seen in training (the {args.val_fraction:.0%} validation split of the",
        f"training folder, seed {args.seed}); each is the centre {args.size}x{args.size} square of the",
        "whole photo; photo i hides photo i+1. The container is rounded to 8 bits (what saving a PNG",
        "does) before the receiver reveals it.",
        "",
        "| pair | PSNR (dB) | SSIM | APD (mean abs, 0-255) | APD eq. (3) |",
        "|---|---:|---:|---:|---:|",
        f"| cover vs container | {mean['cover_psnr']:.2f} | {mean['cover_ssim']:.4f} | "
        f"{mean['apd_cover']:.3f} | {mean['apd_eq3_cover']:.3f} |",
        f"| secret vs revealed | {mean['secret_psnr']:.2f} | {mean['secret_ssim']:.4f} | "
        f"{mean['apd_secret']:.3f} | {mean['apd_eq3_secret']:.3f} |",
        "",
        f"Per-image scores: `heldout_scores.csv`. Hiding and revealing the {len(rows)} pairs took "
        f"{seconds:.0f} s ({platform.machine()} CPU, {weights} SavedModels).",
        "",
        *floor_verdict(mean, args.floor),
        *storage_note(model_dir, meta),
        "## Training",
        "",
        "Data: the project's photo pool (391 real colour photographs; sources and licences in its",
        f"MANIFEST.csv) minus the held-out {len(rows)}. Square crops at random scales between the",
        f"photo's native resolution and the one where its short side is {args.size} px, random",
        "horizontal flips; cover and secret are always different photos.",
        *describe_recipe(meta["family"], first),
        f"Training channel{' of the last stage' if len(specs) > 1 else ''}: {channel} (8-bit "
        f"rounding straight-through, from the step given below).{stages}",
        "2-core CPU, no GPU.",
        "",
        *training_table(runs, note),
        *robustness_section(model_dir, args.name, heldout, args.robustness, args.size, args.compare),
        "Reproduce the numbers above:",
        "",
        "```",
        f"python benchmarks/model_card.py --data ../shared/data/images --model saved_models/{args.name} "
        f"--name {args.name} " + " ".join(f"--run {r}" for r in args.run)
        + (f" --robustness {args.robustness}" if args.robustness else "")
        + "".join(f" --compare {c}" for c in args.compare)
        + (f" --floor {args.floor[0]:g} {args.floor[1]:g}" if args.floor else "")
        + note_option,
        "```",
        "",
    ]
    (model_dir / "MODEL_CARD.md").write_text("\n".join(lines))
    print("\n".join(lines[6:19]))


if __name__ == "__main__":
    main()
