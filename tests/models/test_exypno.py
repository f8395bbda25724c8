"""ExypnoSteganos' base network, CN, EN and DN against the paper's text."""

import keras
import numpy as np
import pytest

from keras_steg.models import exypno

# Paper: three parallel groups of five stacked Conv2D, (32, 4x4), (64, 5x5), (128, 6x6);
# concatenated; three parallel Conv2D(32) with 6x6, 5x5, 4x4; concatenated.
PAPER_GROUPS = [(32, 4), (64, 5), (128, 6)]
PAPER_MERGE = [(32, 6), (32, 5), (32, 4)]


def _at_224(network: keras.Model) -> dict:
    """Layers by name of ``network`` rebuilt on fixed 224x224 inputs (static shapes)."""
    if isinstance(network.input, dict):
        inputs = {k: keras.Input((224, 224, t.shape[-1]), name=k) for k, t in network.input.items()}
    else:
        inputs = keras.Input((224, 224, network.inputs[0].shape[-1]))
    return {layer.name: layer for layer in keras.models.clone_model(network, input_tensors=inputs).layers}


def _base_params(in_channels: int, width: float = 1.0) -> int:
    total = 0
    for filters, kernel in PAPER_GROUPS:
        f = exypno.scaled(filters, width)
        total += kernel * kernel * in_channels * f + f + 4 * (kernel * kernel * f * f + f)
    merged_in = sum(exypno.scaled(f, width) for f, _ in PAPER_GROUPS)
    for filters, kernel in PAPER_MERGE:
        f = exypno.scaled(filters, width)
        total += kernel * kernel * merged_in * f + f
    return total


def _check_base(layers: dict, prefix: str, in_channels: int):
    for g, (filters, kernel) in enumerate(PAPER_GROUPS, start=1):
        for i in range(1, 6):
            conv = layers[f"{prefix}_group{g}_conv{i}"]
            assert (conv.filters, conv.kernel_size, conv.strides) == (filters, (kernel, kernel), (1, 1))
            assert conv.get_config()["activation"] == "relu" and conv.padding == "same"
            # Stacked: each conv reads the previous one of its group; the first reads the input.
            assert conv.input.shape[-1] == (in_channels if i == 1 else filters)
            assert tuple(conv.output.shape) == (None, 224, 224, filters)
        assert f"{prefix}_group{g}_conv6" not in layers
    assert tuple(layers[f"{prefix}_groups_concat"].output.shape) == (None, 224, 224, 32 + 64 + 128)
    for filters, kernel in PAPER_MERGE:
        conv = layers[f"{prefix}_merge{kernel}x{kernel}"]
        assert (conv.filters, conv.kernel_size) == (filters, (kernel, kernel))
        assert conv.input.shape[-1] == 224
    assert tuple(layers[f"{prefix}_merge_concat"].output.shape) == (None, 224, 224, 96)


def _check_head(layers: dict, prefix: str, channels: int):
    out = layers[f"{prefix}_out_conv"]
    assert (out.filters, out.kernel_size) == (channels, (1, 1))
    assert tuple(layers[f"{prefix}_out_sigmoid"].output.shape) == (None, 224, 224, channels)


def test_base_network_has_the_papers_fifteen_layers_and_merge():
    base = exypno.base_network(3)
    _check_base(_at_224(base), "base", 3)
    convs = [layer for layer in base.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 15 + 3
    assert base.count_params() == _base_params(3)


def test_compressor_encoder_decoder_are_the_base_network_plus_a_1x1_conv():
    cn, en, dn = exypno.compressor(3), exypno.encoder(3, 3), exypno.decoder(3, 3)
    for net, prefix, in_channels in ((cn, "cn", 3), (en, "en", 6), (dn, "dn", 3)):
        layers = _at_224(net)
        _check_base(layers, prefix, in_channels)
        _check_head(layers, prefix, 3)
        assert net.count_params() == _base_params(in_channels) + 96 * 3 + 3
    # EN concatenates the secret tensor and the cover into 6 channels.
    assert tuple(_at_224(en)["en_input_concat"].output.shape) == (None, 224, 224, 6)


def test_sender_holds_cn_and_en_and_the_receiver_only_dn():
    model = exypno.steg_model(width=0.125)
    assert {layer.name for layer in model.sender.layers} >= {"cn", "en"}
    names = {w.path.split("/")[0] for w in model.receiver.weights}
    assert names and all(n.startswith("dn_") for n in names)
    assert model.multiple == 1


@pytest.mark.parametrize("width", [0.25, 0.5])
def test_width_scales_every_filter_count(width):
    base = exypno.base_network(3, width=width)
    assert base.count_params() == _base_params(3, width)
    filters = sorted({layer.filters for layer in base.layers if isinstance(layer, keras.layers.Conv2D)})
    assert filters == sorted({round(f * width) for f in (32, 64, 128)})


def test_channel_counts_are_parameters(photo_batch):
    # Audio needs 2-channel tensors: a 2-channel secret in a 3-channel cover and the reverse.
    image_hides_audio = exypno.steg_model(cover_channels=3, secret_channels=2, width=0.125)
    out = image_hides_audio({"cover": photo_batch["cover"], "secret": photo_batch["secret"][..., :2]})
    assert out["container"].shape == (4, 32, 32, 3) and out["revealed"].shape == (4, 32, 32, 2)
    audio_hides_image = exypno.steg_model(cover_channels=2, secret_channels=3, width=0.125)
    out = audio_hides_image({"cover": photo_batch["cover"][..., :2], "secret": photo_batch["secret"]})
    assert out["container"].shape == (4, 32, 32, 2) and out["revealed"].shape == (4, 32, 32, 3)
    values = np.concatenate([np.ravel(v) for v in out.values()])
    assert values.min() >= 0 and values.max() <= 1


def test_width_must_be_positive():
    with pytest.raises(ValueError, match="width"):
        exypno.base_network(3, width=0)


def test_audio_cover_gets_the_stft_channel_and_smaller_noise():
    from keras_steg import build_model

    model = build_model("exypno", cover_channels=2, secret_channels=2, width=0.0625)
    assert [layer.name for layer in model.channel.layers] == ["stft_round_trip", "noise"]
    assert model.channel.layers[1].stddev == 0.002
    assert [layer.name for layer in build_model("exypno", width=0.0625).channel.layers] == [
        "noise", "quantize"]
