"""Precise BatchNorm statistics: recompute the moving averages as exact means over many batches.

BatchNorm's moving statistics are an exponential average over the last ~10 training batches
(momentum 0.9), taken while the weights were still changing; on 2-core CPU budgets this makes
inference-mode quality swing by several dB from one checkpoint to the next. Averaging the batch
statistics of the final weights over many batches removes that noise (Wu & Johnson, 2021,
"Rethinking 'Batch' in BatchNorm").
"""

from __future__ import annotations

from collections.abc import Iterable

import keras


def all_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    """Every layer inside ``model``, depth first, those of nested models included (the nested
    models themselves too)."""
    found = []
    for layer in getattr(model, "layers", []):
        found.append(layer)
        found.extend(all_layers(layer))
    return found


def batchnorm_layers(model: keras.layers.Layer) -> list[keras.layers.BatchNormalization]:
    """Every BatchNormalization layer inside ``model``, nested models included."""
    return [layer for layer in all_layers(model) if isinstance(layer, keras.layers.BatchNormalization)]


def recalibrate_batchnorm(model: keras.Model, batches: Iterable) -> int:
    """Set every BatchNorm's moving mean/variance to the plain average of its batch statistics
    over ``batches`` (each a model input, e.g. ``{"cover", "secret"}`` float32 in [0, 1]).

    Weights are untouched. Returns the number of batches used. Runs eagerly, so momentum can
    change per batch: with momentum k / (k + 1) at batch k the moving value is the exact mean.
    """
    layers = batchnorm_layers(model)
    momenta = [layer.momentum for layer in layers]
    count = 0
    try:
        for count, batch in enumerate(batches, start=1):
            for layer in layers:
                layer.momentum = (count - 1) / count
            model(batch, training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return count
