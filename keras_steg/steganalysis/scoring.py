"""Score folders of images with every detector: per-image tables, AUC tables and ROC plots."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from keras_steg.plotting import pyplot
from keras_steg.steganalysis.roc import answered, auc, detection_rate, roc_curve
from keras_steg.steganalysis.stegexpose import DETECTORS, THRESHOLD, stegexpose_scores

FUSED = "fused"
CNN = "cnn"
Progress = Callable[[int, int], None]


def detector_names(with_cnn: bool) -> list[str]:
    """Score columns in order: StegExpose's four detectors, "fused", then "cnn" if used."""
    return [*DETECTORS, FUSED] + ([CNN] if with_cnn else [])


def _shared_detectors(cover_rows: Sequence[dict], stego_rows: Sequence[dict]) -> list[str]:
    """The detectors scored on both covers and stegos, in column order."""
    return [n for n in detector_names(CNN in cover_rows[0]) if n in stego_rows[0]]


def score_images(images: Sequence[np.ndarray], names: Sequence[str], cnn=None,
                 threshold: float = THRESHOLD, progress: Progress | None = None) -> list[dict]:
    """uint8 RGB (H, W, 3) images -> one row each: {"image": name, each detector's score in
    [0, 1] (NaN: no answer), "fused", ["cnn": probability], "flagged": fused > threshold}."""
    rows = []
    for i, (name, image) in enumerate(zip(names, images), start=1):
        row = {"image": name, **stegexpose_scores(image)}
        if cnn is not None:
            from keras_steg.steganalysis.cnn import cnn_scores

            row[CNN] = cnn_scores(cnn, [image])[0]
        row["flagged"] = bool(row[FUSED] > threshold)
        rows.append(row)
        if progress:
            progress(i, len(images))
    return rows


def auc_rows(cover_rows: Sequence[dict], stego_rows: Sequence[dict], threshold: float = THRESHOLD
             ) -> list[dict]:
    """Per detector (and "fused", "cnn" when scored): {"detector", "auc" (NaN scores left
    out), "answered" (share of all images with a score), "cover_flagged", "stego_flagged"}
    where flagged is the share above ``threshold`` (0.5 for the CNN)."""
    table = []
    for name in _shared_detectors(cover_rows, stego_rows):
        covers = [r[name] for r in cover_rows]
        stegos = [r[name] for r in stego_rows]
        cut = 0.5 if name == CNN else threshold
        table.append({"detector": name, "auc": auc(covers, stegos),
                      "answered": answered(covers + stegos),
                      "cover_flagged": detection_rate(covers, cut),
                      "stego_flagged": detection_rate(stegos, cut)})
    return table


def format_scores(rows: Sequence[dict]) -> str:
    """A fixed-width text table of ``score_images`` rows."""
    names = detector_names(CNN in rows[0])
    lines = [f"{'image':<32}" + "".join(f"{n:>14}" for n in names) + f"{'flagged':>9}"]
    for r in rows:
        lines.append(f"{r['image'][-31:]:<32}" + "".join(f"{r[n]:>14.4f}" for n in names)
                     + f"{'yes' if r['flagged'] else 'no':>9}")
    return "\n".join(lines)


def format_auc(table: Sequence[dict], threshold: float = THRESHOLD) -> str:
    """A Markdown table of ``auc_rows``."""
    lines = ["| detector | AUC | answered | covers flagged | stegos flagged |",
             "|---|---:|---:|---:|---:|"]
    for r in table:
        lines.append(f"| {r['detector']} | {r['auc']:.3f} | {100 * r['answered']:.0f} % | "
                     f"{100 * r['cover_flagged']:.0f} % | {100 * r['stego_flagged']:.0f} % |")
    return "\n".join(lines) + (f"\n\nflagged: fused and each detector above {threshold:g}, "
                               "the CNN above 0.5; AUC over the images a detector answered "
                               "(nan: none)")


def write_csv(rows: Sequence[dict], path: str | Path) -> Path:
    """Rows of dicts (same keys) -> a CSV file at ``path``."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Path(path)


def plot_roc(cover_rows: Sequence[dict], stego_rows: Sequence[dict], path: str | Path,
             title: str = "") -> Path:
    """One ROC curve per detector (its AUC in the legend), the diagonal of guessing dashed."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 5))
    for name in _shared_detectors(cover_rows, stego_rows):
        covers, stegos = [r[name] for r in cover_rows], [r[name] for r in stego_rows]
        fpr, tpr = roc_curve(covers, stegos)
        ax.plot(fpr, tpr, lw=2.2 if name == FUSED else 1.3,
                label=f"{name} (AUC {auc(covers, stegos):.3f})")
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="guessing")
    ax.set_xlabel("false positive rate (covers flagged)")
    ax.set_ylabel("true positive rate (stegos flagged)")
    ax.set_title(title or f"{len(cover_rows)} covers vs {len(stego_rows)} stegos", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
