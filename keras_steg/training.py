"""The training recipe behind ``keras-steg train``: data, model, two optimizers, callbacks, fit."""

from __future__ import annotations

import json
import shutil
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras

from keras_steg.batchnorm import batchnorm_layers, recalibrate_batchnorm
from keras_steg.callbacks import (
    ChannelWarmup,
    ImageSummary,
    LearningRateWarmup,
    StopFile,
    WarmupCosineDecay,
    plateau_schedulers,
)
from keras_steg.data import audio as audio_data
from keras_steg.data import images as image_data
from keras_steg.data.audio_representations import get_representation
from keras_steg.distribute import STRATEGIES, make_strategy, run_folder, tf_config, use_cpu_replicas
from keras_steg.layers import parse_channel
from keras_steg.models.registry import AUDIO_REPRESENTATION as AUDIO_REPRESENTATION_KEY
from keras_steg.models.registry import build_model, family_config, family_multiple, get_family
from keras_steg.precision import resolve_precision
from keras_steg.scramble import BLOCK as SCRAMBLE_BLOCK

MODALITIES = ("image", "audio")
LR_DECAYS = ("plateau", "cosine")


AUDIO_REPRESENTATION = "magnitude"  # what --modality audio trains unless told otherwise


def audio_channels_config(family: str, representation: str = AUDIO_REPRESENTATION) -> dict:
    """The builder arguments that make ``family`` hide audio as ``representation`` tensors:
    "complex" 2-channel STFT tensors in 2-channel ones; "magnitude" one-channel networks in
    the phase-passthrough adapter (``models/audio_adapter.py``). ``channels`` for scnn and
    baluja, ``cover_channels``/``secret_channels`` for exypno."""
    import inspect

    get_representation(representation)
    count = 2 if representation == "complex" else 1
    adapter = {} if representation == "complex" else {AUDIO_REPRESENTATION_KEY: representation}
    parameters = inspect.signature(get_family(family).module.steg_model).parameters
    if "cover_channels" in parameters:
        return {"cover_channels": count, "secret_channels": count, **adapter}
    return {"channels": count, **adapter}


