"""H-net and R-net against the SCNN paper's Fig. 2 and Fig. 3, row by row."""

import keras
import numpy as np
import pytest

from keras_steg.models import scnn

# Fig. 2 (torchsummary, NCHW) as (layer type, channels, height) for a 224x224 input.
FIG2 = [
    ("Conv2d", 50, 112), ("LeakyReLU", 50, 112), ("Conv2d", 100, 56), ("BatchNorm2d", 100, 56),
    ("LeakyReLU", 100, 56), ("Conv2d", 200, 28), ("BatchNorm2d", 200, 28), ("LeakyReLU", 200, 28),
    ("Conv2d", 400, 14), ("BatchNorm2d", 400, 14), ("LeakyReLU", 400, 14), ("Conv2d", 400, 7),
    ("ReLU", 400, 7), ("ConvTranspose2d", 400, 14), ("BatchNorm2d", 400, 14),
    ("SkipConnection", 800, 14), ("ReLU", 800, 14), ("ConvTranspose2d", 200, 28),
    ("BatchNorm2d", 200, 28), ("SkipConnection", 400, 28), ("ReLU", 400, 28),
    ("ConvTranspose2d", 100, 56), ("BatchNorm2d", 100, 56), ("SkipConnection", 200, 56),
    ("ReLU", 200, 56), ("ConvTranspose2d", 50, 112), ("BatchNorm2d", 50, 112),
    ("SkipConnection", 100, 112), ("ReLU", 100, 112), ("ConvTranspose2d", 3, 224),
    ("Sigmoid", 3, 224),
]
FIG3 = [("Conv2d", 64), ("BatchNorm2d", 64), ("ReLU", 64), ("Conv2d", 128), ("BatchNorm2d", 128),
        ("ReLU", 128), ("Conv2d", 256), ("BatchNorm2d", 256), ("ReLU", 256), ("Conv2d", 128),
        ("BatchNorm2d", 128), ("ReLU", 128), ("Conv2d", 64), ("BatchNorm2d", 64), ("ReLU", 64),
        ("Conv2d", 3), ("Sigmoid", 3)]

KERAS_TO_TORCH = {"Conv2D": "Conv2d", "Conv2DTranspose": "ConvTranspose2d",
                  "BatchNormalization": "BatchNorm2d", "LeakyReLU": "LeakyReLU", "ReLU": "ReLU",
                  "Concatenate": "SkipConnection", "Activation": "Sigmoid"}


def _rows(model: keras.Model, size: int):
    """(torch layer type, channels, height) per layer at ``size``, in execution order."""
    probe = keras.Model(model.inputs, [layer.output for layer in model.layers
                                       if type(layer).__name__ in KERAS_TO_TORCH])
    names = [layer for layer in model.layers if type(layer).__name__ in KERAS_TO_TORCH]
    feeds = [np.zeros((1, size, size, t.shape[-1]), np.float32) for t in model.inputs]
    outputs = probe.predict(feeds if len(feeds) > 1 else feeds[0], verbose=0)
    return [(KERAS_TO_TORCH[type(layer).__name__], o.shape[-1], o.shape[1], layer.name)
            for layer, o in zip(names, outputs)]


def test_hiding_network_matches_fig2_row_by_row():
    rows = _rows(scnn.hiding_network(), 224)
    # The input concatenation (6 channels at 224) is not a row of Fig. 2.
    assert rows[0][:3] == ("SkipConnection", 6, 224)
    print("\nH-net at 224x224 (ours | Fig. 2)")
    for ours, paper in zip(rows[1:], FIG2):
        print(f"{ours[3]:<22} {ours[0]:<16} {ours[1]:>4} x {ours[2]:>3} | {paper}")
    assert [r[:3] for r in rows[1:]] == FIG2


def test_reveal_network_matches_fig3_row_by_row():
    rows = _rows(scnn.reveal_network(), 224)
    print("\nR-net at 224x224 (ours | Fig. 3)")
    for ours, paper in zip(rows, FIG3):
        print(f"{ours[3]:<22} {ours[0]:<14} {ours[1]:>4} x {ours[2]:>3} | {paper}")
    assert [r[:2] for r in rows] == FIG3
    assert all(r[2] == 224 for r in rows)


def _trainable(model: keras.Model) -> int:
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def test_parameter_counts():
    assert _trainable(scnn.hiding_network()) == 10_174_403
    assert _trainable(scnn.reveal_network()) == 742_659


