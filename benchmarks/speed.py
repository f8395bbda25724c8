"""Speed of every family on this machine, in one run: inference latency and throughput per
precision, training throughput per crop size, and whether the input pipeline keeps up.

    python benchmarks/speed.py --data ../shared/data/images [--out benchmarks/results/speed.md]

1. Inference: hide + reveal of 224x224 images through the Keras networks in graph mode
   (``tf.function``), batch 1 (latency) and batch 16 (throughput), float32 and
   mixed_bfloat16, SCNN with its BatchNorms kept and folded into the convolutions; the
   networks' convolution GFLOP per image and the GFLOP/s that achieves.
2. Training: one graph-mode training step (both of SCNN's optimizers) of ``--batch`` pairs at
   each ``--train-sizes`` crop, fed from tensors already in memory, and fed from the real
   tf.data pipeline on ``--data``; the pipeline alone; pairs per second of each. The
   pipeline must cost < 5 % against in-memory tensors.
Medians of ``--repeats`` timings after a warm-up; the families run in turn in one process, so
ratios are comparable on a noisy machine.
"""

from __future__ import annotations

import argparse
import sys
import time

import keras
import numpy as np
import tensorflow as tf
from reporting import emit, machine, median_ms, take_turns

from keras_steg.batchnorm import batchnorm_layers
from keras_steg.batchnorm_folding import fold_batchnorm
from keras_steg.flops import conv_gflops
from keras_steg.models.registry import build_model, get_family
from keras_steg.training import TrainConfig, make_datasets

# The configurations shipped in saved_models/ (ExypnoSteganos at width 0.25: the full width
# costs ~1 TFLOP per image and is not trained here).
FAMILIES = {"scnn": {}, "baluja": {}, "exypno": {"width": 0.25}}
PRECISIONS = ("float32", "mixed_bfloat16")
SIZE = 224


