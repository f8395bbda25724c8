"""StegModel: sender -> channel -> receiver, trained as one Keras model with one or two optimizers."""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf

from keras_steg import metrics as image_metrics
from keras_steg.losses import get_pixel_loss


@keras.saving.register_keras_serializable(package="keras_steg")
class StegModel(keras.Model):
    """A steganography model: ``sender`` hides, optional ``channel`` attacks, ``receiver`` reveals.

    Args:
        sender: functional model ``{"cover": (B,H,W,Cc), "secret": (B,H,W,Cs)} -> container
            (B,H,W,Cc)``, values in [0, 1].
        receiver: functional model ``container (B,H,W,Cc) -> secret (B,H,W,Cs)`` in [0, 1].
        channel: optional layer applied to the container before the receiver (8-bit
            quantization, noise, JPEG...); such layers act only with ``training=True`` unless
            they say otherwise.
        multiple: spatial multiple the sender needs (32 for SCNN's H-net); inference pads to it.
        family_config: the arguments ``build_model(name, **family_config)`` rebuilds this model
            with (written into exported metadata).

    ``call({"cover", "secret"})`` returns ``{"container", "revealed"}``, plus ``"target"`` (the
    secret as the attacked container still holds it) when a training channel crops. ``fit`` takes batches of
    ``{"cover", "secret"}`` dicts or ``(cover, secret)`` tuples.

    Example:
        >>> from keras_steg.models import scnn
        >>> model = StegModel(scnn.hiding_network(), scnn.reveal_network(), multiple=32)
        >>> model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5),
        ...               reveal_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    """

    def __init__(self, sender: keras.Model, receiver: keras.Model, channel=None,
                 multiple: int = 1, family_config: dict | None = None, **kwargs):
        # No autocast of the inputs under mixed precision: each network casts for itself, and
        # an audio cover's phase must pass into the container unrounded (models/audio_adapter.py).
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.sender = sender
        self.receiver = receiver
        self.channel = channel
        self.multiple = int(multiple)
        self.family_config = dict(family_config or {})
        self.reveal_optimizer = None
        self.alpha, self.beta = 1.0, 0.75
        self.pixel_loss: Callable = get_pixel_loss("mse")
        self.cover_pixel_loss: Callable = self.pixel_loss
        self._trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ["loss", "cover_loss", "secret_loss"]
            + [image_metrics.metric_name(pair, suffix)
               for suffix in image_metrics.IMAGE_METRICS for pair in ("cover", "secret")]
        }
        # The sender and receiver are built functional models, so this model is built too
        # (BackupAndRestore and weight loading need a built model before fit).
        self.built = True

    # === Forward ===
    def call(self, inputs, training=None):
        container = self.sender({"cover": inputs["cover"], "secret": inputs["secret"]},
                                training=training)
        target = inputs["secret"]
        if self.channel is None:
            received = container
        elif training and getattr(self.channel, "moves_pixels", False):
            # A crop moves pixels: the receiver is scored on the secret cropped the same way.
            moved = self.channel({"container": container, "secret": target}, training=training)
            received, target = moved["container"], moved["secret"]
        else:
            received = self.channel(container, training=training)
        revealed = self.receiver(received, training=training)
        outputs = {"container": container, "revealed": revealed}
        if target is not inputs["secret"]:
            outputs["target"] = target
        return outputs

    # === Training ===
    def compile(self, optimizer="adam", reveal_optimizer=None, beta: float = 0.75,
                alpha: float = 1.0, loss: str | Callable = "mse",
                cover_loss: str | Callable | None = None, **kwargs):
        """Configure training.

        Args:
            optimizer: optimizer of the sender, or of all variables when
                ``reveal_optimizer`` is None (Baluja's single-optimizer scheme).
            reveal_optimizer: optimizer of the receiver variables only (the SCNN scheme:
                one backward pass, each network stepped by its own Adam).
            beta: weight of the secret loss; ``alpha`` weighs the cover loss.
            loss: "mse", "sse", "ssim", "spectral" or a callable ``(y_true, y_pred) -> scalar``.
            cover_loss: the cover/container pair's loss when it differs from ``loss`` (magnitude
                audio: "spectral" keeps the loud bins right, while the secret learns fastest
                with "mse").
        """
        if kwargs.get("metrics") or kwargs.get("loss_weights"):
            raise ValueError("StegModel logs its own metrics (PSNR, SSIM, APD of both pairs); "
                             "metrics= and loss_weights= are not supported, use beta/alpha")
        super().compile(optimizer=optimizer, **kwargs)
        self.alpha, self.beta = float(alpha), float(beta)
        self.pixel_loss = get_pixel_loss(loss)
        self.cover_pixel_loss = get_pixel_loss(cover_loss if cover_loss is not None else loss)
        self._loss_name = loss if isinstance(loss, str) else None
        self._cover_loss_name = cover_loss if isinstance(cover_loss, str) else None
        if reveal_optimizer is not None:
            reveal_optimizer = keras.optimizers.get(reveal_optimizer)
            if keras.config.dtype_policy().name == "mixed_float16" and not isinstance(
                reveal_optimizer, keras.optimizers.LossScaleOptimizer
            ):
                reveal_optimizer = keras.optimizers.LossScaleOptimizer(reveal_optimizer)
        self.reveal_optimizer = reveal_optimizer
        # Build optimizer slots now, outside any tf.function (keras issue 23085).
        if reveal_optimizer is None:
            self.optimizer.build(self.trainable_variables)
        else:
            self.optimizer.build(self.sender.trainable_variables)
            reveal_optimizer.build(self.receiver.trainable_variables)

    def get_compile_config(self):
        config = super().get_compile_config() or {}
        config.update(alpha=self.alpha, beta=self.beta, loss=getattr(self, "_loss_name", "mse"),
                      cover_loss=getattr(self, "_cover_loss_name", None),
                      reveal_optimizer=keras.saving.serialize_keras_object(self.reveal_optimizer))
        return config

    def compile_from_config(self, config):
        config = dict(config)
        reveal = config.pop("reveal_optimizer", None)
        optimizer = keras.saving.deserialize_keras_object(config.pop("optimizer", "adam"))
        self.compile(optimizer=optimizer,
                     reveal_optimizer=keras.saving.deserialize_keras_object(reveal) if reveal else None,
                     alpha=config.get("alpha", 1.0), beta=config.get("beta", 0.75),
                     loss=config.get("loss") or "mse", cover_loss=config.get("cover_loss"))

    @staticmethod
    def _unpack(data):
        """(cover, secret) from a {"cover", "secret"} dict, a (cover, secret) tuple, or Keras'
        (x, y, sample_weight) packing of either."""
        if isinstance(data, (tuple, list)):
            if isinstance(data[0], dict):
                data = data[0]
            else:
                return data[0], data[1]
        return data["cover"], data["secret"]

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # A StegModel is built when constructed and its optimizers when compiled, so there is
        # nothing to build symbolically. Keras would still reduce the first batch across the
        # replicas, which fails for a dict batch under MultiWorkerMirroredStrategy
        # (keras-team/keras#20329).
        optimizers = [self.optimizer, self.reveal_optimizer]
        if all(o is None or o.built for o in optimizers) and self.optimizer is not None:
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def _compute_losses(self, cover, secret, outputs):
        cover_loss = self.cover_pixel_loss(cover, outputs["container"])
        secret_loss = self.pixel_loss(outputs.get("target", secret), outputs["revealed"])
        total = self.alpha * cover_loss + self.beta * secret_loss
        if self.losses:
            total += tf.add_n([tf.cast(x, tf.float32) for x in self.losses])
        return total, cover_loss, secret_loss

    def train_step(self, data):
        cover, secret = self._unpack(data)
        with tf.GradientTape() as tape:
            outputs = self({"cover": cover, "secret": secret}, training=True)
            loss, cover_loss, secret_loss = self._compute_losses(cover, secret, outputs)
            # Under tf.distribute each replica's gradients are summed: average them instead.
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            scaled_loss = self.optimizer.scale_loss(loss / replicas)
        if self.reveal_optimizer is None:
            variables = self.trainable_variables
            self.optimizer.apply(tape.gradient(scaled_loss, variables), variables)
        else:
            send_vars = self.sender.trainable_variables
            recv_vars = self.receiver.trainable_variables
            grads = tape.gradient(scaled_loss, send_vars + recv_vars)
            # One backward pass serves both networks; under float16 loss scaling the receiver
            # gradients are rescaled from the sender optimizer's scale to the reveal one's.
            ratio = self.reveal_optimizer.scale_loss(1.0) / self.optimizer.scale_loss(1.0)
            recv_grads = [g * tf.cast(ratio, g.dtype) for g in grads[len(send_vars):]]
            self.optimizer.apply(grads[: len(send_vars)], send_vars)
            self.reveal_optimizer.apply(recv_grads, recv_vars)
        return self._update_metrics(cover, secret, outputs, loss, cover_loss, secret_loss)

    def test_step(self, data):
        cover, secret = self._unpack(data)
        outputs = self({"cover": cover, "secret": secret}, training=False)
        loss, cover_loss, secret_loss = self._compute_losses(cover, secret, outputs)
        return self._update_metrics(cover, secret, outputs, loss, cover_loss, secret_loss)

    def predict_step(self, data):
        cover, secret = self._unpack(data)
        return self({"cover": cover, "secret": secret}, training=False)

    # === Metrics ===
    @property
    def metrics(self):
        return list(self._trackers.values())

    def _update_metrics(self, cover, secret, outputs, loss, cover_loss, secret_loss):
        t = self._trackers
        t["loss"].update_state(loss)
        t["cover_loss"].update_state(cover_loss)
        t["secret_loss"].update_state(secret_loss)
        pairs = {"cover": (cover, outputs["container"]),
                 "secret": (outputs.get("target", secret), outputs["revealed"])}
        for pair, (a, b) in pairs.items():
            for suffix, fn in image_metrics.IMAGE_METRICS.items():
                t[image_metrics.metric_name(pair, suffix)].update_state(fn(a, b))
        results = {name: m.result() for name, m in t.items()}
        if _multi_worker(tf.distribute.get_strategy()):
            # Keras reduces each logged value across workers with reduce(MEAN, axis=0), which
            # a scalar has not (keras-team/keras#20585): log shape (1,), reduced to a scalar.
            results = {name: tf.reshape(value, [1]) for name, value in results.items()}
        return results

    # === Config ===
    def get_config(self):
        return {
            **super().get_config(),
            "sender": keras.saving.serialize_keras_object(self.sender),
            "receiver": keras.saving.serialize_keras_object(self.receiver),
            "channel": keras.saving.serialize_keras_object(self.channel) if self.channel else None,
            "multiple": self.multiple,
            "family_config": self.family_config,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("sender", "receiver", "channel"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def _multi_worker(strategy: tf.distribute.Strategy) -> bool:
    """True under a MultiWorkerMirroredStrategy spanning more than one worker."""
    extended = strategy.extended
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and bool(
        getattr(extended, "_in_multi_worker_mode", lambda: False)())
