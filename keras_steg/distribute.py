"""tf.distribute for training: one StegModel, two optimizers, several devices.

``mirrored`` replicates the model on every local GPU, or, with ``use_cpu_replicas``, on that
many logical CPU devices (a CPU-only machine shows one device otherwise). ``--batch`` is the
global batch, split between the replicas. Gradients are summed through one device
(``ReductionToOneDevice``) rather than by collective all-reduces: SCNN's two optimizers each
all-reduce their own gradients, and two collectives with no order between them met the wrong
partner across replicas ("Shape mismatch in the collective instance", measured here).

``multiworker`` is a MultiWorkerMirroredStrategy over the processes TF_CONFIG lists, one per
worker, all running the same command; each worker's replicas all-reduce with the others'
(one replica per CPU worker: its collectives run in program order, so SCNN's two optimizers
stay paired). The global batch is split between the workers, and so is each batch of the
input pipeline (TensorFlow's automatic data sharding). Worker 0 is the chief and writes the
run folder; the others write theirs below it, in ``worker<i>/`` (``run_folder``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import tensorflow as tf

STRATEGIES = ("none", "mirrored", "multiworker")


def tf_config() -> dict:
    """The cluster of this process from the TF_CONFIG environment variable (JSON with
    "cluster" {"worker": [host:port, ...]} and "task" {"type": "worker", "index": i});
    ValueError with a one-line reason when it is missing or malformed."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise ValueError("--strategy multiworker needs TF_CONFIG: a JSON cluster "
                         '{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", '
                         '"index": i}} in the environment of every worker')
    try:
        config = json.loads(text)
        workers = config["cluster"]["worker"]
        task = config["task"]
        index = int(task["index"])
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"TF_CONFIG is not a valid cluster description ({err})") from None
    if task.get("type") != "worker" or not 0 <= index < len(workers):
        raise ValueError(f"TF_CONFIG task must be a worker with an index below {len(workers)}, "
                         f"got {task}")
    return config


def run_folder(out: str | Path, strategy: str) -> Path:
    """Where this process writes its run: ``out`` (single process, or the multiworker chief),
    ``out/worker<i>`` for multiworker worker i > 0 (so workers never write the same files)."""
    out = Path(out)
    if strategy != "multiworker":
        return out
    index = int(tf_config()["task"]["index"])
    return out if index == 0 else out / f"worker{index}"


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
    """"none": the default (one device); "mirrored": every local GPU, else every logical CPU;
    "multiworker": the TF_CONFIG cluster (create it before any other TensorFlow work)."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
    if name == "none":
        return tf.distribute.get_strategy()
    if name == "multiworker":
        tf_config()  # a clear error before TensorFlow tries to reach the cluster
        return tf.distribute.MultiWorkerMirroredStrategy()
    devices = [d.name for d in tf.config.list_logical_devices("GPU")] or \
        [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice())
