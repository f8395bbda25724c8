"""Two SavedModels: they reload in plain TensorFlow and as Keras layers, and match the model."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_steg import build_model
from keras_steg.export import export_model, load_weights_into


@pytest.fixture(scope="module")
def exported(tmp_path_factory, request):
    keras.mixed_precision.set_global_policy("float32")
    rng = np.random.default_rng(0)
    batch = {k: rng.random((2, 32, 32, 3), dtype=np.float32) for k in ("cover", "secret")}
    model = build_model("scnn")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), reveal_optimizer=keras.optimizers.Adam(1e-3))
    for _ in range(2):  # moves weights and BatchNorm statistics away from their initial values
        model.train_on_batch(batch)
    out = export_model(model, tmp_path_factory.mktemp("export") / "scnn")
    return model, out


def _inputs(size=(64, 96)):
    rng = np.random.default_rng(1)
    return {k: rng.random((1, *size, 3), dtype=np.float32) for k in ("cover", "secret")}


def test_layout_and_metadata(exported):
    _, out = exported
    assert (out / "sender" / "saved_model.pb").is_file()
    assert (out / "receiver" / "saved_model.pb").is_file()
    assert (out / "model.keras").is_file()
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["family"] == "scnn" and meta["sender_multiple"] == 32


def test_tf_saved_model_load_matches_keras(exported):
    model, out = exported
    x = _inputs()
    want = model(x, training=False)
    sender = tf.saved_model.load(str(out / "sender")).signatures["serving_default"]
    receiver = tf.saved_model.load(str(out / "receiver")).signatures["serving_default"]
    container = sender(cover=tf.constant(x["cover"]), secret=tf.constant(x["secret"]))["container"]
    np.testing.assert_allclose(container.numpy(), want["container"].numpy(), atol=1e-5)
    secret = receiver(container=container)["secret"]
    np.testing.assert_allclose(secret.numpy(), want["revealed"].numpy(), atol=1e-5)


def test_tfsmlayer_matches_keras(exported):
    model, out = exported
    x = _inputs((32, 32))
    sender = keras.layers.TFSMLayer(str(out / "sender"), call_endpoint="serve")
    receiver = keras.layers.TFSMLayer(str(out / "receiver"), call_endpoint="serve")
    container = sender({k: tf.constant(v) for k, v in x.items()})["container"]
    want = model(x, training=False)
    np.testing.assert_allclose(np.asarray(container), want["container"].numpy(), atol=1e-5)
    secret = receiver(container)["secret"]
    np.testing.assert_allclose(np.asarray(secret), want["revealed"].numpy(), atol=1e-5)


def test_receiver_holds_no_sender_variables(exported):
    model, out = exported
    loaded = tf.saved_model.load(str(out / "receiver"))
    names = [v.name for v in loaded.variables]
    assert len(loaded.variables) == len(model.receiver.variables)
    assert not any("hnet" in n for n in names)
    sizes = sum(int(np.prod(v.shape)) for v in loaded.variables)
    assert sizes == sum(int(np.prod(v.shape)) for v in model.receiver.variables)


def test_init_from_exported_folder(exported):
    model, out = exported
    fresh = build_model("scnn")
    load_weights_into(fresh, out)
    x = _inputs((32, 32))
    a, b = model(x, training=False), fresh(x, training=False)
    np.testing.assert_allclose(a["revealed"].numpy(), b["revealed"].numpy(), atol=1e-6)


def test_init_from_a_keras_file_trained_with_another_channel(exported, tmp_path):
    """--init FILE.keras takes the networks' weights whatever channel either run trains with
    (a new channel replaces the built one, so the two models hold different channel state)."""
    from keras_steg.layers import parse_channel

    model = build_model("scnn")
    load_weights_into(model, exported[1])
    model.channel = parse_channel("quantize,none,noise:0.02", seed=0)
    model.save(tmp_path / "run.keras")
    fresh = build_model("scnn")
    fresh.channel = parse_channel("quantize,per-image,none,jpeg:50-95,noise:0.02", seed=1)
    load_weights_into(fresh, tmp_path / "run.keras")
    x = _inputs((32, 32))
    a, b = model(x, training=False), fresh(x, training=False)
    np.testing.assert_allclose(a["revealed"].numpy(), b["revealed"].numpy(), atol=1e-6)
    np.testing.assert_allclose(a["container"].numpy(), b["container"].numpy(), atol=1e-6)


def test_init_grows_a_receiver_by_its_block_context(exported, tmp_path):
    """--init FILE.keras into a model whose receiver has a block context: the networks the file
    holds load by layer name, the new path starts at zero, so the outputs are the file's."""
    model = exported[0]
    model.save(tmp_path / "run.keras")
    grown = build_model("scnn", block_context=16)
    with pytest.warns(UserWarning, match="no weights for rnet layers rnet_context_blocks"):
        load_weights_into(grown, tmp_path / "run.keras")
    x = _inputs((32, 32))
    np.testing.assert_allclose(model(x, training=False)["revealed"].numpy(),
                               grown(x, training=False)["revealed"].numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="does not fit"):
        load_weights_into(build_model("scnn", width=0.5), tmp_path / "run.keras")


