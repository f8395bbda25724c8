"""conv_gflops against hand counts and the design's figure for SCNN."""

import keras
import pytest

from keras_steg.flops import conv_gflops
from keras_steg.models import baluja, scnn


def test_single_conv_is_counted_by_hand():
    x = keras.Input((None, None, 3))
    net = keras.Model(x, keras.layers.Conv2D(8, 3, padding="same")(x))
    assert conv_gflops(net, 10, 20) == pytest.approx(2 * 10 * 20 * 3 * 3 * 3 * 8 / 1e9)
    strided = keras.Model(x, keras.layers.Conv2D(8, 4, strides=2, padding="same")(x))
    assert conv_gflops(strided, 10, 20) == pytest.approx(2 * 5 * 10 * 4 * 4 * 3 * 8 / 1e9)
    up = keras.Model(x, keras.layers.Conv2DTranspose(8, 4, strides=2, padding="same")(x))
    # A transposed conv applies its kernel once per INPUT pixel.
    assert conv_gflops(up, 10, 20) == pytest.approx(2 * 10 * 20 * 4 * 4 * 3 * 8 / 1e9)


def test_scnn_costs_what_the_design_measured():
    total = conv_gflops(scnn.hiding_network()) + conv_gflops(scnn.reveal_network())
    assert total == pytest.approx(79.6, abs=0.1)


def test_baluja_sender_with_dict_inputs():
    # Per 224 image: prep 2 layers, hide 5 layers, each three convs of 50 filters (k = 3, 4, 5).
    pixels, taps = 224 * 224, 9 + 16 + 25
    layers = [3, 150, 153, 150, 150, 150, 150]
    expected = 2 * pixels * (sum(c * 50 * taps for c in layers) + 150 * 3) / 1e9
    assert conv_gflops(baluja.hiding_network()) == pytest.approx(expected)
