"""Training throughput of SCNN on this machine, float32 vs mixed_bfloat16, in one run.

    python benchmarks/train_speed.py --data ../shared/data/images [--crop 64 --batch 8 --steps 20]

Each precision builds the model, traces the graph-mode train step on real crops, then times
``--steps`` steps (median per step, after 3 warm-up steps). Prints a Markdown table with
cover/secret pairs per second and the bf16/fp32 ratio; ``--out FILE`` also writes it.
"""

from __future__ import annotations

import argparse
import statistics
import time

import tensorflow as tf
from reporting import emit, machine  # benchmarks/ is the script folder, so on sys.path

from keras_steg.training import TrainConfig, make_datasets, make_model


def time_steps(precision: str, args) -> list[float]:
    """Seconds per training step (graph mode) for ``precision``."""
    cfg = TrainConfig(data=args.data, out="/tmp/unused", crop=args.crop, batch=args.batch,
                      precision=precision, val_fraction=0.1)
    train_ds, _, _ = make_datasets(cfg)
    model = make_model(cfg)
    batches = list(train_ds.take(args.steps + 3))
    step = tf.function(model.train_step)
    times = []
    for i, batch in enumerate(batches):
        start = time.perf_counter()
        float(step(batch)["loss"])  # waits for the step to finish
        if i >= 3:
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--crop", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out")
    args = parser.parse_args()

    rows, medians = [], {}
    for precision in ("float32", "mixed_bfloat16"):
        median = statistics.median(time_steps(precision, args))
        medians[precision] = median
        rows.append(f"| {precision} | {median * 1000:.0f} | {args.batch / median:.1f} |")
    ratio = medians["float32"] / medians["mixed_bfloat16"]
    text = "\n".join([
        f"SCNN training step, {args.crop}x{args.crop} crops, {args.batch} cover/secret pairs a step, "
        f"median of {args.steps} steps, {machine()}",
        "",
        "| precision | ms / step | pairs / s |",
        "|---|---:|---:|",
        *rows,
        "",
        f"bf16 speed-up over float32: {ratio:.2f}x",
    ])
    emit(text, args.out)


if __name__ == "__main__":
    main()
