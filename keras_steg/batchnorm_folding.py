"""Folding BatchNorm into the convolution before it, for inference.

In inference a BatchNorm is a per-channel affine map, ``y = scale * x + shift`` with
``scale = gamma / sqrt(moving_variance + epsilon)`` and ``shift = beta - moving_mean * scale``.
After a convolution without its own activation it can be moved into the convolution's kernel
and bias, which removes one full-resolution pass over memory per BatchNorm (SCNN's R-net runs
five of them at 64-256 channels). The folding is exact up to float rounding, and it can be
undone from the BatchNorm's four vectors, which is how an exported folded model stays
fine-tunable (``unfold_weights``).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from keras_steg.batchnorm import all_layers

_FOLDABLE_CONVS = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
# A BatchNorm whose scale is this close to 0 has erased its channel; dividing by it to unfold
# would blow up, so such a pair is left as it is.
_MIN_SCALE = 1e-8


@keras.saving.register_keras_serializable(package="keras_steg")
class FoldedBatchNorm(keras.layers.Layer):
    """Where a BatchNorm was before ``fold_batchnorm`` moved it into the convolution: passes its
    input through (it takes BatchNorm's call arguments, so the graph around it is unchanged)."""

    def call(self, inputs, training=None, mask=None):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


@dataclass(frozen=True)
class FoldPair:
    """One convolution and the BatchNorm that follows it."""

    conv: keras.layers.Layer
    batchnorm: keras.layers.BatchNormalization

    def scale_shift(self) -> tuple[np.ndarray, np.ndarray]:
        """The BatchNorm's inference map as (scale, shift), each (channels,) float32."""
        return _scale_shift(*(None if v is None else v.numpy() for v in self.batchnorm_variables()),
                            self.batchnorm.epsilon)

    def batchnorm_variables(self) -> list:
        """[gamma or None, beta or None, moving_mean, moving_variance] of the BatchNorm."""
        bn = self.batchnorm
        return [bn.gamma if bn.scale else None, bn.beta if bn.center else None,
                bn.moving_mean, bn.moving_variance]


def _scale_shift(gamma, beta, mean, variance, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    scale = (1.0 if gamma is None else gamma) / np.sqrt(variance + epsilon)
    shift = (0.0 if beta is None else beta) - mean * scale
    return scale.astype(np.float32), np.asarray(shift, np.float32)


def _kernel_shape(conv: keras.layers.Layer) -> list[int]:
    """How a per-output-channel vector broadcasts over the kernel: Conv2D kernels are
    (kh, kw, in, out), Conv2DTranspose kernels (kh, kw, out, in)."""
    return [1, 1, -1, 1] if isinstance(conv, keras.layers.Conv2DTranspose) else [1, 1, 1, -1]


def fold_pairs(model: keras.Model) -> list[FoldPair]:
    """Every inference BatchNorm of ``model`` (nested models included) that directly follows a
    Conv2D / Conv2DTranspose with a linear activation whose only consumer it is."""
    pairs = []
    for network in [model, *[x for x in all_layers(model) if isinstance(x, keras.Model)]]:
        consumers: dict[int, int] = {}
        for layer in network.layers:
            for node in layer._inbound_nodes:
                for tensor in node.input_tensors:
                    producer = id(tensor._keras_history.operation)
                    consumers[producer] = consumers.get(producer, 0) + 1
        for layer in network.layers:
            if not isinstance(layer, keras.layers.BatchNormalization) or len(layer._inbound_nodes) != 1:
                continue
            conv = layer.input._keras_history.operation
            # A conv with its own activation (relu, then BatchNorm) cannot take the affine map.
            if (isinstance(conv, _FOLDABLE_CONVS) and conv.get_config().get("activation") == "linear"
                    and consumers.get(id(conv)) == 1 and layer.axis in (-1, 3)):
                pair = FoldPair(conv, layer)
                if np.all(np.abs(pair.scale_shift()[0]) > _MIN_SCALE):
                    pairs.append(pair)
    return pairs


def fold_batchnorm(model: keras.Model) -> keras.Model:
    """An inference copy of the functional ``model`` in which every BatchNorm of ``fold_pairs``
    is folded into its convolution (kernel x scale per output channel, bias x scale + shift)
    and replaced by an identity. Same outputs in inference, to float rounding. ``model`` is
    unchanged; without such pairs the copy simply equals it. Layer names must be unique."""
    pairs = {pair.batchnorm.name: pair for pair in fold_pairs(model)}
    convs = {pair.conv.name: pair for pair in pairs.values()}

    def clone(layer):
        if layer.name in pairs:
            return FoldedBatchNorm(name=layer.name, dtype=layer.dtype_policy.name)
        if layer.name in convs:
            return layer.__class__.from_config({**layer.get_config(), "use_bias": True})
        return layer.__class__.from_config(layer.get_config())

    copy = keras.models.clone_model(model, clone_function=clone, recursive=True)
    originals = {layer.name: layer for layer in all_layers(model)}
    for target in all_layers(copy):
        # Input layers of a clone get new names, but hold no weights.
        if isinstance(target, keras.Model) or target.name in pairs or not target.weights:
            continue
        source = originals[target.name]
        if target.name not in convs:
            target.set_weights(source.get_weights())
            continue
        scale, shift = convs[target.name].scale_shift()
        bias = source.bias.numpy() if source.use_bias else 0.0
        target.set_weights([source.kernel.numpy() * scale.reshape(_kernel_shape(source)),
                            bias * scale + shift])
    return copy


def unfold_weights(model: keras.Model, folds: list[dict]) -> None:
    """Undo, in ``model``'s own variables, a folding recorded by ``fold_records``: its kernels
    (and biases) hold folded values and its BatchNorms their original vectors (as an exported
    folded SavedModel lists them); afterwards the model equals the one that was folded."""
    variables = model.variables
    for fold in folds:
        gamma, beta, mean, variance = (None if fold[key] is None else variables[fold[key]].numpy()
                                       for key in ("gamma", "beta", "mean", "variance"))
        scale, shift = _scale_shift(gamma, beta, mean, variance, fold["epsilon"])
        kernel = variables[fold["kernel"]]
        shape = [1, 1, -1, 1] if fold["transpose"] else [1, 1, 1, -1]
        kernel.assign(kernel.numpy() / scale.reshape(shape))
        if fold["bias"] is not None:
            bias = variables[fold["bias"]]
            bias.assign((bias.numpy() - shift) / scale)


def fold_records(model: keras.Model, pairs: list[FoldPair]) -> list[dict]:
    """JSON-able records of ``pairs``: the indices in ``model.variables`` of each convolution's
    kernel and bias (None without one) and of its BatchNorm's vectors, its epsilon, and
    whether the convolution is transposed. ``unfold_weights`` reads them."""
    index = {id(v): i for i, v in enumerate(model.variables)}

    def at(variable):
        return None if variable is None else index[id(variable)]

    records = []
    for pair in pairs:
        gamma, beta, mean, variance = pair.batchnorm_variables()
        bias = pair.conv.bias if pair.conv.use_bias else None
        records.append({"kernel": at(pair.conv.kernel), "bias": at(bias),
                        "gamma": at(gamma), "beta": at(beta), "mean": at(mean), "variance": at(variance),
                        "epsilon": float(pair.batchnorm.epsilon),
                        "transpose": isinstance(pair.conv, keras.layers.Conv2DTranspose)})
    return records
