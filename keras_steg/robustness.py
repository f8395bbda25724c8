"""How well the secret survives real attacks on the saved container: curves of secret PSNR/SSIM
against JPEG quality, noise, crop and resize, as rows, a CSV and a plot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from keras_steg import evaluation
from keras_steg.attacks import SWEEPS, AttackSweep, crop_window
from keras_steg.evaluation import pair_scores

COLUMNS = ("model", "attack", "level", "pairs", "secret_psnr", "secret_ssim", "attacked_psnr")
CLEAN = "png"  # the baseline row: the container saved as an 8-bit PNG and nothing else


def _secret_scores(steg, attacked: np.ndarray, target: np.ndarray,
                   clean_window: np.ndarray) -> dict[str, float]:
    revealed = steg.reveal(attacked)
    scores = pair_scores(clean_window, attacked, target, revealed)
    # How hard the attack hit the container; None where it left the kept pixels unchanged
    # (the PNG row, a crop), whose PSNR is infinite.
    changed = np.isfinite(scores["cover_psnr"])
    return {"secret_psnr": scores["secret_psnr"], "secret_ssim": scores["secret_ssim"],
            "attacked_psnr": scores["cover_psnr"] if changed else None}


def attack_pair(steg, cover: np.ndarray, secret: np.ndarray,
                sweeps: Sequence[AttackSweep] = SWEEPS) -> list[dict]:
    """Hide ``secret`` in ``cover`` (RGB uint8, same size), then reveal from the clean 8-bit
    container and from every attacked copy. -> rows (attack, level, secret_psnr, secret_ssim,
    attacked_psnr), ``attacked_psnr`` being the attacked container against the clean one."""
    container = steg.hide(cover, secret)
    rows = [{"attack": CLEAN, "level": 0,
             **_secret_scores(steg, container, secret, container)}]
    for sweep in sweeps:
        for level in sweep.levels:
            attacked = sweep.apply(container, level)
            window = crop_window(container.shape, level) if sweep.crops else (slice(None),) * 2
            rows.append({"attack": sweep.name, "level": level,
                         **_secret_scores(steg, attacked, secret[window], container[window])})
    return rows


def robustness_rows(steg, images: Sequence[np.ndarray], model: str = "model",
                    sweeps: Sequence[AttackSweep] = SWEEPS,
                    progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Mean scores over pairs (image i hides image i + 1) for each attack and level.

    ``images``: at least two RGB uint8 arrays of one size. -> rows of ``COLUMNS``.
    """
    if len(images) < 2:
        raise ValueError("robustness needs at least two images (a cover and a different secret)")
    per_pair = []
    for i, cover in enumerate(images):
        per_pair.append(attack_pair(steg, cover, images[(i + 1) % len(images)], sweeps))
        if progress:
            progress(i + 1, len(images))
    rows = []
    for k, first in enumerate(per_pair[0]):
        same = [pair[k] for pair in per_pair]
        rows.append({"model": model, "attack": first["attack"], "level": first["level"],
                     "pairs": len(same),
                     **{c: _mean([r[c] for r in same]) for c in COLUMNS[4:]}})
    return rows


def _mean(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else float(np.mean(values))


def write_csv(rows: Sequence[dict], path: str | Path) -> None:
    """Rows of ``COLUMNS`` to a CSV file."""
    evaluation.write_csv(rows, path, COLUMNS)


def format_table(rows: Sequence[dict]) -> str:
    """A Markdown table of ``rows`` (numbers rounded for reading)."""
    lines = ["| model | attack | level | secret PSNR (dB) | secret SSIM | attacked container PSNR (dB) |",
             "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        level = "" if r["attack"] == CLEAN else f"{r['level']:g}"
        hit = "unchanged" if r["attacked_psnr"] is None else f"{r['attacked_psnr']:.2f}"
        lines.append(f"| {r['model']} | {r['attack']} | {level} | {r['secret_psnr']:.2f} | "
                     f"{r['secret_ssim']:.3f} | {hit} |")
    return "\n".join(lines)


def plot(rows: Sequence[dict], path: str | Path, sweeps: Sequence[AttackSweep] = SWEEPS) -> Path:
    """One panel per attack: secret PSNR against strength, a line per model, the clean PNG
    level dashed. Writes a PNG to ``path`` and returns it."""
    from keras_steg.plotting import pyplot

    plt = pyplot()

    models = list(dict.fromkeys(r["model"] for r in rows))
    fig, axes = plt.subplots(1, len(sweeps), figsize=(4 * len(sweeps), 3.4), sharey=True)
    for ax, sweep in zip(np.atleast_1d(axes), sweeps):
        for i, model in enumerate(models):
            color = f"C{i}"
            points = [r for r in rows if r["model"] == model and r["attack"] == sweep.name]
            ax.plot([r["level"] for r in points], [r["secret_psnr"] for r in points], "o-",
                    color=color, label=model)
            clean = [r["secret_psnr"] for r in rows if r["model"] == model and r["attack"] == CLEAN]
            if clean:
                ax.axhline(clean[0], color=color, ls="--", lw=0.8)
        if sweep.levels[0] > sweep.levels[-1]:
            ax.invert_xaxis()  # mildest attack on the left
        ax.set_xlabel(sweep.label)
        ax.grid(alpha=0.3)
    first = np.atleast_1d(axes)[0]
    first.set_ylabel("secret PSNR (dB)")
    first.legend(title="dashed: PNG only", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
