"""ROC curves and their areas from detector scores of known covers and known stegos."""

from __future__ import annotations

import numpy as np


def _clean(scores) -> np.ndarray:
    """Scores as float64 with NaN (a detector without an answer) read as 0: not flagged."""
    return np.nan_to_num(np.asarray(scores, np.float64), nan=0.0)


def roc_curve(cover_scores, stego_scores) -> tuple[np.ndarray, np.ndarray]:
    """Scores (higher = more suspicious) of covers and of stegos -> (false positive rates,
    true positive rates), both from 0 to 1, one point per distinct threshold."""
    covers, stegos = _clean(cover_scores), _clean(stego_scores)
    thresholds = np.unique(np.concatenate([covers, stegos]))[::-1]
    fpr = [0.0] + [float(np.mean(covers >= t)) for t in thresholds]
    tpr = [0.0] + [float(np.mean(stegos >= t)) for t in thresholds]
    return np.asarray(fpr), np.asarray(tpr)


def auc(cover_scores, stego_scores) -> float:
    """Area under the ROC curve: the chance a random stego scores above a random cover (ties
    count half); 0.5 is guessing. ValueError without scores of both kinds."""
    covers, stegos = _clean(cover_scores), _clean(stego_scores)
    if not covers.size or not stegos.size:
        raise ValueError("an AUC needs scores of covers and of stegos")
    above = np.sum(stegos[:, None] > covers[None, :])
    ties = np.sum(stegos[:, None] == covers[None, :])
    return float((above + 0.5 * ties) / (covers.size * stegos.size))


def detection_rate(scores, threshold: float) -> float:
    """Share of ``scores`` strictly above ``threshold`` (StegExpose flags fused > 0.2)."""
    return float(np.mean(_clean(scores) > threshold))
