"""FusedBatchNormalization: the same outputs, gradients and statistics as Keras' BatchNorm."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_steg.fused_batchnorm import BatchNormalization as FusedBatchNormalization
from keras_steg.fused_batchnorm import set_fused

SHAPE = (4, 8, 8, 6)


def _pair(dtype: str):
    """A Keras BatchNorm and a fused one with the same non-trivial weights."""
    rng = np.random.default_rng(1)
    stock = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, dtype=dtype)
    fused = FusedBatchNormalization(momentum=0.9, epsilon=1e-5, dtype=dtype)
    for layer in (stock, fused):
        layer.build(SHAPE)
    weights = [rng.normal(1.0, 0.3, SHAPE[-1]), rng.normal(0.0, 0.3, SHAPE[-1]),
               rng.normal(0.0, 0.3, SHAPE[-1]), rng.uniform(0.5, 2.0, SHAPE[-1])]
    for layer in (stock, fused):
        layer.set_weights([w.astype(np.float32) for w in weights])
    return stock, fused


def _train_pass(layer, x):
    """Output, input gradient and gamma/beta gradients of one training-mode pass."""
    # A fixed random weighting, so the input gradient is not trivially zero (a plain sum of
    # normalised values has zero gradient through the mean and variance).
    weights = tf.constant(np.random.default_rng(4).normal(size=SHAPE).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(tf.cast(y, tf.float32) * weights)
    grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
    return [np.asarray(tf.cast(t, tf.float32)) for t in [y, *grads]]


@pytest.mark.parametrize("dtype, tolerance", [("float32", 1e-4), ("mixed_bfloat16", 3e-2)])
def test_training_pass_matches_keras(dtype, tolerance):
    stock, fused = _pair(dtype)
    x = tf.constant(np.random.default_rng(2).normal(2.0, 3.0, SHAPE).astype(np.float32))
    for expected, got in zip(_train_pass(stock, x), _train_pass(fused, x)):
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance * np.abs(expected).max())
    np.testing.assert_allclose(fused.moving_mean.numpy(), stock.moving_mean.numpy(), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(fused.moving_variance.numpy(), stock.moving_variance.numpy(), rtol=1e-3)
    assert fused(x, training=True).dtype == stock(x, training=True).dtype


def test_inference_pass_is_keras_own():
    stock, fused = _pair("float32")
    x = tf.constant(np.random.default_rng(3).normal(size=SHAPE).astype(np.float32))
    np.testing.assert_array_equal(fused(x, training=False).numpy(), stock(x, training=False).numpy())


def test_switching_off_and_serialisation_round_trip(tmp_path):
    inputs = keras.Input(SHAPE[1:])
    model = keras.Model(inputs, FusedBatchNormalization(name="bn")(inputs))
    assert set_fused(model, False) == 1 and model.get_layer("bn").fused is False
    path = tmp_path / "bn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("bn"), FusedBatchNormalization)
    assert loaded.get_layer("bn").fused is False


def test_scnn_trains_through_the_fused_kernel(photo_batch):
    """Every SCNN BatchNorm is the fused one, and one tf.function train step updates them."""
    from keras_steg import build_model
    from keras_steg.batchnorm import batchnorm_layers

    model = build_model("scnn")
    layers = batchnorm_layers(model)
    assert len(layers) == 12 and all(isinstance(layer, FusedBatchNormalization) for layer in layers)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), reveal_optimizer=keras.optimizers.Adam(1e-3))
    before = [layer.moving_mean.numpy().copy() for layer in layers]
    logs = tf.function(model.train_step)(photo_batch)
    assert np.isfinite(float(logs["loss"]))
    assert all(not np.array_equal(b, layer.moving_mean.numpy()) for b, layer in zip(before, layers))


def test_weights_files_move_between_keras_and_fused_batchnorm(tmp_path):
    """A .weights.h5 (and so a BackupAndRestore checkpoint) written with Keras' BatchNorm loads
    into the fused one: the file addresses layers by class name, which both share."""
    def model(layer_class):
        inputs = keras.Input(SHAPE[1:])
        return keras.Model(inputs, layer_class()(keras.layers.Conv2D(SHAPE[-1], 1)(inputs)))

    stock, fused = model(keras.layers.BatchNormalization), model(FusedBatchNormalization)
    stock.set_weights([np.random.default_rng(5).normal(size=w.shape).astype(np.float32)
                       for w in stock.get_weights()])
    stock.save_weights(tmp_path / "stock.weights.h5")
    fused.load_weights(tmp_path / "stock.weights.h5")
    for expected, got in zip(stock.get_weights(), fused.get_weights()):
        np.testing.assert_array_equal(got, expected)