@pytest.mark.parametrize("size", [(32, 32), (64, 96)])
def test_any_multiple_of_32_and_value_range(size):
    hnet, rnet = scnn.hiding_network(), scnn.reveal_network()
    rng = np.random.default_rng(0)
    x = {k: rng.random((2, *size, 3), dtype=np.float32) for k in ("cover", "secret")}
    container = hnet(x, training=False).numpy()
    assert container.shape == (2, *size, 3)
    assert container.min() >= 0 and container.max() <= 1
    assert rnet(container).shape == (2, *size, 3)


def test_paper_initialisation_and_batchnorm_momentum():
    hnet = scnn.hiding_network()
    kernel = hnet.get_layer("hnet_down3_conv").kernel.numpy()
    assert abs(kernel.std() - 0.02) < 0.002 and abs(kernel.mean()) < 0.002
    bn = hnet.get_layer("hnet_down3_bn")
    assert bn.momentum == pytest.approx(0.9)
    assert abs(bn.gamma.numpy().mean() - 1.0) < 0.01 and 0 < bn.gamma.numpy().std() < 0.05


def test_audio_and_cross_modal_channel_counts():
    from keras_steg import build_model
    from keras_steg.layers.spectrogram import STFTRoundTrip

    model = build_model("scnn", channels=2)
    assert model.sender.output.shape[-1] == model.receiver.output.shape[-1] == 2
    # An audio container is saved as sound, not as an 8-bit PNG: STFT round trip, no rounding.
    assert isinstance(model.channel, STFTRoundTrip)
    image_in_audio = build_model("scnn", channels=2, secret_channels=3)
    assert image_in_audio.receiver.output.shape[-1] == 3
    assert image_in_audio.sender.input["secret"].shape[-1] == 3
    assert build_model("scnn").channel.name == "quantize"  # images: unchanged


def test_width_scales_both_networks_and_keeps_the_layers():
    from keras_steg import build_model

    full, narrow = build_model("scnn"), build_model("scnn", width=0.125)
    assert [layer.name for layer in narrow.sender.layers] == [layer.name for layer in full.sender.layers]
    down = [narrow.sender.get_layer(f"hnet_down{level}_conv").filters for level in range(1, 6)]
    assert down == [6, 12, 25, 50, 50]  # 50, 100, 200, 400, 400 times 1/8, rounded
    convs = [layer.filters for layer in narrow.receiver.layers if isinstance(layer, keras.layers.Conv2D)]
    assert convs == [8, 16, 32, 16, 8, 3]  # the output conv keeps the secret's channels
    assert narrow.family_config["width"] == 0.125  # kept, so an exported narrow model rebuilds
    assert _trainable(narrow.sender) < _trainable(full.sender) / 40
    with pytest.raises(ValueError, match="width must be > 0"):
        build_model("scnn", width=0)


def _with_context_weights(receiver: keras.Model) -> keras.Model:
    """``receiver`` with random block-context weights large enough to matter (the output layer
    starts at zero, the others at N(0, 0.02))."""
    rng = np.random.default_rng(0)
    for layer in receiver.layers:
        if layer.name.startswith("rnet_context") and layer.weights:
            layer.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in layer.get_weights()])
    return receiver


def test_block_context_starts_as_the_paper_rnet_and_sees_past_its_field():
    from keras_steg.models.scnn import reveal_network

    paper = reveal_network(filters=(8, 8, 8, 8, 8))
    grown = reveal_network(filters=(8, 8, 8, 8, 8), block_context=8)
    for layer in paper.layers:
        grown.get_layer(layer.name).set_weights(layer.get_weights())
    rng = np.random.default_rng(1)
    x = rng.random((1, 60, 44, 3), dtype=np.float32)  # not a multiple of the 8 px blocks
    # Untrained, the context adds exactly nothing.
    np.testing.assert_array_equal(paper(x).numpy(), grown(x).numpy())
    _with_context_weights(grown)
    far = x.copy()
    far[0, 20:, :, :] = rng.random((40, 44, 3), dtype=np.float32)  # from 20 px below row 0
    assert grown(x).shape == (1, 60, 44, 3)
    # The paper's R-net sees 6 px around a pixel: row 0 ignores rows >= 7; the context does not.
    np.testing.assert_allclose(paper(x)[0, 0].numpy(), paper(far)[0, 0].numpy(), atol=1e-6)
    assert np.abs(grown(x)[0, 0].numpy() - grown(far)[0, 0].numpy()).max() > 1e-4


