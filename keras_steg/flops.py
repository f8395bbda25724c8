"""Floating-point cost of a network: the multiply-adds of its convolutions at a given image size."""

from __future__ import annotations

import math

import keras
import tensorflow as tf

# Graph ops that are convolutions, and the index of the tensor whose spatial size sets the
# number of kernel applications (the output for a conv, the input for a transposed conv).
_CONV_OPS = {"Conv2D": "output", "Conv2DBackpropInput": "input", "DepthwiseConv2dNative": "output"}


def _specs(network: keras.Model, height: int, width: int):
    """Input signature of one ``height`` x ``width`` image (or a dict of them) for ``network``."""
    def spec(tensor):
        return tf.TensorSpec((1, height, width, tensor.shape[-1]), tf.float32)

    if isinstance(network.input, dict):
        return {key: spec(t) for key, t in network.input.items()}
    return spec(network.inputs[0])


def conv_gflops(network: keras.Model, height: int = 224, width: int = 224) -> float:
    """GFLOP (2 x multiply-adds) of every convolution of ``network`` for ONE image of
    ``height`` x ``width``, read from the traced graph so nested models count too.

    ``network``: a functional model taking one image tensor or a dict of them (NHWC).
    Activations, BatchNorm and concatenations are left out (they are < 1 % here).
    """
    spec = _specs(network, height, width)
    graph = tf.function(lambda x: network(x, training=False)).get_concrete_function(spec).graph
    macs = 0
    for op in graph.get_operations():
        where = _CONV_OPS.get(op.type)
        if where is None:
            continue
        kernel = op.inputs[1].shape  # (kh, kw, in, out), or (kh, kw, out, in) for the transpose
        if where == "output":
            spatial = op.outputs[0].shape[1:3]
        else:
            spatial = op.inputs[2].shape[1:3]
        macs += math.prod(spatial) * math.prod(kernel)
    return 2 * macs / 1e9
