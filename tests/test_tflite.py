"""TFLite (LiteRT) files of the sender and receiver compute what the SavedModels compute."""

import numpy as np
import pytest
import tensorflow as tf

from keras_steg.tflite import export_tflite, load_interpreter, run_tflite


@pytest.fixture(scope="module")
def tflite_files(exported_scnn, tmp_path_factory):
    out = tmp_path_factory.mktemp("tflite")
    return {q: export_tflite(exported_scnn, out / q, quantize=q) for q in ("none", "float16", "dynamic")}


def _saved_model_outputs(folder, cover, secret):
    sender = tf.saved_model.load(str(folder / "sender")).signatures["serving_default"]
    receiver = tf.saved_model.load(str(folder / "receiver")).signatures["serving_default"]
    container = sender(cover=tf.constant(cover), secret=tf.constant(secret))["container"].numpy()
    return container, receiver(container=tf.constant(container))["secret"].numpy()


@pytest.mark.parametrize("quantize,tolerance", [("none", 1e-4), ("float16", 5e-3)])
def test_tflite_matches_the_savedmodels_at_any_size(exported_scnn, tflite_files, photos, quantize, tolerance):
    files = tflite_files[quantize]
    assert sorted(files) == ["receiver", "sender"]
    sender, receiver = load_interpreter(files["sender"]), load_interpreter(files["receiver"])
    for shape in ((64, 64), (32, 64)):  # two sizes through the same interpreters
        cover = photos[0][:shape[0], :shape[1]].astype(np.float32)[None] / 255
        secret = photos[1][:shape[0], :shape[1]].astype(np.float32)[None] / 255
        container, revealed = _saved_model_outputs(exported_scnn, cover, secret)
        got = run_tflite(sender, {"cover": cover, "secret": secret})
        assert got.shape == container.shape
        np.testing.assert_allclose(got, container, atol=tolerance)
        np.testing.assert_allclose(run_tflite(receiver, {"container": container}), revealed, atol=tolerance)


def test_quantized_files_are_smaller_and_close(exported_scnn, tflite_files, photos):
    size = {q: sum(p.stat().st_size for p in f.values()) for q, f in tflite_files.items()}
    assert size["float16"] < 0.6 * size["none"] and size["dynamic"] < 0.35 * size["none"]
    cover = photos[0][:64, :64].astype(np.float32)[None] / 255
    secret = photos[1][:64, :64].astype(np.float32)[None] / 255
    container, _ = _saved_model_outputs(exported_scnn, cover, secret)
    got = run_tflite(load_interpreter(tflite_files["dynamic"]["sender"]), {"cover": cover, "secret": secret})
    assert np.abs(got - container).mean() < 0.02


def test_run_tflite_names_the_inputs_it_wants(tflite_files):
    receiver = load_interpreter(tflite_files["none"]["receiver"])
    with pytest.raises(ValueError, match="takes \\['container'\\]"):
        run_tflite(receiver, {"cover": np.zeros((1, 32, 32, 3), np.float32)})


def test_tflite_verb_writes_both_files_and_refuses_to_overwrite(exported_scnn, tmp_path, run, one_line_error):
    code, out, _ = run("tflite", "--model", exported_scnn, "-o", tmp_path / "t", "--quantize", "float16")
    assert code == 0 and "sender:" in out and "receiver:" in out
    assert (tmp_path / "t" / "sender.tflite").is_file() and (tmp_path / "t" / "receiver.tflite").is_file()
    code, _, err = run("tflite", "--model", exported_scnn, "-o", tmp_path / "t")
    one_line_error(code, err, "already exists")


@pytest.fixture(scope="module")
def int8_files(exported_scnn, photos, tmp_path_factory):
    calibration = [p[:32, :32] for p in photos[2:5]]  # never the photos scored below
    return export_tflite(exported_scnn, tmp_path_factory.mktemp("int8"), quantize="int8",
                         calibration_photos=calibration)


def test_int8_files_compute_in_int8_and_stay_close(exported_scnn, tflite_files, int8_files, photos):
    sender = load_interpreter(int8_files["sender"])
    for part, interpreter in (("sender", sender), ("receiver", load_interpreter(int8_files["receiver"]))):
        # Full integer: every image-shaped tensor (weights, activations) is int8 except the
        # float32 inputs and output at the edges.
        dtypes = [np.dtype(d["dtype"]) for d in interpreter.get_tensor_details() if len(d["shape"]) == 4]
        edges = len(interpreter.get_input_details()) + len(interpreter.get_output_details())
        assert dtypes.count(np.float32) <= edges and dtypes.count(np.int8) > 5, (part, dtypes)
    def size(files):
        return sum(p.stat().st_size for p in files.values())
    assert size(int8_files) < 0.35 * size(tflite_files["none"])
    cover = photos[0][:64, :64].astype(np.float32)[None] / 255
    secret = photos[1][:64, :64].astype(np.float32)[None] / 255
    container, revealed = _saved_model_outputs(exported_scnn, cover, secret)
    got = run_tflite(sender, {"cover": cover, "secret": secret})
    assert got.shape == container.shape and np.abs(got - container).mean() < 0.02
    got = run_tflite(load_interpreter(int8_files["receiver"]), {"container": container})
    assert np.abs(got - revealed).mean() < 0.02


def test_int8_needs_calibration_photos(exported_scnn, tmp_path, run, one_line_error):
    with pytest.raises(ValueError, match="calibration"):
        export_tflite(exported_scnn, tmp_path / "a", quantize="int8")
    code, _, err = run("tflite", "--model", exported_scnn, "-o", tmp_path / "b", "--quantize", "int8")
    one_line_error(code, err, "--calibration")
    assert not (tmp_path / "b").exists()
