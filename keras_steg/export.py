"""Export a StegModel as two SavedModels (sender, receiver) and load weights back for training.

Layout written by ``export_model(model, out)``::

    out/sender/      SavedModel, signature serving_default(cover, secret) -> {"container"}
    out/receiver/    SavedModel, signature serving_default(container) -> {"secret"}
                     (each also has serving_bfloat16: the same, computing in bfloat16)
    out/*/batchnorm_folds.json  the BatchNorms folded into convolutions in that graph, so
                       ``load_weights_into`` can restore the unfolded weights
    out/model.keras  the whole StegModel, for fine-tuning (optional)
    out/metadata.json  family and its builder config, channels, spatial multiples, and
                       measured quality if given
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tensorflow.python.trackable.autotrackable import AutoTrackable

from keras_steg.batchnorm import all_layers
from keras_steg.batchnorm_folding import fold_batchnorm, fold_pairs, fold_records, unfold_weights

METADATA = "metadata.json"
FOLDS = "batchnorm_folds.json"


def _float32_config(config):
    """A layer/model config with every mixed-precision dtype policy replaced by float32."""
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy" and isinstance(config.get("config"), dict):
            return {**config, "config": {**config["config"], "name": "float32"}}
        return {k: _float32_config(v) for k, v in config.items()}
    if isinstance(config, list):
        return [_float32_config(v) for v in config]
    if isinstance(config, str) and config.startswith("mixed_"):
        return "float32"
    return config


def float32_copy(model: keras.Model) -> keras.Model:
    """A float32 copy of a functional model (same weights), whatever policy it was built under:
    exported models run in plain float32 on any CPU or GPU. A model already computing in
    float32 everywhere is returned as it is."""
    # Nested models included: ExypnoSteganos' sender nests CN and EN, whose layers keep their
    # mixed policy when the top level reports float32 (a .keras file reloaded under float32).
    if all(layer.dtype_policy.compute_dtype == "float32" for layer in all_layers(model)):
        return model
    copy = model.__class__.from_config(_float32_config(model.get_config()))
    copy.set_weights(model.get_weights())
    return copy


def _output_layers(model: keras.Model) -> set[str]:
    """Names of the layers that make ``model``'s outputs: each output layer and, back through
    every input of the weightless ones (a sigmoid, a sum of two branches), the first layers
    with weights (the last convolutions); looked up inside nested models too."""
    names: set[str] = set()
    pending = [tensor._keras_history.operation for tensor in model.outputs]
    while pending:
        layer = pending.pop()
        if isinstance(layer, keras.Model):
            names |= _output_layers(layer)
            continue
        if isinstance(layer, keras.layers.InputLayer) or layer.name in names:
            continue
        names.add(layer.name)
        if not layer.weights and layer._inbound_nodes:
            pending += [t._keras_history.operation for t in layer._inbound_nodes[0].input_tensors]
    return names


def bfloat16_copy(model: keras.Model) -> keras.Model:
    """A copy of the functional float32 ``model`` (same weights) computing in bfloat16
    (``mixed_bfloat16``: float32 variables cast on use), except its last convolution and
    output activation, which stay float32 so the [0, 1] image it returns keeps float32 steps
    (bfloat16 resolves only ~1/256 near 1, a whole 8-bit level)."""
    keep = _output_layers(model)

    def clone(layer):
        policy = "float32" if layer.name in keep else "mixed_bfloat16"
        return layer.__class__.from_config({**layer.get_config(), "dtype": policy})

    copy = keras.models.clone_model(model, clone_function=clone, recursive=True)
    copy.set_weights(model.get_weights())
    return copy


def _image_spec(channels: int, name: str) -> tf.TensorSpec:
    return tf.TensorSpec([None, None, None, channels], tf.float32, name=name)


WEIGHT_DTYPES = ("float32", "float16")
# The second signature of every exported SavedModel: the same network computing in bfloat16
# (about twice as fast on CPUs with AVX512_BF16 or AMX, emulated and slow elsewhere).
BFLOAT16_SIGNATURE = "serving_bfloat16"


def _served_variables(model: keras.Model, serving: keras.Model, folded: list) -> dict[int, object]:
    """{id of each of ``model``'s variables: the variable the SavedModel lists in its place}:
    the served copy's variable of the same layer, or, for a BatchNorm folded away, its own."""
    if serving is model:
        return {id(v): v for v in model.variables}
    gone = {pair.batchnorm.name for pair in folded}
    served = {layer.name: layer for layer in all_layers(serving)}
    mapping = {}
    for layer in all_layers(model):
        if isinstance(layer, keras.Model) or not layer.weights:
            continue
        # A folded conv without a bias gains one in the copy: zip keeps the kernel's match.
        twins = layer.weights if layer.name in gone else served[layer.name].weights
        mapping.update((id(v), twin) for v, twin in zip(layer.weights, twins))
    return mapping


def _write_saved_model(model: keras.Model, output: str, input_signature: list, path: str | Path,
                       weights_dtype: str = "float32") -> list[dict]:
    """Save ``model`` (float32) as the ``serve`` endpoint and ``serving_default`` signature
    returning ``{output: model(inputs)}`` -> the BatchNorm folds it made (``fold_records``).

    The served graph is ``fold_batchnorm(model)``: every BatchNorm right after a convolution is
    folded into it (same outputs, one memory pass fewer each). Written with
    ``tf.saved_model.save`` on a small trackable rather than keras' ExportArchive, which in
    Keras 3.15 stores every variable twice (the SavedModel doubled in size).
    The root keeps ``variables`` / ``trainable_variables`` / ``non_trainable_variables`` lists
    aligned with the Keras model's own (folded kernels in place of the kernels, the folded
    BatchNorms' vectors kept), for ``keras.layers.TFSMLayer`` and for ``load_weights_into``,
    which unfolds them. ``weights_dtype="float16"`` stores the weights in half the space and
    casts them back to float32 inside the graph (``stateless_call``): the computation stays
    float32. A second signature, ``serving_bfloat16``, runs ``bfloat16_copy`` of the served
    graph on the same stored variables.
    """
    if weights_dtype not in WEIGHT_DTYPES:
        raise ValueError(f"weights dtype must be one of {WEIGHT_DTYPES}, got {weights_dtype!r}")
    folded = fold_pairs(model)
    serving = fold_batchnorm(model) if folded else model
    listed = _served_variables(model, serving, folded)
    every = {id(v): v for v in [*listed.values(), *serving.variables]}
    root = AutoTrackable()
    if weights_dtype == "float32":
        stored = {key: v.value for key, v in every.items()}
    else:
        stored = {key: tf.Variable(tf.cast(v.value, tf.float16), trainable=v.trainable, name=v.name)
                  for key, v in every.items()}

    def on_stored(net: keras.Model, twins: dict[int, object]):
        """``net`` as a serving function computing from ``stored`` (cast back to float32),
        where ``twins`` maps each of its variables to the served one stored in its place."""
        def fn(inputs):
            def restored(variables):
                return [tf.cast(stored[id(twins[id(v)])], tf.float32) for v in variables]

            out, _ = net.stateless_call(restored(net.trainable_variables),
                                        restored(net.non_trainable_variables), inputs, training=False)
            return {output: tf.cast(out, tf.float32)}
        return fn

    if weights_dtype == "float32":
        def fn(inputs):
            return {output: serving(inputs, training=False)}
    else:
        fn = on_stored(serving, {id(v): v for v in serving.variables})
    # A clone keeps the layer names, which is how _served_variables pairs the variables.
    fast = bfloat16_copy(serving)
    fn_bfloat16 = on_stored(fast, _served_variables(fast, serving, []))

    def saved(variables):
        return [stored[id(listed[id(v)])] for v in variables]

    root.variables = saved(model.variables)
    root.trainable_variables = saved(model.trainable_variables)
    root.non_trainable_variables = saved(model.non_trainable_variables)
    root.serve = tf.function(fn, input_signature=input_signature)
    root.serve_bfloat16 = tf.function(fn_bfloat16, input_signature=input_signature)
    tf.saved_model.save(root, str(path), signatures={"serving_default": root.serve,
                                                     BFLOAT16_SIGNATURE: root.serve_bfloat16})
    folds = fold_records(model, folded)
    # Beside saved_model.pb, so each SavedModel folder carries what undoes its folding.
    (Path(path) / FOLDS).write_text(json.dumps(folds, indent=1) + "\n")
    return folds


def export_sender(sender: keras.Model, path: str | Path, weights_dtype: str = "float32") -> None:
    """Write the sender as a SavedModel: ``serving_default(cover, secret) -> {"container"}``,
    float32 (B, H, W, C) in [0, 1], H and W free (multiples of the family's multiple). The
    ``serve`` endpoint takes one dict ``{"cover", "secret"}`` (what TFSMLayer passes)."""
    sender = float32_copy(sender)
    specs = {name: _image_spec(t.shape[-1], name) for name, t in sender.input.items()}
    _write_saved_model(sender, "container", [specs], path, weights_dtype)


def export_receiver(receiver: keras.Model, path: str | Path, weights_dtype: str = "float32") -> None:
    """Write the receiver as a SavedModel: ``serving_default(container) -> {"secret"}``."""
    receiver = float32_copy(receiver)
    _write_saved_model(receiver, "secret", [_image_spec(receiver.input.shape[-1], "container")],
                       path, weights_dtype)


def export_model(model, out: str | Path, keras_file: bool = True, overwrite: bool = False,
                 weights_dtype: str = "float32", measured: dict | None = None) -> Path:
    """Write ``out/sender``, ``out/receiver``, ``out/metadata.json`` and (optionally)
    ``out/model.keras``; refuses a non-empty ``out`` unless ``overwrite``. The family recorded
    in the metadata is the model's name ("scnn" for ``build_model("scnn")``).
    ``weights_dtype="float16"`` halves the SavedModels on disk (they still compute in float32).
    ``measured``: held-out scores of these weights, kept in the metadata as "heldout"."""
    if weights_dtype not in WEIGHT_DTYPES:
        raise ValueError(f"weights dtype must be one of {WEIGHT_DTYPES}, got {weights_dtype!r}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: is a file; give a folder for the exported model")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ValueError(f"{out}: already exists and is not empty (use --overwrite to replace it)")
    out.mkdir(parents=True, exist_ok=True)
    # One float32 copy of each network serves the SavedModels and the .keras file.
    sender, receiver = float32_copy(model.sender), float32_copy(model.receiver)
    export_sender(sender, out / "sender", weights_dtype)
    export_receiver(receiver, out / "receiver", weights_dtype)
    if keras_file:
        # Weights only (no optimizer slots, which would triple the file).
        from keras_steg.models.steg_model import StegModel

        StegModel(sender, receiver, channel=model.channel, multiple=model.multiple,
                  family_config=model.family_config, name=model.name).save(out / "model.keras")
    from keras_steg.models.registry import family_receiver_multiple

    metadata = {
        "family": model.name,
        "config": _complete_config(model),
        "cover_channels": int(model.sender.output.shape[-1]),
        "secret_channels": int(model.receiver.output.shape[-1]),
        "sender_multiple": int(model.multiple),
        "receiver_multiple": family_receiver_multiple(model.name, model.family_config),
        "weights_dtype": weights_dtype,
    }
    if measured:
        metadata["heldout"] = measured
    (out / METADATA).write_text(json.dumps(metadata, indent=2) + "\n")
    from keras_steg.inference import clear_model_cache

    clear_model_cache()  # a folder exported again in this process must not serve the old model
    return out


def _complete_config(model) -> dict:
    """The model's builder config with the family's defaults filled in (a model saved before
    configs were stored whole, or built by hand under a family's name)."""
    from keras_steg.models.registry import FAMILIES, family_config

    if model.name in FAMILIES:
        return family_config(model.name, model.family_config)
    return dict(model.family_config)


def read_metadata(path: str | Path) -> dict:
    """The metadata.json of an exported model folder ({} when there is none)."""
    file = Path(path) / METADATA
    return json.loads(file.read_text()) if file.exists() else {}


def read_folds(path: str | Path) -> list[dict]:
    """The BatchNorm folds (``fold_records``) written beside the served network in the
    SavedModel folder ``path``; ``[]`` when nothing was folded or the file is absent."""
    folds = Path(path) / FOLDS
    return json.loads(folds.read_text()) if folds.exists() else []


def _assign_from_saved_model(model: keras.Model, path: Path) -> None:
    loaded = tf.saved_model.load(str(path))
    saved = list(loaded.variables)
    target = list(model.variables)
    if len(saved) != len(target) or any(
        tuple(s.shape) != tuple(t.shape) for s, t in zip(saved, target)
    ):
        raise ValueError(f"{path}: its variables do not match the {model.name} network")
    for s, t in zip(saved, target):
        t.assign(np.asarray(s.numpy()).astype(t.dtype))
    folds = read_folds(path)
    if folds:
        unfold_weights(model, folds)


def _copy_weights_by_layer(target: keras.Model, source: keras.Model, path: Path) -> None:
    """Every weight of ``source`` into the top-level layer of the same name in ``target`` (a
    nested model counts as one layer). Layers only ``target`` has keep their initial weights,
    with a warning naming them (a network grown by a new part, such as the receiver's block
    context); a layer only ``source`` has, or one of another shape, is a ValueError."""
    targets = {layer.name: layer for layer in target.layers}
    for layer in source.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if layer.name not in targets or [w.shape for w in targets[layer.name].get_weights()] != [
                w.shape for w in weights]:
            raise ValueError(f"{path}: its {source.name} layer {layer.name!r} does not fit the "
                             f"{target.name} network of this model")
        targets[layer.name].set_weights(weights)
    loaded = {layer.name for layer in source.layers}
    new = [layer.name for layer in target.layers if layer.weights and layer.name not in loaded]
    if new:
        warnings.warn(f"{path} has no weights for {target.name} layers {', '.join(new)}: they "
                      "start from their initial values", stacklevel=3)


def load_weights_into(model, source: str | Path) -> None:
    """Load weights into a StegModel from an exported folder (sender/ + receiver/ SavedModels),
    a ``.keras`` file or a ``.weights.h5`` file, so training continues from them."""
    import keras_steg.models  # noqa: F401  (registers StegModel for load_model)
    from keras_steg.pretrained import resolve_model_dir

    source = Path(source)
    if source.suffix in (".keras", ".h5"):
        if not source.is_file():
            raise ValueError(f"{source}: no such file")
        if source.suffix == ".keras":
            source_model = keras.saving.load_model(source, compile=False)
            # The networks only: the channel's state (seeds, the quantizer switch) belongs to
            # the run, and a new run may train with other attacks than the file's.
            for part in ("sender", "receiver"):
                _copy_weights_by_layer(getattr(model, part), getattr(source_model, part), source)
        else:
            model.load_weights(source)
        return
    folder = resolve_model_dir(str(source))
    _assign_from_saved_model(model.sender, folder / "sender")
    _assign_from_saved_model(model.receiver, folder / "receiver")
