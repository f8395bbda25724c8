"""Callbacks: a plateau scheduler bound to one optimizer, channel warm-up, image summaries."""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import keras
import numpy as np
import tensorflow as tf

from keras_steg.metrics import residual

if TYPE_CHECKING:  # a type hint only: callbacks do not depend on the model families
    from keras_steg.models.recipe import Recipe


class PlateauScheduler(keras.callbacks.Callback):
    """ReduceLROnPlateau for ONE optimizer of a model with several.

    Keras' ``ReduceLROnPlateau`` only sees ``model.optimizer``; SCNN steps the H-net and the
    R-net with two Adams, each reduced on its own monitored value.

    Args:
        optimizer: the attribute of the model holding the optimizer ("optimizer" or
            "reveal_optimizer"), looked up at every epoch end so a reloaded model works.
        monitor: logged value to watch, e.g. "val_loss" or "val_secret_loss".
        factor: the learning rate is multiplied by this on a plateau (0 < factor < 1).
        patience: epochs without improvement before reducing.
        min_lr: the rate never goes below this.
        min_delta: improvement smaller than this does not count.
        mode: "min" or "max".
        state_file: optional JSON file keeping the best value and the epochs waited, read when
            training begins and written at every epoch end, so a resumed run (BackupAndRestore)
            carries on counting instead of starting afresh.
    """

    def __init__(self, optimizer: str = "optimizer", monitor: str = "val_loss",
                 factor: float = 0.2, patience: int = 5, min_lr: float = 0.0,
                 min_delta: float = 0.0, mode: str = "min", verbose: int = 0,
                 state_file: str | None = None):
        super().__init__()
        if not 0 < factor < 1:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.optimizer_attr, self.monitor = optimizer, monitor
        self.factor, self.patience, self.min_lr = factor, patience, min_lr
        self.min_delta, self.mode, self.verbose = min_delta, mode, verbose
        self.best = math.inf if mode == "min" else -math.inf
        self.wait = 0
        self._warned = False
        self.state_file = Path(state_file) if state_file else None

    def on_train_begin(self, logs=None):
        if self.state_file is not None and self.state_file.exists():
            state = json.loads(self.state_file.read_text())
            self.best, self.wait = float(state["best"]), int(state["wait"])

    def _save_state(self):
        if self.state_file is not None:
            # Written whole or not at all: a kill mid-write must not leave a file that breaks resuming.
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            partial = self.state_file.with_suffix(".tmp")
            partial.write_text(json.dumps({"best": self.best, "wait": self.wait}))
            os.replace(partial, self.state_file)

    def _optimizer(self):
        opt = getattr(self.model, self.optimizer_attr, None)
        if opt is None:
            raise ValueError(f"the model has no optimizer in attribute {self.optimizer_attr!r}")
        return opt

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        opt = self._optimizer()
        logs[f"lr_{self.optimizer_attr}"] = float(np.array(opt.learning_rate))
        if self.monitor not in logs:
            if not self._warned:
                warnings.warn(f"PlateauScheduler: {self.monitor!r} is not logged (logged: "
                              f"{', '.join(sorted(logs))}); the learning rate of "
                              f"{self.optimizer_attr} will not change", UserWarning, stacklevel=2)
                self._warned = True
            return
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best, self.wait = value, 0
        else:
            self.wait += 1
            self._reduce_if_waited(opt, epoch)
        self._save_state()

    def _reduce_if_waited(self, opt, epoch: int):
        if self.wait >= self.patience:
            old = float(np.array(opt.learning_rate))
            new = max(old * self.factor, self.min_lr)
            if new < old:
                opt.learning_rate.assign(new)
                if self.verbose:
                    print(f"\nEpoch {epoch + 1}: {self.optimizer_attr} learning rate {old:.3g} -> {new:.3g}")
            self.wait = 0


def plateau_schedulers(recipe: Recipe, validation: bool = True, state_dir: str | Path | None = None,
                       verbose: int = 1) -> list[PlateauScheduler]:
    """The plateau schedulers of a family's ``recipe`` (``build_model(...)``'s family module
    ``RECIPE``), watching ``val_*`` values when ``validation``; with ``state_dir`` each keeps
    its state in ``state_dir/plateau_<optimizer>.json`` for resumed runs."""
    prefix = "val_" if validation else ""
    return [
        PlateauScheduler(spec.optimizer, prefix + spec.monitor, factor=spec.factor,
                         patience=spec.patience, min_lr=spec.min_lr, verbose=verbose,
                         state_file=str(Path(state_dir) / f"plateau_{spec.optimizer}.json")
                         if state_dir is not None else None)
        for spec in recipe.schedulers
    ]


def scnn_schedulers(verbose: int = 1) -> list[PlateauScheduler]:
    """The SCNN/DDH pair: H-net on val loss (patience 5), R-net on val secret loss (patience 8),
    both factor 0.2."""
    from keras_steg.models.scnn import RECIPE

    return plateau_schedulers(RECIPE, verbose=verbose)


class ChannelWarmup(keras.callbacks.Callback):
    """Switch the channel layers with an ``enabled`` variable (e.g. 8-bit quantization) off for
    the first ``steps`` training steps, then on: hiding is learnt first, robustness after."""

    def __init__(self, steps: int):
        super().__init__()
        self.steps = int(steps)
        self._on = False

    def _set(self, value: float):
        channel = getattr(self.model, "channel", None)
        if channel is None:
            return
        # A composite channel (e.g. keras.Sequential of attacks) exposes its parts as .layers.
        for layer in getattr(channel, "layers", [channel]):
            if hasattr(layer, "enabled"):
                layer.enabled.assign(value)

    def on_train_begin(self, logs=None):
        self._on = int(np.array(self.model.optimizer.iterations)) >= self.steps
        self._set(1.0 if self._on else 0.0)

    def on_train_batch_end(self, batch, logs=None):
        # Optimizer steps, not callback calls (several steps per call with steps_per_execution).
        if not self._on and int(np.array(self.model.optimizer.iterations)) >= self.steps:
            self._on = True
            self._set(1.0)


