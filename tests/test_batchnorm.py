"""Precise BatchNorm: moving statistics become exact means over the given batches."""

import keras
import numpy as np

from keras_steg import build_model
from keras_steg.batchnorm import batchnorm_layers, recalibrate_batchnorm


def test_moving_statistics_become_the_mean_of_batch_statistics():
    inputs = keras.Input((4, 4, 2))
    model = keras.Model(inputs, keras.layers.BatchNormalization(momentum=0.9)(inputs))
    rng = np.random.default_rng(0)
    batches = [rng.normal(loc=i, scale=1 + i, size=(3, 4, 4, 2)).astype(np.float32) for i in range(4)]
    assert recalibrate_batchnorm(model, batches) == 4
    bn = batchnorm_layers(model)[0]
    means = np.mean([b.mean(axis=(0, 1, 2)) for b in batches], axis=0)
    variances = np.mean([b.var(axis=(0, 1, 2)) for b in batches], axis=0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), means, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), variances, rtol=1e-4)
    assert bn.momentum == 0.9  # restored


def test_finds_every_batchnorm_of_scnn_and_leaves_weights_alone(photo_batch):
    model = build_model("scnn")
    assert len(batchnorm_layers(model)) == 7 + 5  # H-net: 3 down + 4 up; R-net: 5
    weights = [v.numpy().copy() for v in model.trainable_variables]
    recalibrate_batchnorm(model, [photo_batch, photo_batch])
    assert all(np.array_equal(w, v.numpy()) for w, v in zip(weights, model.trainable_variables))