def test_exported_receiver_with_a_block_context_matches_keras(tmp_path):
    keras.mixed_precision.set_global_policy("float32")
    model = build_model("scnn", width=0.25, block_context=8)
    pixels = model.receiver.get_layer("rnet_context_pixels")  # starts at zero: make it count
    pixels.set_weights([np.full(w.shape, 0.05, np.float32) for w in pixels.get_weights()])
    out = export_model(model, tmp_path / "m", keras_file=False)
    container = _inputs((40, 72))["cover"]  # not a multiple of the 8 px blocks
    receiver = tf.saved_model.load(str(out / "receiver")).signatures["serving_default"]
    got = list(receiver(container=tf.constant(container)).values())[0].numpy()
    want = model.receiver(container, training=False).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert json.loads((out / "metadata.json").read_text())["config"]["block_context"] == 8


# (family, config): small widths keep the test fast; exypno's sender nests two models (CN, EN).
FAMILY_CONFIGS = [("scnn", {}), ("exypno", {"width": 0.125}), ("baluja", {"filters": 8})]


@pytest.mark.parametrize("family,config", FAMILY_CONFIGS, ids=[f for f, _ in FAMILY_CONFIGS])
def test_export_from_bfloat16_model_runs_in_float32(tmp_path, family, config):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = build_model(family, **config)
    keras.mixed_precision.set_global_policy("float32")
    reference = build_model(family, **config)  # the same weights computed in float32
    reference.set_weights(model.get_weights())
    # Exported as `keras-steg export RUN/final.keras` does: reloaded from a .keras file under
    # the float32 policy, where a nested model (exypno's CN, EN) reports float32 while its
    # layers still compute in bf16.
    model.save(tmp_path / "trained.keras")
    model = keras.saving.load_model(tmp_path / "trained.keras", compile=False)
    out = export_model(model, tmp_path / "m", keras_file=False)
    x = _inputs((32, 32))
    sender = tf.saved_model.load(str(out / "sender")).signatures["serving_default"]
    got = sender(**{k: tf.constant(v) for k, v in x.items()})["container"].numpy()
    want32 = reference(x, training=False)["container"].numpy()
    want16 = model(x, training=False)["container"].numpy()
    np.testing.assert_allclose(got, want32, atol=1e-5)
    assert np.abs(want16 - want32).max() > 2e-5  # bf16 differs by more than the tolerance
    # The bfloat16 signature works for every family, nested networks (exypno's CN, EN) too.
    fast = tf.saved_model.load(str(out / "sender")).signatures["serving_bfloat16"]
    fast_got = fast(**{k: tf.constant(v) for k, v in x.items()})["container"].numpy()
    assert 0 < np.abs(fast_got - want32).mean() < 0.01


