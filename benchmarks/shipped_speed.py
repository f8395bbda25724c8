"""Hide + reveal time of every shipped model, as users run them (float32 SavedModels through
``keras_steg.hide`` / ``keras_steg.reveal`` on uint8 photos).

    python benchmarks/shipped_speed.py [--size 256 --repeats 10 --out benchmarks/results/shipped_speed.md]

Uses the bundled sample photos (centre squares at ``--size``), so it needs no data folder.
Median of ``--repeats`` runs after one warm-up run; the models are timed in one run, in turn,
so their ratios are comparable even when the machine is noisy.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import tensorflow as tf
from reporting import emit  # benchmarks/ is the script folder, so on sys.path

from keras_steg.demo import SAMPLES
from keras_steg.evaluation import load_square
from keras_steg.inference import from_saved_models
from keras_steg.pretrained import describe_shipped


def median_ms(fn, repeats: int) -> float:
    """Median wall milliseconds of ``fn()`` over ``repeats`` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--out", help="also write the Markdown report here")
    args = parser.parse_args(argv)

    cover = load_square(str(SAMPLES / "cover.jpg"), args.size)
    secret = load_square(str(SAMPLES / "secret.jpg"), args.size)
    rows = []
    for model in describe_shipped():
        if model.kind != "image in image":
            continue
        steg = from_saved_models(model.name)
        container = steg.hide(cover, secret)
        hide_ms = median_ms(lambda steg=steg: steg.hide(cover, secret), args.repeats)
        reveal_ms = median_ms(lambda steg=steg, c=container: steg.reveal(c), args.repeats)
        rows.append((model.name, hide_ms, reveal_ms))
    lines = [f"# Hide + reveal time of the shipped models ({args.size}x{args.size} photo)", "",
             f"Command: `python benchmarks/shipped_speed.py --size {args.size} --repeats {args.repeats}`; "
             f"float32 SavedModels through `keras_steg.hide` / `keras_steg.reveal` (uint8 in and out), "
             f"batch 1, median of {args.repeats} runs after a warm-up; {platform.machine()} CPU, "
             f"{tf.config.threading.get_inter_op_parallelism_threads() or 'default'} inter-op threads, "
             f"TensorFlow {tf.__version__}.", "",
             "| model | hide (ms) | reveal (ms) | hide + reveal (ms) |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {h:.0f} | {r:.0f} | {h + r:.0f} |" for name, h, r in rows]
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
