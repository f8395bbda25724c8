"""Training throughput of SCNN on this machine: float32 vs mixed_bfloat16, and BatchNorm's
fused kernel vs Keras' generic ops, in one run.

    python benchmarks/train_speed.py --data ../shared/data/images [--crop 64 --batch 8 --steps 20]

Three models are built (float32 fused, bf16 fused, bf16 with the fused BatchNorm kernel
switched off), each graph-mode train step is traced on real crops, then the three take turns
step by step for ``--steps`` rounds after 3 warm-up rounds, so the machine speeding up or
slowing down touches all alike. Prints a Markdown table of the median ms per step and
cover/secret pairs per second, with the speed-ups; ``--out FILE`` also writes it.
"""

from __future__ import annotations

import argparse

import tensorflow as tf
from reporting import emit, machine, take_turns  # benchmarks/ is the script folder, so on sys.path

from keras_steg.fused_batchnorm import set_fused
from keras_steg.training import TrainConfig, make_datasets, make_model

# (label, dtype policy, fused BatchNorm kernel)
VARIANTS = (("float32", "float32", True), ("mixed_bfloat16", "mixed_bfloat16", True),
            ("mixed_bfloat16, BatchNorm by Keras ops", "mixed_bfloat16", False))


def traced_step(precision: str, fused: bool, args):
    """A traced graph-mode train step of a fresh SCNN in ``precision``."""
    cfg = TrainConfig(data=args.data, out="/tmp/unused", crop=args.crop, batch=args.batch,
                      precision=precision, val_fraction=0.1)
    model = make_model(cfg)
    set_fused(model, fused)  # before tracing: the switch is read when the graph is built
    return tf.function(model.train_step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--crop", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out")
    args = parser.parse_args()

    cfg = TrainConfig(data=args.data, out="/tmp/unused", crop=args.crop, batch=args.batch,
                      val_fraction=0.1)
    train_ds, _, _ = make_datasets(cfg)
    batches = list(train_ds.take(args.steps + 3))
    steps = [traced_step(precision, fused, args) for _, precision, fused in VARIANTS]
    # float(loss) waits for the step to finish; the default argument binds each variant's step.
    medians = take_turns([lambda i, step=step: float(step(batches[i])["loss"]) for step in steps],
                         args.steps, warmup=3)
    rows = [f"| {label} | {m * 1000:.0f} | {args.batch / m:.1f} |"
            for (label, _, _), m in zip(VARIANTS, medians)]
    text = "\n".join([
        f"SCNN training step, {args.crop}x{args.crop} crops, {args.batch} cover/secret pairs a step, "
        f"median of {args.steps} rounds (the variants take turns step by step), {machine()}",
        "",
        "| precision | ms / step | pairs / s |",
        "|---|---:|---:|",
        *rows,
        "",
        f"bf16 speed-up over float32: {medians[0] / medians[1]:.2f}x; "
        f"fused BatchNorm kernel over Keras' ops, bf16: {medians[2] / medians[1]:.2f}x",
    ])
    emit(text, args.out)


if __name__ == "__main__":
    main()