def test_export_in_a_fresh_process_via_cli(exported, tmp_path):
    """`keras-steg export` must load a .keras file without the test process's imports."""
    import subprocess
    import sys

    _, out = exported
    result = subprocess.run([sys.executable, "-m", "keras_steg.cli", "export", str(out / "model.keras"),
                             "-o", str(tmp_path / "again")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "again" / "receiver" / "saved_model.pb").is_file()


def test_export_again_from_a_folder_keeps_weights_format_and_measured_quality(exported, tmp_path):
    """`keras-steg export FOLDER -o NEW` rewrites an exported model in this version's format:
    the same outputs, the source's weight storage and its held-out scores; never in place."""
    from keras_steg.cli import main

    _, out = exported
    source = tmp_path / "source"
    export_model(keras.saving.load_model(out / "model.keras", compile=False), source,
                 keras_file=False, weights_dtype="float16", measured={"cover_psnr": 30.0})
    assert main(["export", str(source), "-o", str(tmp_path / "again")]) == 0
    meta = json.loads((tmp_path / "again" / "metadata.json").read_text())
    assert meta["weights_dtype"] == "float16" and meta["heldout"] == {"cover_psnr": 30.0}
    x = {k: tf.constant(v) for k, v in _inputs().items()}
    outputs = [tf.saved_model.load(str(folder / "sender")).signatures["serving_default"](**x)
               ["container"].numpy() for folder in (source, tmp_path / "again")]
    np.testing.assert_allclose(outputs[1], outputs[0], atol=1e-3)
    assert main(["export", str(source), "-o", str(source), "--overwrite"]) == 2


def test_refuses_to_overwrite(exported):
    model, out = exported
    with pytest.raises(ValueError, match="already exists"):
        export_model(model, out)


def test_load_pretrained_gives_a_trainable_stegmodel(exported):
    from keras_steg import StegModel, load_pretrained

    model, out = exported
    loaded = load_pretrained(str(out))
    assert isinstance(loaded, StegModel)
    x = _inputs((32, 32))
    np.testing.assert_allclose(loaded(x)["revealed"].numpy(), model(x)["revealed"].numpy(), atol=1e-6)


def test_keras_file_is_weights_only_float32(exported):
    model, out = exported
    loaded = keras.saving.load_model(out / "model.keras", compile=False)
    assert getattr(loaded, "optimizer", None) is None
    assert all(v.dtype == "float32" for v in loaded.variables)
    x = _inputs((32, 32))
    np.testing.assert_allclose(loaded(x)["container"].numpy(), model(x)["container"].numpy(), atol=1e-6)


def test_float16_weights_halve_the_files_and_compute_in_float32(exported, tmp_path):
    from keras_steg.inference import from_saved_models

    model, full = exported
    half = export_model(model, tmp_path / "half", keras_file=False, weights_dtype="float16")
    assert json.loads((half / "metadata.json").read_text())["weights_dtype"] == "float16"

    def size(folder):
        return sum(f.stat().st_size for f in (folder / "variables").iterdir())

    assert size(half / "sender") < 0.55 * size(full / "sender")
    x = _inputs()
    want = model(x, training=False)
    steg = from_saved_models(str(half))
    container = steg.sender(tf.constant(x["cover"]), tf.constant(x["secret"]))
    assert container.dtype == tf.float32
    # Only the weights were rounded to float16 (relative error ~5e-4), not the computation.
    np.testing.assert_allclose(np.asarray(container), want["container"].numpy(), atol=5e-3)
    np.testing.assert_allclose(np.asarray(steg.receiver(container)), want["revealed"].numpy(), atol=5e-3)
    # Training can continue from float16 files: the weights come back as float32.
    fresh = build_model("scnn")
    load_weights_into(fresh, half)
    np.testing.assert_allclose(fresh.sender.get_weights()[0], model.sender.get_weights()[0], atol=1e-3)
    assert fresh.sender.get_weights()[0].dtype == np.float32
    with pytest.raises(ValueError, match="weights dtype"):
        export_model(model, tmp_path / "bad", weights_dtype="int8")


def _graph_ops(saved_model_dir) -> list[str]:
    """Every op type in a SavedModel's graph, inside its functions too."""
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((saved_model_dir / "saved_model.pb").read_bytes())
    graph = proto.meta_graphs[0].graph_def
    return [n.op for n in graph.node] + [n.op for f in graph.library.function for n in f.node_def]


def test_exported_graph_has_batchnorm_folded_and_training_gets_the_original_back(exported):
    """The served R-net has no BatchNorm arithmetic (no Rsqrt: folded into the convolutions),
    yet loading the folder for training restores every original weight and statistic."""
    model, out = exported
    assert "Rsqrt" not in _graph_ops(out / "receiver") + _graph_ops(out / "sender")
    assert len(json.loads((out / "receiver" / "batchnorm_folds.json").read_text())) == 5
    fresh = build_model("scnn")
    load_weights_into(fresh, out)
    for want, got in zip(model.variables, fresh.variables):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-6, err_msg=want.path)