class LearningRateWarmup(keras.callbacks.Callback):
    """Raise the learning rate of every optimizer of the model ("optimizer", "reveal_optimizer")
    linearly from ``target / steps`` to its compiled value over the first ``steps`` steps.

    Lets training start at a higher rate without the first large Adam steps wrecking the
    BatchNorm statistics. Does nothing once the model has trained ``steps`` steps. ``targets``
    ({"optimizer": lr, ...}) gives the final rates; without it they are read when training
    starts, which is only right for a run that starts at step 0 (pass them when resuming).
    """

    ATTRIBUTES = ("optimizer", "reveal_optimizer")

    def __init__(self, steps: int, targets: dict[str, float] | None = None):
        super().__init__()
        self.steps = int(steps)
        self._given = dict(targets or {})
        self._targets: dict[str, float] = {}

    def _optimizers(self):
        for attr in self.ATTRIBUTES:
            opt = getattr(self.model, attr, None)
            if opt is not None:
                yield attr, opt

    def on_train_begin(self, logs=None):
        self._targets = {a: self._given.get(a, float(np.array(o.learning_rate)))
                         for a, o in self._optimizers()}

    def factor(self, step: int) -> float | None:
        """The fraction of its target rate each optimizer runs at before optimizer step ``step``
        (0-based); None leaves the rates alone (the plateau schedulers own them then)."""
        return (step + 1) / self.steps if step < self.steps else None

    def on_train_batch_begin(self, batch, logs=None):
        step = int(np.array(self.model.optimizer.iterations))  # optimizer steps, not calls
        factor = self.factor(step)
        if factor is not None:
            for attr, opt in self._optimizers():
                opt.learning_rate.assign(self._targets[attr] * factor)


class WarmupCosineDecay(LearningRateWarmup):
    """The linear warm-up of ``LearningRateWarmup``, then every optimizer's rate falls along a
    half cosine from its target to 0 at step ``total_steps``, and stays there.

    Anneals in one run what the plateau schedulers do in jumps, so it replaces them: SCNN's
    validation PSNR swings by up to 3 dB between epochs at a fixed rate, and each lower rate
    bought more than the same steps at the old one (saved_models/scnn/MODEL_CARD.md).
    """

    def __init__(self, steps: int, total_steps: int, targets: dict[str, float] | None = None):
        super().__init__(steps, targets)
        if total_steps <= steps:
            raise ValueError(f"the cosine decay needs more steps ({total_steps}) than the "
                             f"warm-up ({steps})")
        self.total_steps = int(total_steps)

    def factor(self, step: int) -> float:
        if step < self.steps:
            return super().factor(step)
        progress = min(1.0, (step - self.steps) / (self.total_steps - self.steps))
        return 0.5 * (1.0 + math.cos(math.pi * progress))


class StopFile(keras.callbacks.Callback):
    """End training cleanly after the current epoch when ``path`` exists (``touch RUN/STOP``),
    so the run still writes its final, BatchNorm-recalibrated model. The file is removed."""

    def __init__(self, path: str):
        super().__init__()
        self.path = Path(path)

    def on_train_begin(self, logs=None):
        self.path.unlink(missing_ok=True)  # a STOP left from an earlier run must not end this one

    def on_epoch_end(self, epoch, logs=None):
        if self.path.exists():
            self.path.unlink()
            self.model.stop_training = True
            print(f"\n{self.path} found: training stops after epoch {epoch + 1}")


class ImageSummary(keras.callbacks.Callback):
    """Write cover / container / residual x10 / secret / revealed of a fixed batch to TensorBoard
    at every epoch end. ``batch`` is ``{"cover", "secret"}`` float32 in [0, 1]."""

    def __init__(self, log_dir: str, batch: dict, max_images: int = 3):
        super().__init__()
        self.writer = tf.summary.create_file_writer(log_dir)
        self.batch = {k: v[:max_images] for k, v in batch.items()}

    def on_epoch_end(self, epoch, logs=None):
        out = self.model(self.batch, training=False)
        amplified = residual(out["container"], self.batch["cover"])
        with self.writer.as_default(step=epoch):
            for name, images in (("cover", self.batch["cover"]), ("container", out["container"]),
                                 ("residual_x10", amplified), ("secret", self.batch["secret"]),
                                 ("revealed", out["revealed"])):
                tf.summary.image(name, displayable(images), max_outputs=3)
        self.writer.flush()


def displayable(images: tf.Tensor) -> tf.Tensor:
    """(B, H, W, C) in [0, 1] -> something TensorBoard shows: images as they are; an audio STFT
    tensor (C = 2, real/imaginary around 0.5) as its magnitude, scaled to [0, 1], low
    frequencies at the bottom."""
    if images.shape[-1] != 2:
        return images
    magnitude = tf.norm(tf.cast(images, tf.float32) - 0.5, axis=-1, keepdims=True)
    top = tf.reduce_max(magnitude, axis=[1, 2, 3], keepdims=True)
    return tf.reverse(tf.math.divide_no_nan(magnitude, top), axis=[1])