def inference_row(family: str, precision: str, repeats: int, folded: bool = False,
                  jit: bool = False) -> dict:
    """Latency (ms, batch 1) and throughput (images/s, batch 16) of hide + reveal at 224;
    ``folded``: with BatchNorm folded into the convolutions, as exported models are; ``jit``:
    compiled by XLA."""
    keras.mixed_precision.set_global_policy(precision)
    model = build_model(family, **FAMILIES[family])
    sender, receiver = model.sender, model.receiver
    if folded:
        sender, receiver = fold_batchnorm(sender), fold_batchnorm(receiver)

    @tf.function(jit_compile=jit)
    def hide_and_reveal(cover, secret):
        container = sender({"cover": cover, "secret": secret}, training=False)
        return receiver(container, training=False)

    rng = np.random.default_rng(0)
    result = {"family": family, "precision": precision, "batchnorm": "folded" if folded else
              ("kept" if batchnorm_layers(model) else "none")}
    for batch, key in ((1, "latency_ms"), (16, "batch16_ms")):
        cover, secret = (tf.constant(rng.random((batch, SIZE, SIZE, 3), np.float32)) for _ in range(2))
        result[key] = median_ms(lambda c=cover, s=secret: hide_and_reveal(c, s).numpy(),
                                repeats if batch == 1 else max(2, repeats // 2))
    result["images_per_s"] = 16 / result["batch16_ms"] * 1000
    result["gflop"] = conv_gflops(model.sender, SIZE, SIZE) + conv_gflops(model.receiver, SIZE, SIZE)
    result["gflops"] = result["gflop"] * result["images_per_s"]
    keras.mixed_precision.set_global_policy("float32")
    return result


def matmul_gflops(dtype: str, repeats: int, n: int = 2048) -> float:
    """GFLOP/s of one n x n by n x n matrix product in ``dtype``: what TensorFlow's kernels
    reach on this machine at this moment, the yardstick for the networks' GFLOP/s."""
    rng = np.random.default_rng(0)
    a, b = (tf.cast(tf.constant(rng.random((n, n), np.float32)), dtype) for _ in range(2))
    product = tf.function(tf.linalg.matmul)
    seconds = median_ms(lambda: product(a, b).numpy(), repeats) / 1000
    return 2 * n**3 / seconds / 1e9


def training_row(size: int, args) -> dict:
    """One size: ms per step from memory and from the pipeline, and the pipeline alone.

    The in-memory and the pipeline-fed steps alternate, so a machine slowing down or speeding
    up during the run affects both alike."""
    cfg = TrainConfig(data=args.data, out="/tmp/unused", model=args.train_family, crop=size,
                      val_size=max(size, 64), batch=args.batch, precision=args.train_precision)
    train_ds, _, _ = make_datasets(cfg)
    keras.mixed_precision.set_global_policy(cfg.precision)
    from keras_steg.training import make_model

    model = make_model(cfg)
    step = tf.function(model.train_step, jit_compile=args.jit)
    warmup, steps = 2, args.train_steps
    in_memory = list(train_ds.take(steps + warmup))
    iterator = iter(train_ds)
    # float(loss) waits for each step to finish.
    memory_s, piped_s = take_turns([lambda i: float(step(in_memory[i])["loss"]),
                                    lambda i: float(step(next(iterator))["loss"])], steps, warmup)
    start = time.perf_counter()
    batches = 4 * steps
    for _ in range(batches):
        next(iterator)
    pipeline_s = (time.perf_counter() - start) / batches
    keras.mixed_precision.set_global_policy("float32")
    return {"size": size, "memory_ms": memory_s * 1000, "piped_ms": piped_s * 1000,
            "pipeline_ms": pipeline_s * 1000, "precision": cfg.precision,
            "overhead": piped_s / memory_s - 1}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="image folder for the training pipeline")
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--precisions", nargs="+", default=list(PRECISIONS), choices=PRECISIONS)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--train-family", default="scnn", choices=list(FAMILIES))
    parser.add_argument("--train-precision", default="auto")
    parser.add_argument("--train-sizes", nargs="+", type=int, default=[64, 128, 224])
    parser.add_argument("--train-steps", type=int, default=6)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--intra-op", type=int, default=0,
                        help="threads inside one op (0: TensorFlow's default, one per core)")
    parser.add_argument("--inter-op", type=int, default=0,
                        help="ops run side by side (0: TensorFlow's default)")
    parser.add_argument("--jit", action="store_true",
                        help="compile the inference and training graphs with XLA")
    parser.add_argument("--out", help="also write the Markdown report here")
    args = parser.parse_args(argv)
    # Before the first op: TensorFlow fixes its thread pools when it starts its runtime.
    tf.config.threading.set_intra_op_parallelism_threads(args.intra_op)
    tf.config.threading.set_inter_op_parallelism_threads(args.inter_op)
    get_family(args.train_family)

    # Families with BatchNorm (SCNN) run with it kept and folded: the before / after.
    foldings = {f: (False, True) if batchnorm_layers(build_model(f, **FAMILIES[f])) else (False,)
                for f in args.families}
    peaks = {p: matmul_gflops("bfloat16" if "bfloat16" in p else p, args.repeats)
             for p in args.precisions}
    inference = [inference_row(f, p, args.repeats, folded, args.jit)
                 for f in args.families for p in args.precisions for folded in foldings[f]]
    training = [training_row(size, args) for size in args.train_sizes]
    command = " ".join(["python benchmarks/speed.py", *(sys.argv[1:] if argv is None else argv)])
    lines = [
        "# Speed on this machine", "",
        f"Command: `{command}`. {machine()}; {len(tf.config.list_logical_devices('CPU'))} "
        f"TensorFlow CPU device(s), threads intra-op {args.intra_op or 'default'}, inter-op "
        f"{args.inter_op or 'default'}, XLA {'on' if args.jit else 'off'}; TensorFlow "
        f"{tf.__version__}, Keras {keras.__version__}.", "",
        f"## Hide + reveal at {SIZE}x{SIZE} (Keras networks, graph mode, untrained weights)", "",
        f"Median of {args.repeats} runs (batch 16: {max(2, args.repeats // 2)}) after a warm-up. "
        "GFLOP: the convolutions of sender + receiver for one image; GFLOP/s at batch 16. "
        "BatchNorm 'folded': moved into the convolutions before it, as `keras-steg export` "
        "serves it (`keras_steg.batchnorm_folding`). For scale, a 2048x2048 matrix product "
        "reaches " + ", ".join(f"{v:.0f} GFLOP/s in {k}" for k, v in peaks.items())
        + " in the same run.", "",
        "| family | precision | BatchNorm | batch 1 (ms) | batch 16 (images/s) | GFLOP / image | GFLOP/s |",
        "|---|---|---|---:|---:|---:|---:|",
        *[f"| {r['family']} | {r['precision']} | {r['batchnorm']} | {r['latency_ms']:.0f} | "
          f"{r['images_per_s']:.1f} | "
          f"{r['gflop']:.1f} | {r['gflops']:.0f} |" for r in inference],
        "",
        f"## Training step, {args.train_family}, {args.batch} cover/secret pairs a step", "",
        f"Median of {args.train_steps} graph-mode steps of each kind after 2 warm-up steps, the two "
        "kinds alternating. 'in memory': batches taken from the pipeline beforehand; 'from the "
        "pipeline': the tf.data pipeline feeding the step as in training; 'pipeline alone': "
        "producing one batch with no training.", "",
        "| crop | precision | in memory (ms / step) | pairs / s | from the pipeline (ms / step) | "
        "pipeline cost | pipeline alone (ms / batch) |",
        "|---:|---|---:|---:|---:|---:|---:|",
        *[f"| {r['size']} | {r['precision']} | {r['memory_ms']:.0f} | "
          f"{args.batch / r['memory_ms'] * 1000:.1f} | {r['piped_ms']:.0f} | {r['overhead']:+.1%} | "
          f"{r['pipeline_ms']:.1f} |" for r in training],
    ]
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
