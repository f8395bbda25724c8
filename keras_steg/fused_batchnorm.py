"""BatchNormalization whose training-mode pass is TensorFlow's one fused kernel.

Keras 3's BatchNormalization trains through generic ops: it casts a bfloat16 input to float32,
takes the moments, normalises, scales, shifts and casts back, each a separate pass over the
feature map, and its gradient is as many again. TensorFlow's ``FusedBatchNormV3`` does the
forward and the backward pass in one kernel each (oneDNN on CPUs) and reads bfloat16 directly,
accumulating in float32. A 64x64 bf16 SCNN training step takes 352 ms with Keras' ops and
289 ms fused on a 2-core AVX-512 BF16 CPU (``benchmarks/train_speed.py``). Inference mode and every case the
kernel does not cover (masks, renorm, synchronized statistics, another axis or rank, other
backends) fall back to Keras' own code, so exported models and their BatchNorm folding are
unchanged.
"""

from __future__ import annotations

import keras
import tensorflow as tf

# The kernel's types: half, bfloat16 and float feature maps with float32 statistics.
FUSED_DTYPES = ("float16", "bfloat16", "float32")


@keras.saving.register_keras_serializable(package="keras_steg")
class BatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` with the same arguments, weights and results (to
    floating-point rounding) whose training pass runs TensorFlow's fused kernel.

    The class keeps Keras' name on purpose: a ``.weights.h5`` file addresses layers by their
    class name, so weights and BackupAndRestore checkpoints move between the two classes.

    ``fused=False`` switches the kernel off (Keras' ops everywhere), e.g. to time both in one
    run. Input and output: (B, H, W, C) in the layer's compute dtype.
    """

    def __init__(self, fused: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.fused = fused

    def _kernel_applies(self, inputs, training, mask) -> bool:
        return bool(
            self.fused and training and self.trainable and mask is None
            and keras.backend.backend() == "tensorflow"
            and not self.renorm and not self.synchronized
            and len(inputs.shape) == 4 and self.axis in (-1, 3)
            and keras.backend.standardize_dtype(inputs.dtype) in FUSED_DTYPES
        )

    def call(self, inputs, training=None, mask=None):
        if not self._kernel_applies(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        gamma = tf.cast(self.gamma, tf.float32) if self.scale else tf.ones([channels])
        beta = tf.cast(self.beta, tf.float32) if self.center else tf.zeros([channels])
        inputs = tf.cast(inputs, self.compute_dtype)
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs, gamma, beta, epsilon=self.epsilon, data_format="NHWC", is_training=True)
        # The kernel hands back the unbiased (n - 1) batch variance for running averages;
        # Keras averages the biased one, and so do we, so both classes keep the same statistics.
        count = tf.cast(tf.reduce_prod(tf.shape(inputs)[:-1]), tf.float32)
        variance = variance * (count - 1.0) / tf.maximum(count, 1.0)
        momentum = self.momentum
        self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
        self.moving_variance.assign(self.moving_variance * momentum + variance * (1.0 - momentum))
        return outputs

    def get_config(self):
        return {**super().get_config(), "fused": self.fused}


def set_fused(model: keras.layers.Layer, fused: bool) -> int:
    """Switch the fused training kernel on or off in every fused-kernel BatchNormalization inside
    ``model`` (nested models included); returns how many layers were switched."""
    from keras_steg.batchnorm import batchnorm_layers

    layers = [layer for layer in batchnorm_layers(model) if isinstance(layer, BatchNormalization)]
    for layer in layers:
        layer.fused = fused
    return len(layers)