@dataclass
class TrainConfig:
    """Everything a training run depends on; written to ``<out>/train_config.json``."""

    data: str
    out: str
    model: str = "scnn"
    model_config: dict = field(default_factory=dict)  # family arguments, e.g. {"width": 0.25}
    modality: str = "image"          # "image" (photos in photos) or "audio" (clips in clips)
    audio_representation: str = AUDIO_REPRESENTATION  # audio: "magnitude" or "complex"
    data_dir: str | None = None      # tfds data_dir; ``data`` is then a tfds name
    tfds_split: str = "train"
    val_data: str | None = None      # validation folder (tfds: a split name); else val_fraction
    val_fraction: float = 0.1
    crop: int = 64
    val_size: int = 256
    scale_to: int | None = 256       # crops at random scales between native and the val size
    scale_jitter: float = 1.0        # fraction of that scale range used, from the val-size end
    batch: int = 8
    epochs: int = 10
    steps_per_epoch: int = 500
    # None: the family's recipe (SCNN: two Adams at 1e-3, beta_1 0.5; Baluja: one Adam at 1e-4;
    # ExypnoSteganos: one Adam at 1e-5). reveal_lr only exists for two-optimizer families.
    lr: float | None = None
    reveal_lr: float | None = None
    beta_1: float | None = None
    alpha: float | None = None       # weight of the cover loss (ExypnoSteganos' alpha; 1)
    beta: float | None = None
    loss: str | None = None          # None: the family's ("mse"; ExypnoSteganos "sse")
    cover_loss: str | None = None    # the cover pair's, if not ``loss``; magnitude audio: "spectral"
    channel: str | None = None       # attack spec, e.g. "quantize,jpeg:50-95,noise:0.02,crop:0.8";
    #                                  None: the family's channel (8-bit rounding, noise)
    quantize_after: int = 0          # steps before the 8-bit channel switches on
    warmup: int = 0                  # steps of linear learning-rate warm-up
    lr_decay: str = "plateau"        # "plateau": the family's schedulers; "cosine": to 0 by the end
    precision: str = "auto"          # "auto": the fastest policy this machine has natively
    init: str | None = None          # shipped model name/dir, or a .keras file, to start from
    bn_batches: int = 50             # training batches for the final precise-BatchNorm pass
    scramble_secrets: bool = False   # hide key-scrambled secrets (what --key hides), images only
    strategy: str = "none"           # tf.distribute: "none", "mirrored" or "multiworker"
    cpu_replicas: int = 0            # > 0: that many logical CPU devices (mirrored on a CPU)
    seed: int = 0

    def __post_init__(self):
        recipe = get_family(self.model).recipe
        if self.reveal_lr is not None and recipe.reveal_lr is None:
            raise ValueError(f"{self.model!r} trains with one optimizer: a reveal learning rate "
                             "applies only to two-optimizer families (scnn)")
        if self.cover_loss is None and self.modality == "audio" and self.audio_representation == "magnitude":
            self.cover_loss = "spectral"  # keeps the loud bins right too (losses.spectral_loss)
        for name in ("lr", "reveal_lr", "beta_1", "alpha", "beta", "loss"):
            if getattr(self, name) is None:
                setattr(self, name, getattr(recipe, name))
        if self.modality not in MODALITIES:
            raise ValueError(f"unknown modality {self.modality!r}; choose one of {', '.join(MODALITIES)}")
        if not 0.0 <= self.scale_jitter <= 1.0:
            raise ValueError(f"--scale-jitter must be between 0 and 1, got {self.scale_jitter}")
        if self.scale_jitter < 1.0 and not self.scale_to:
            raise ValueError("--scale-jitter narrows the --scale-to range: give --scale-to")
        if self.lr_decay not in LR_DECAYS:
            raise ValueError(f"unknown --lr-decay {self.lr_decay!r}; choose one of {', '.join(LR_DECAYS)}")
        if self.lr_decay == "cosine" and self.epochs * self.steps_per_epoch <= self.warmup:
            raise ValueError("--lr-decay cosine needs more training steps than --warmup")
        if self.modality == "audio" and self.scramble_secrets:
            raise ValueError("scrambled secrets are images: --scramble-secrets needs --modality image")
        if self.modality == "audio":
            self.model_config = {**audio_channels_config(self.model, self.audio_representation),
                                 **self.model_config}
            # Crops are runs of frames (all 224 bins); validation uses whole windows.
            self.crop = min(self.crop, audio_data.FRAMES)
            self.val_size = audio_data.FRAMES
        family_config(self.model, self.model_config)  # a bad argument fails before any file is written
        if self.channel is not None:
            parse_channel(self.channel)
        multiple = family_multiple(self.model)
        for name in ("crop", "val_size"):
            value = getattr(self, name)
            if value <= 0 or value % multiple:
                raise ValueError(f"{name} must be a positive multiple of {multiple} for "
                                 f"{self.model!r}, got {value}")
        self.precision = resolve_precision(self.precision)  # the config records what ran
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}")
        if self.strategy == "multiworker":
            workers = len(tf_config()["cluster"]["worker"])
            if self.batch % workers:
                raise ValueError(f"the batch ({self.batch}) must split evenly between {workers} workers")
        if self.cpu_replicas < 0:
            raise ValueError(f"cpu replicas must be 0 (off) or more, got {self.cpu_replicas}")
        if self.strategy == "mirrored" and self.cpu_replicas and self.batch % self.cpu_replicas:
            raise ValueError(f"the batch ({self.batch}) must split evenly between "
                             f"{self.cpu_replicas} replicas")


def make_datasets(cfg: TrainConfig):
    """(train dataset, validation dataset or None, list of sources) for ``cfg``."""
    if cfg.modality == "audio":
        return make_audio_datasets(cfg)
    if cfg.data_dir is not None:
        train_src = image_data.tfds_source(cfg.data, cfg.data_dir, cfg.tfds_split)
        val_src = image_data.tfds_source(cfg.data, cfg.data_dir, cfg.val_data) if cfg.val_data else None
        if val_src is None:
            warnings.warn("no validation for a tfds dataset unless --val-data names a split; "
                          "best.keras and the schedulers follow the training loss",
                          UserWarning, stacklevel=2)
    else:
        files = image_data.list_images(cfg.data)
        if cfg.val_data:
            val_files = image_data.list_images(cfg.val_data)
        else:
            files, val_files = image_data.split_files(files, cfg.val_fraction, cfg.seed)
            if cfg.val_fraction and not val_files:
                warnings.warn(f"only {len(files)} images: no validation split (give --val-data "
                              "or more images)", UserWarning, stacklevel=2)
        train_src = image_data.folder_source(files, cfg.seed)
        val_src = image_data.folder_source(val_files, cfg.seed) if val_files else None
    block = SCRAMBLE_BLOCK if cfg.scramble_secrets else None
    train = image_data.training_pairs(train_src, cfg.crop, cfg.batch, cfg.seed, cfg.scale_to,
                                      scramble_block=block, scale_jitter=cfg.scale_jitter)
    val = None
    if val_src is not None:
        try:
            val = image_data.evaluation_pairs(val_src, cfg.val_size, cfg.batch, scramble_block=block)
        except ValueError as err:  # fewer than two readable validation images
            warnings.warn(f"no validation: {err}", UserWarning, stacklevel=2)
    return train, val, [s for s in (train_src, val_src) if s is not None]


