"""tf.distribute for training: one StegModel, two optimizers, several devices.

``mirrored`` replicates the model on every local GPU, or, with ``use_cpu_replicas``, on that
many logical CPU devices (a CPU-only machine shows one device otherwise). ``--batch`` is the
global batch, split between the replicas. Gradients are summed through one device
(``ReductionToOneDevice``) rather than by collective all-reduces: SCNN's two optimizers each
all-reduce their own gradients, and two collectives with no order between them met the wrong
partner across replicas ("Shape mismatch in the collective instance", measured here).
"""

from __future__ import annotations

import tensorflow as tf

STRATEGIES = ("none", "mirrored")


def use_cpu_replicas(count: int) -> None:
    """Split the machine's CPU into ``count`` logical devices, so ``mirrored`` has that many
    replicas. Must run before TensorFlow starts using its devices; ValueError otherwise."""
    if count < 1:
        raise ValueError(f"cpu replicas must be at least 1, got {count}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError as err:
        raise ValueError("CPU replicas must be set before TensorFlow starts using its devices "
                         f"(in a fresh process): {err}") from err


def make_strategy(name: str = "none") -> tf.distribute.Strategy:
    """"none": the default (one device); "mirrored": every local GPU, else every logical CPU."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
    if name == "none":
        return tf.distribute.get_strategy()
    devices = [d.name for d in tf.config.list_logical_devices("GPU")] or \
        [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice())