@pytest.mark.parametrize("config", [{"block_context": 8}, {"qim": 4}], ids=["block_context", "qim"])
def test_grown_networks_round_trip_through_a_keras_file(tmp_path, config, make_it_count):
    from keras_steg import build_model

    model = build_model("scnn", width=0.125, **config)
    # Their last layers start at zero: give them weights that count.
    if "qim" in config:
        make_it_count(model.receiver, "rnet_qim_pixels")
    else:
        _with_context_weights(model.receiver)
    x = {k: np.random.default_rng(2).random((1, 32, 32, 3), dtype=np.float32) for k in ("cover", "secret")}
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", compile=False)
    assert {k: loaded.family_config[k] for k in config} == config
    for key in ("container", "revealed"):
        np.testing.assert_allclose(model(x, training=False)[key].numpy(),
                                   loaded(x, training=False)[key].numpy(), atol=1e-6)


def test_block_context_blocks_sit_on_the_jpeg_grid_at_any_size():
    """The blocks start at the top-left corner whatever the size (JPEG's grid), so the top of a
    60x44 image reveals as the top of its 56x40 crop: only blocks 3+ away differ."""
    from keras_steg.models.scnn import reveal_network

    receiver = _with_context_weights(reveal_network(filters=(8, 8, 8, 8, 8), block_context=8))
    x = np.random.default_rng(3).random((1, 60, 44, 3), dtype=np.float32)
    whole, crop = receiver(x).numpy(), receiver(x[:, :56, :40]).numpy()
    np.testing.assert_allclose(whole[:, :24, :8], crop[:, :24, :8], atol=1e-6)
    assert np.abs(whole[:, :56, :40] - crop).max() > 1e-4  # the context does see the border


def test_block_context_rejects_a_negative_width():
    with pytest.raises(ValueError, match="block_context must be >= 0"):
        scnn.reveal_network(block_context=-1)


def test_qim_reader_starts_as_the_receiver_without_it(make_it_count):
    """A receiver grown by the QIM reader adds exactly zero until trained, so training can start
    from a model without it."""
    from keras_steg.models.scnn import reveal_network

    plain = reveal_network(filters=(8, 8, 8, 8, 8), block_context=8)
    grown = reveal_network(filters=(8, 8, 8, 8, 8), block_context=8, qim=4)
    for layer in plain.layers:
        grown.get_layer(layer.name).set_weights(layer.get_weights())
    x = np.random.default_rng(4).random((1, 40, 56, 3), dtype=np.float32)
    np.testing.assert_array_equal(plain(x).numpy(), grown(x).numpy())
    assert np.abs(make_it_count(grown, "rnet_qim_pixels")(x).numpy() - plain(x).numpy()).max() > 1e-4


def test_qim_sender_writes_its_message_into_the_container():
    """The sender's container holds the message its encoder computed, read back by the
    receiver's phase layer, and the QIM model round-trips through a .keras file."""
    from keras_steg import build_model
    from keras_steg.layers.qim import QimPhases

    model = build_model("scnn", width=0.125, qim=4)
    x = {k: np.random.default_rng(5).random((1, 64, 32, 3), dtype=np.float32) for k in ("cover", "secret")}
    sender = model.sender
    probe = keras.Model(sender.inputs, [sender.output, sender.get_layer("hnet_qim_sigmoid").output])
    container, message = (t.numpy() for t in probe(x))
    assert message.shape == (1, 8, 4, 4) and 0 < message.min() and message.max() < 1
    phases = QimPhases(4, scnn.QIM_STEP)(container).numpy()
    read = np.arctan2(phases[..., :4], phases[..., 4:]) / (2 * np.pi) % 1.0
    assert container.min() > 0 and container.max() < 1  # nothing clipped: every phase exact
    error = np.abs((read - message + 0.5) % 1.0 - 0.5)
    assert error.max() < 1e-3
    assert scnn.receiver_multiple(qim=4) == 8


def test_qim_needs_an_rgb_cover_and_a_positive_step():
    with pytest.raises(ValueError, match="QIM writes into the luma of RGB covers"):
        scnn.hiding_network(cover_channels=2, secret_channels=2, qim=4)
    with pytest.raises(ValueError, match="QIM writes into the luma of RGB covers"):
        scnn.reveal_network(container_channels=2, secret_channels=2, qim=4)
    with pytest.raises(ValueError, match="lattice step must be > 0"):
        scnn.reveal_network(qim=4, qim_step=0.0)