def make_audio_datasets(cfg: TrainConfig):
    """Audio clips of >= 4 s from a folder (shorter and unreadable ones skipped and counted):
    random windows as (224, crop, C) STFT tensors to train, whole first windows to validate."""
    files = audio_data.list_audio(cfg.data)
    if cfg.val_data:
        train_clips = audio_data.load_clips(files)
        val_clips = audio_data.load_clips(audio_data.list_audio(cfg.val_data))
    else:
        train_clips, val_clips = audio_data.split_clips(audio_data.load_clips(files),
                                                        cfg.val_fraction, cfg.seed)
    for clips in (train_clips, val_clips):
        if clips.too_short:
            print(f"skipped {len(clips.too_short)} clip(s) shorter than "
                  f"{audio_data.MIN_CLIP_SECONDS:g} s")
    train = audio_data.training_pairs(train_clips, cfg.batch, cfg.crop, cfg.seed,
                                      cfg.audio_representation)
    val = (audio_data.evaluation_pairs(val_clips, cfg.batch, cfg.audio_representation)
           if len(val_clips.waves) >= 2 else None)
    return train, val, [train_clips, val_clips]


def make_model(cfg: TrainConfig) -> keras.Model:
    """Build (or load with ``init``) the model and compile it with the family's optimizers."""
    keras.mixed_precision.set_global_policy(cfg.precision)
    config = cfg.model_config
    if cfg.init and not cfg.init.endswith((".keras", ".h5")):
        # An exported folder says what it is: its family must match, its config is the default.
        from keras_steg.export import read_metadata
        from keras_steg.pretrained import resolve_model_dir

        meta = read_metadata(resolve_model_dir(cfg.init))
        if meta.get("family", cfg.model) != cfg.model:
            family = meta["family"]
            raise ValueError(f"--init {cfg.init} is a {family!r} model; give --model {family}")
        # The folder's config, with what was asked on top (audio adds its channel counts).
        config = {**meta.get("config", {}), **config}
    model = build_model(cfg.model, **config)
    if cfg.channel is not None:
        model.channel = parse_channel(cfg.channel, seed=cfg.seed)
    if cfg.init:
        from keras_steg.export import load_weights_into
        load_weights_into(model, cfg.init)
    reveal_optimizer = None
    if cfg.reveal_lr is not None:
        reveal_optimizer = keras.optimizers.Adam(cfg.reveal_lr, beta_1=cfg.beta_1)
    model.compile(
        optimizer=keras.optimizers.Adam(cfg.lr, beta_1=cfg.beta_1),
        reveal_optimizer=reveal_optimizer,
        alpha=cfg.alpha, beta=cfg.beta, loss=cfg.loss, cover_loss=cfg.cover_loss,
    )
    return model


# Files a run writes in its folder (besides backup/ and logs/).
RUN_FILES = ("history.csv", "train_summary.json", "train_config.json", "last.keras", "best.keras",
             "final.keras", "STOP")


def learning_rate_ramp(cfg: TrainConfig, targets: dict[str, float]) -> LearningRateWarmup:
    """The callback setting the rates of ``targets`` ({"optimizer": lr, ...}) at every step:
    ``cfg.warmup`` steps of linear warm-up, then (``cfg.lr_decay == "cosine"``) a cosine fall
    to 0 at the run's last step, ``cfg.epochs * cfg.steps_per_epoch``."""
    if cfg.lr_decay == "cosine":
        return WarmupCosineDecay(cfg.warmup, cfg.epochs * cfg.steps_per_epoch, targets)
    return LearningRateWarmup(cfg.warmup, targets)


def finished_run(out: Path) -> bool:
    """True when ``out`` holds a completed run (its results would be overwritten)."""
    return (out / "train_summary.json").exists() and not (out / "backup").exists()


