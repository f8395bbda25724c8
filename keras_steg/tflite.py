"""TFLite (LiteRT) files of a model's sender and receiver, for phones and edge devices.

The converter reads the exported SavedModels (``sender/``, ``receiver/``), so a shipped model,
an exported folder and a trained-then-exported run all convert the same way; BatchNorm is
folded into the convolutions by the converter. Spatial sizes stay dynamic: the interpreter's
input is resized to each image (``run_tflite`` does it). Quantization options:

- ``none``: float32 weights and compute (matches the SavedModel to ~1e-5);
- ``float16``: weights stored as float16 (half the file), computed in float32;
- ``dynamic``: weights stored as int8 (a quarter of the file), activations quantized on the
  fly; smallest and fastest on ARM, with a quality cost (measure it with ``run_tflite``);
- ``int8``: weights and activations int8 (full integer kernels, e.g. AVX-512 VNNI or ARM dot
  product), inputs and outputs still float32. Activation ranges are calibrated on real photos
  (``calibration``): the sender on cover/secret pairs, the receiver on the 8-bit containers
  the float sender makes of them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_steg.pretrained import resolve_model_dir

QUANTIZATIONS = ("none", "float16", "dynamic", "int8")
PARTS = ("sender", "receiver")


def convert(saved_model: str | Path, quantize: str = "none",
            calibration: Sequence[dict[str, np.ndarray]] = ()) -> bytes:
    """A SavedModel folder's ``serving_default`` signature -> the bytes of a .tflite file.

    ``calibration`` (``int8`` only): inputs keyed by the signature's names, float32
    (1, H, W, C) in [0, 1], from which the converter measures every activation's range.
    """
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize must be one of {', '.join(QUANTIZATIONS)}, got {quantize!r}")
    if quantize == "int8" and not calibration:
        raise ValueError("int8 quantization needs calibration inputs (photos like the ones to hide)")
    # Only serving_default: the bfloat16 signature is for CPUs with bf16 instructions, and
    # LiteRT runs float32 or quantized graphs.
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model),
                                                         signature_keys=["serving_default"])
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "int8":
        # With a representative dataset, DEFAULT quantizes activations too; float32 in and out
        # keeps run_tflite and every caller unchanged.
        converter.representative_dataset = lambda: iter(calibration)
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def calibration_inputs(folder: Path, photos: Sequence[np.ndarray]) -> dict[str, list[dict]]:
    """Calibration inputs of a model folder's two halves from RGB uint8 photos of one size:
    {"sender": [{"cover", "secret"}], "receiver": [{"container"}]}, float32 (1, H, W, 3) in
    [0, 1]; photo i hides photo i + 1, and the receiver sees the float sender's container
    rounded to 8 bits, as a saved PNG gives it."""
    if len(photos) < 2:
        raise ValueError("int8 calibration needs two photos at least (one hides the other)")
    if len({np.shape(p) for p in photos}) > 1:
        raise ValueError("int8 calibration photos must all have one size")
    images = [np.asarray(p, np.float32)[None] / 255 for p in photos]
    pairs = [{"cover": images[i], "secret": images[(i + 1) % len(images)]} for i in range(len(images))]
    sender = tf.saved_model.load(str(folder / "sender")).signatures["serving_default"]
    containers = [{"container": (tf.round(sender(**pair)["container"] * 255) / 255).numpy()}
                  for pair in pairs]
    return {"sender": pairs, "receiver": containers}


def export_tflite(model: str | Path, out: str | Path, quantize: str = "none",
                  overwrite: bool = False, calibration_photos: Sequence[np.ndarray] = ()
                  ) -> dict[str, Path]:
    """Write ``out/sender.tflite`` and ``out/receiver.tflite`` (whichever halves the model folder
    holds) for a shipped model name or an exported folder -> {part: path}. ``int8`` needs
    ``calibration_photos`` (RGB uint8 arrays of one size; an image-in-image model whose folder
    holds both halves). Refuses to replace existing files unless ``overwrite``."""
    folder = resolve_model_dir(str(model))
    out = Path(out)
    parts = [p for p in PARTS if (folder / p / "saved_model.pb").is_file()]
    for part in parts:
        if (out / f"{part}.tflite").exists() and not overwrite:
            raise FileExistsError(f"{out / f'{part}.tflite'}: already exists (use --overwrite to replace it)")
    calibration = {}
    if quantize == "int8":
        if parts != list(PARTS):
            raise ValueError(f"{folder}: int8 calibration needs both sender/ and receiver/")
        calibration = calibration_inputs(folder, calibration_photos)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for part in parts:
        written[part] = out / f"{part}.tflite"
        written[part].write_bytes(convert(folder / part, quantize, calibration.get(part, ())))
    return written


def load_interpreter(path: str | Path, threads: int | None = None):
    """A LiteRT interpreter for a .tflite file, on ``threads`` CPU threads (default: all cores;
    the interpreter's own default is one). ``ai_edge_litert`` when installed (the
    ``pip install keras-steg[tflite]`` extra), else TensorFlow's ``tf.lite.Interpreter``."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        Interpreter = tf.lite.Interpreter  # noqa: N806  (deprecated in TF, still works)
    return Interpreter(model_path=str(path), num_threads=threads or os.cpu_count())


def _input_name(detail: dict) -> str:
    """"serving_default_cover:0" -> "cover": the SavedModel signature's argument name."""
    return detail["name"].removeprefix("serving_default_").split(":")[0]


def run_tflite(interpreter, inputs: dict[str, np.ndarray]) -> np.ndarray:
    """Run a sender or receiver interpreter on float32 (B, H, W, C) arrays in [0, 1] keyed by
    the signature's names ({"cover", "secret"} or {"container"}) -> its output, float32
    (B, H, W, C). Inputs of any size: the interpreter is resized to them."""
    details = interpreter.get_input_details()
    names = {_input_name(d) for d in details}
    if names != set(inputs):
        raise ValueError(f"this model takes {sorted(names)}, got {sorted(inputs)}")
    for detail in details:
        interpreter.resize_tensor_input(detail["index"], inputs[_input_name(detail)].shape)
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], np.asarray(inputs[_input_name(detail)], np.float32))
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
