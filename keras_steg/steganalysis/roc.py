"""ROC curves, their areas and accuracies from scores of known covers and known stegos.

A NaN score is a detector without an answer for that image: it is left out (and counted by
``answered``), never read as "clean", which would make a silent detector look inverted.
"""

from __future__ import annotations

import numpy as np


def _answered(scores) -> np.ndarray:
    scores = np.asarray(scores, np.float64)
    return scores[~np.isnan(scores)]


def answered(scores) -> float:
    """Share of ``scores`` that are numbers (not NaN)."""
    scores = np.asarray(scores, np.float64)
    return float(np.mean(~np.isnan(scores))) if scores.size else 0.0


def roc_curve(cover_scores, stego_scores) -> tuple[np.ndarray, np.ndarray]:
    """Scores (higher = more suspicious; NaN left out) of covers and of stegos -> (false
    positive rates, true positive rates), both from 0 to 1, one point per distinct threshold."""
    covers, stegos = _answered(cover_scores), _answered(stego_scores)
    thresholds = np.unique(np.concatenate([covers, stegos]))[::-1]
    fpr = [0.0] + [float(np.mean(covers >= t)) if covers.size else 0.0 for t in thresholds] + [1.0]
    tpr = [0.0] + [float(np.mean(stegos >= t)) if stegos.size else 0.0 for t in thresholds] + [1.0]
    return np.asarray(fpr), np.asarray(tpr)


def auc(cover_scores, stego_scores) -> float:
    """Area under the ROC curve: the chance a random stego scores above a random cover (ties
    count half; NaN scores left out); 0.5 is guessing. NaN when either side has no answered
    score; ValueError when either side is empty."""
    if not len(cover_scores) or not len(stego_scores):
        raise ValueError("an AUC needs scores of covers and of stegos")
    covers, stegos = _answered(cover_scores), _answered(stego_scores)
    if not covers.size or not stegos.size:
        return float("nan")
    above = np.sum(stegos[:, None] > covers[None, :])
    ties = np.sum(stegos[:, None] == covers[None, :])
    return float((above + 0.5 * ties) / (covers.size * stegos.size))


def detection_rate(scores, threshold: float) -> float:
    """Share of all ``scores`` strictly above ``threshold`` (NaN: not flagged)."""
    scores = np.asarray(scores, np.float64)
    return float(np.mean(np.nan_to_num(scores, nan=-np.inf) > threshold)) if scores.size else 0.0


def accuracy(cover_scores, stego_scores, threshold: float = 0.5) -> float:
    """Share of images called right at ``threshold``: covers at or below it, stegos above."""
    right = (len(cover_scores) - detection_rate(cover_scores, threshold) * len(cover_scores)
             + detection_rate(stego_scores, threshold) * len(stego_scores))
    return float(right / (len(cover_scores) + len(stego_scores)))
