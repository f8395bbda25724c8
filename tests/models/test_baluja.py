"""Baluja 2017's prep / hiding / reveal networks against the paper's description."""

import keras
import numpy as np

from keras_steg.models import baluja


def _at_224(network: keras.Model) -> keras.Model:
    """The same network with fixed 224x224 inputs, so every layer has a static output shape."""
    if isinstance(network.input, dict):
        inputs = {k: keras.Input((224, 224, t.shape[-1]), name=k) for k, t in network.input.items()}
    else:
        inputs = keras.Input((224, 224, network.inputs[0].shape[-1]))
    return keras.models.clone_model(network, input_tensors=inputs)


def _block_params(in_channels: int, filters: int = 50) -> int:
    # Three parallel convs (3x3, 4x4, 5x5), each with biases.
    return sum(k * k * in_channels * filters + filters for k in (3, 4, 5))


def _check_layers(network: keras.Model, prefix: str, depth: int, first_in: int):
    layers = {layer.name: layer for layer in _at_224(network).layers}
    for i in range(1, depth + 1):
        for k in (3, 4, 5):
            conv = layers[f"{prefix}_layer{i}_conv{k}x{k}"]
            assert conv.kernel_size == (k, k) and conv.filters == 50 and conv.strides == (1, 1)
            assert conv.get_config()["activation"] == "relu"
            assert conv.input.shape[-1] == (first_in if i == 1 else 150)
            assert tuple(conv.output.shape) == (None, 224, 224, 50)
        assert tuple(layers[f"{prefix}_layer{i}_concat"].output.shape) == (None, 224, 224, 150)
    assert f"{prefix}_layer{depth + 1}_concat" not in layers


def test_sender_is_two_prep_layers_then_five_hiding_layers_on_cover_and_prepared_secret():
    sender = baluja.hiding_network()
    _check_layers(sender, "prep", 2, first_in=3)
    # The hiding network reads the cover beside the 150 prepared channels.
    _check_layers(sender, "hide", 5, first_in=153)
    out = _at_224(sender).get_layer("hide_out_conv")
    assert out.filters == 3 and out.kernel_size == (1, 1)
    assert tuple(_at_224(sender).output.shape) == (None, 224, 224, 3)
    prep = _block_params(3) + _block_params(150)
    expected = prep + _block_params(153) + 4 * _block_params(150) + 150 * 3 + 3
    assert sender.count_params() == expected == 2_266_503


def test_receiver_is_five_layers_then_a_conv_to_three_channels():
    receiver = baluja.reveal_network()
    _check_layers(receiver, "reveal", 5, first_in=3)
    assert tuple(_at_224(receiver).output.shape) == (None, 224, 224, 3)
    assert receiver.count_params() == _block_params(3) + 4 * _block_params(150) + 453 == 1_508_703


def test_noise_reaches_the_receiver_only_in_training(photo_batch):
    from keras_steg.models import exypno

    for model in (baluja.steg_model(filters=4), exypno.steg_model(width=0.125)):
        # Same inputs, two passes: the container is the same; the revealed secret differs only
        # when the training noise sits between sender and receiver.
        noisy = [model(photo_batch, training=True) for _ in range(2)]
        np.testing.assert_allclose(noisy[0]["container"], noisy[1]["container"])
        assert not np.allclose(noisy[0]["revealed"], noisy[1]["revealed"])
        clean = [model(photo_batch, training=False)["revealed"] for _ in range(2)]
        np.testing.assert_array_equal(clean[0], clean[1])
        assert model.multiple == 1 and model.reveal_optimizer is None
