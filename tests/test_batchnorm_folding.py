"""Folding BatchNorm into the convolution before it: same outputs, no BatchNorm left."""

import keras
import numpy as np

from keras_steg import build_model
from keras_steg.batchnorm import batchnorm_layers, recalibrate_batchnorm
from keras_steg.batchnorm_folding import fold_batchnorm, fold_pairs


def _with_real_statistics(model, batch):
    """BatchNorm moving statistics far from their (0, 1) start, so folding has work to do."""
    recalibrate_batchnorm(model, [batch, batch])
    for bn in batchnorm_layers(model):
        bn.gamma.assign(np.linspace(0.5, 1.5, bn.gamma.shape[0]).astype(np.float32))
        bn.beta.assign(np.linspace(-0.2, 0.2, bn.beta.shape[0]).astype(np.float32))
    return model


def test_folded_scnn_networks_compute_the_same_without_batchnorm(photo_batch):
    model = _with_real_statistics(build_model("scnn"), photo_batch)
    container = model.sender(photo_batch, training=False)
    for network, x in ((model.sender, photo_batch), (model.receiver, container)):
        folded = fold_batchnorm(network)
        assert len(batchnorm_layers(network)) in (7, 5)  # H-net: 3 down + 4 up; R-net: 5
        assert batchnorm_layers(folded) == []
        np.testing.assert_allclose(np.asarray(folded(x, training=False)),
                                   np.asarray(network(x, training=False)), atol=1e-5)
    assert len(batchnorm_layers(model.sender)) == 7  # the original is untouched


def test_only_a_linear_conv_feeding_only_its_batchnorm_is_folded():
    x = keras.Input((8, 8, 3))
    relu_first = keras.layers.BatchNormalization(name="bn_after_relu")(
        keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv_relu")(x))
    shared = keras.layers.Conv2D(4, 3, padding="same", name="conv_shared")(relu_first)
    branch = keras.layers.BatchNormalization(name="bn_of_shared")(shared)
    plain = keras.layers.BatchNormalization(name="bn_plain")(
        keras.layers.Conv2D(4, 1, use_bias=False, name="conv_plain")(keras.layers.Add()([branch, shared])))
    model = keras.Model(x, plain)
    assert [(p.conv.name, p.batchnorm.name) for p in fold_pairs(model)] == [("conv_plain", "bn_plain")]
    rng = np.random.default_rng(0)
    batch = rng.random((2, 8, 8, 3), dtype=np.float32)
    recalibrate_batchnorm(model, [batch])
    folded = fold_batchnorm(model)
    assert len(batchnorm_layers(folded)) == 2
    np.testing.assert_allclose(np.asarray(folded(batch)), np.asarray(model(batch)), atol=1e-5)


def test_a_model_without_batchnorm_comes_back_equal(photo_batch):
    model = build_model("exypno", width=0.0625)
    assert fold_pairs(model.sender) == []
    np.testing.assert_array_equal(np.asarray(fold_batchnorm(model.sender)(photo_batch)),
                                  np.asarray(model.sender(photo_batch)))