def _conv_dtypes(saved_model_dir):
    """{dtype} of every Conv2D-like op in the SavedModel's functions."""
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((saved_model_dir / "saved_model.pb").read_bytes())
    graph = proto.meta_graphs[0].graph_def
    nodes = [n for f in graph.library.function for n in f.node_def]
    return {tf.dtypes.as_dtype(n.attr["T"].type).name for n in nodes if n.op.startswith("Conv2D")}


def test_bfloat16_signature_computes_in_bfloat16_close_to_float32(exported):
    """serving_bfloat16 runs the convolutions in bfloat16 on the same variables (none added)
    and gives float32 outputs a few 8-bit levels at most from serving_default's."""
    from keras_steg.export import BFLOAT16_SIGNATURE

    model, out = exported
    x = {k: tf.constant(v) for k, v in _inputs().items()}
    for part, output, inputs in (("sender", "container", x),
                                 ("receiver", "secret", {"container": x["cover"]})):
        loaded = tf.saved_model.load(str(out / part))
        exact = loaded.signatures["serving_default"](**inputs)[output]
        fast = loaded.signatures[BFLOAT16_SIGNATURE](**inputs)[output]
        assert fast.dtype == tf.float32 and fast.shape == exact.shape
        difference = np.abs(fast.numpy() - exact.numpy())
        assert 0 < difference.max() < 0.05 and difference.mean() < 0.005, part
        assert len(loaded.variables) == len(getattr(model, part).variables)
        assert {"bfloat16", "float32"} <= _conv_dtypes(out / part), part


def test_exported_qim_model_matches_keras(tmp_path, make_it_count):
    """Both SavedModels of a QIM model (float32 phases inside a model trained in bf16) give
    the Keras outputs."""
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = build_model("scnn", width=0.25, block_context=8, qim=4)
    keras.mixed_precision.set_global_policy("float32")
    make_it_count(model.receiver, "rnet_qim_pixels")
    model.save(tmp_path / "trained.keras")
    model = keras.saving.load_model(tmp_path / "trained.keras", compile=False)
    reference = build_model("scnn", width=0.25, block_context=8, qim=4)
    reference.set_weights(model.get_weights())
    out = export_model(model, tmp_path / "m", keras_file=False)
    x = _inputs((64, 96))
    sender = tf.saved_model.load(str(out / "sender")).signatures["serving_default"]
    container = sender(**{k: tf.constant(v) for k, v in x.items()})["container"].numpy()
    np.testing.assert_allclose(container, reference(x, training=False)["container"].numpy(), atol=1e-5)
    receiver = tf.saved_model.load(str(out / "receiver")).signatures["serving_default"]
    got = list(receiver(container=tf.constant(container)).values())[0].numpy()
    np.testing.assert_allclose(got, reference.receiver(container, training=False).numpy(), atol=1e-5)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["config"]["qim"] == 4 and meta["receiver_multiple"] == 8