def train(cfg: TrainConfig, verbose: int = 1, extra_callbacks: list | None = None,
          overwrite: bool = False) -> keras.callbacks.History:
    """Run ``cfg``: checkpoints (``last.keras``, ``best.keras``), BackupAndRestore (a killed run
    resumes), CSV and TensorBoard logs in ``cfg.out``; ``extra_callbacks`` are appended to ours.
    At the end, BatchNorm statistics (if the family has any) are recalibrated over
    ``cfg.bn_batches`` training batches and the result saved as ``final.keras`` (the one to
    export). Under ``strategy="multiworker"`` worker i > 0 writes to ``cfg.out/worker<i>``.
    A folder holding a finished
    run is refused unless ``overwrite``. The global dtype policy is restored afterwards.
    Returns the Keras History."""
    out = run_folder(cfg.out, cfg.strategy)  # a multiworker worker i > 0: out/worker<i>
    if finished_run(out) and not overwrite:
        raise ValueError(f"{out}: holds a finished training run (use --overwrite to replace it)")
    if cfg.cpu_replicas:
        use_cpu_replicas(cfg.cpu_replicas)  # before the datasets start TensorFlow's devices
    # Before the datasets too: a multiworker strategy must exist before other TensorFlow work.
    strategy = make_strategy(cfg.strategy)
    train_ds, val_ds, sources = make_datasets(cfg)  # bad data fails here, before any file is written
    out.mkdir(parents=True, exist_ok=True)
    if overwrite:
        for stale in RUN_FILES:
            (out / stale).unlink(missing_ok=True)
        for stale in ("backup", "logs"):
            shutil.rmtree(out / stale, ignore_errors=True)
    (out / "train_config.json").write_text(json.dumps(asdict(cfg), indent=2))
    previous_policy = keras.config.dtype_policy()
    try:
        return _fit(cfg, out, strategy, train_ds, val_ds, sources, verbose, extra_callbacks)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)


def _fit(cfg, out, strategy, train_ds, val_ds, sources, verbose, extra_callbacks):
    keras.utils.set_random_seed(cfg.seed)  # initial weights too: a run is reproducible from --seed
    with strategy.scope():  # the model's and both optimizers' variables, on every replica
        model = make_model(cfg)
    if verbose and strategy.num_replicas_in_sync > 1:
        print(f"{strategy.num_replicas_in_sync} replicas, "
              f"{cfg.batch // strategy.num_replicas_in_sync} pairs each per step")
    if verbose:
        print(f"training in {out}; to end it cleanly after the current epoch: touch {out / 'STOP'}")
    monitor = "val_loss" if val_ds is not None else "loss"
    targets = {"optimizer": cfg.lr, "reveal_optimizer": cfg.reveal_lr}
    callbacks = [
        # Schedulers first: a learning-rate change made at an epoch end is then in that
        # epoch's backup and checkpoints.
        # Their state lives in the backup folder: it exists exactly when a run resumes.
        *(plateau_schedulers(get_family(cfg.model).recipe, val_ds is not None, out / "backup", verbose)
          if cfg.lr_decay == "plateau" else []),
        # The backup is kept until the run's summary is written (a kill during the final
        # BatchNorm pass must not restart training from zero).
        keras.callbacks.BackupAndRestore(str(out / "backup"), delete_checkpoint=False),
        keras.callbacks.ModelCheckpoint(str(out / "last.keras")),
        keras.callbacks.ModelCheckpoint(str(out / "best.keras"), monitor=monitor, save_best_only=True),
        ChannelWarmup(cfg.quantize_after),
        learning_rate_ramp(cfg, {k: v for k, v in targets.items() if v is not None}),
        keras.callbacks.CSVLogger(str(out / "history.csv"), append=True),
        keras.callbacks.TensorBoard(str(out / "logs")),
        StopFile(str(out / "STOP")),
    ]
    if val_ds is not None:
        callbacks.append(ImageSummary(str(out / "logs" / "images"), next(iter(val_ds))))
    callbacks += list(extra_callbacks or [])
    start = time.time()
    history = model.fit(train_ds, epochs=cfg.epochs, steps_per_epoch=cfg.steps_per_epoch,
                        validation_data=val_ds, callbacks=callbacks, verbose=verbose,
                        shuffle=False)  # the pipeline shuffles
    summary = {"wall_seconds": time.time() - start}
    recalibrate = bool(cfg.bn_batches and batchnorm_layers(model))  # families without BN skip it
    if recalibrate:
        # Replace the noisy moving BatchNorm statistics by exact means over many batches.
        recalibrate_batchnorm(model, train_ds.take(cfg.bn_batches))
    model.save(out / "final.keras")
    if recalibrate and val_ds is not None:
        summary["final_val"] = model.evaluate(val_ds, return_dict=True, verbose=0)
        if verbose:
            print("after BatchNorm recalibration: " + "  ".join(
                f"val_{k} {v:.4f}" for k, v in summary["final_val"].items()
                if k in ("cover_psnr", "secret_psnr", "cover_ssim", "secret_ssim")))
    skipped = sorted({f for s in sources for f in s.skipped})
    if skipped and verbose:
        print(f"skipped {len(skipped)} unreadable file(s): " + ", ".join(skipped[:5]))
    summary["skipped_files"] = skipped
    (out / "train_summary.json").write_text(json.dumps(summary, indent=2))
    shutil.rmtree(out / "backup", ignore_errors=True)
    return history
