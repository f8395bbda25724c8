"""build_model: every family, its config kept for export, its training recipe, clear errors."""

import json

import keras
import numpy as np
import pytest

from keras_steg import build_model, load_pretrained
from keras_steg.export import export_model
from keras_steg.layers import Quantize8Bit, build_channel
from keras_steg.models.registry import FAMILIES, family_multiple

SMALL = {"scnn": {}, "baluja": {"filters": 4}, "exypno": {"width": 0.125}}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_hides_and_reveals_at_its_multiple(family, photo_batch):
    model = build_model(family, **SMALL[family])
    # The config is kept whole, the builder's defaults included.
    assert model.name == family and model.family_config.items() >= SMALL[family].items()
    assert "quantize" in model.family_config
    out = model(photo_batch)
    assert out["container"].shape == out["revealed"].shape == (4, 32, 32, 3)
    assert family_multiple(family) == (32 if family == "scnn" else 1)


def test_unknown_family_and_unknown_argument_are_value_errors():
    with pytest.raises(ValueError, match="unknown model family 'nope'"):
        build_model("nope")
    with pytest.raises(ValueError, match="baluja.*width"):
        build_model("baluja", width=0.5)


@pytest.mark.parametrize("family", ["baluja", "exypno"])
def test_exported_config_rebuilds_the_same_model(family, photo_batch, tmp_path):
    model = build_model(family, **SMALL[family])
    folder = export_model(model, tmp_path / family)
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["family"] == family and metadata["config"] == model.family_config
    again = load_pretrained(str(folder))
    assert again.family_config == model.family_config
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    reloaded = keras.saving.load_model(folder / "model.keras", compile=False)
    assert reloaded.family_config == model.family_config
    # The receiver SavedModel holds the receiver's weights only (DN / reveal layers).
    import tensorflow as tf

    names = {v.name.split("/")[0] for v in tf.saved_model.load(str(folder / "receiver")).variables}
    assert names and all(n.startswith(("dn_", "reveal_")) for n in names), names


def test_channel_composes_noise_then_quantization():
    assert build_channel(0.0, quantize=False) is None
    assert isinstance(build_channel(0.0), Quantize8Bit)
    channel = build_channel(0.05)
    x = np.full((1, 8, 8, 3), 0.5, np.float32)
    noisy = np.asarray(channel(x, training=True))
    assert noisy.std() > 0.01  # noise on
    np.testing.assert_array_equal(np.round(noisy * 255), noisy * 255)  # then 8-bit levels
    np.testing.assert_array_equal(channel(x, training=False), x)
    with pytest.raises(ValueError, match="noise_stddev"):
        build_channel(-1.0)


def test_channel_never_rounds_the_container_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    channel = build_channel(0.01)  # built by its first call, as inside a train step
    x = np.full((1, 4, 4, 3), 0.7003, np.float32)  # not a bfloat16 number
    out = channel(x, training=False)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(out, x)
