"""What TFLite conversion costs: file size, hide + reveal time and quality of a model's
sender.tflite / receiver.tflite per quantization, beside its SavedModels.

    python benchmarks/tflite_quality.py --data ../shared/data/images [--model scnn --pairs 10
        --size 256 --out benchmarks/results/tflite_quality.md]

Photos: the held-out split of the folder (``split_files``, fraction 0.1, seed 0), centre
squares at ``--size``, photo i hides photo i + 1; the container is rounded to 8 bits before
the reveal, as a PNG would. Times: median per pair, batch 1. ``int8`` calibrates its
activation ranges on ``--calibration`` photos of the training split (never the held-out ones).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from reporting import emit, machine  # benchmarks/ is the script folder, so on sys.path

from keras_steg.data.images import list_images, split_files
from keras_steg.evaluation import load_square, pair_scores
from keras_steg.imageio import to_float, to_uint8
from keras_steg.inference import from_saved_models
from keras_steg.tflite import QUANTIZATIONS, export_tflite, load_interpreter, run_tflite


def scores_and_time(hide, reveal, photos: list[np.ndarray]) -> tuple[dict, float]:
    """Mean pair scores and median seconds of hide + reveal; ``hide(cover, secret)`` and
    ``reveal(container)`` take and give uint8 (H, W, 3)."""
    rows, times = [], []
    for i, cover in enumerate(photos):
        secret = photos[(i + 1) % len(photos)]
        start = time.perf_counter()
        container = hide(cover, secret)
        revealed = reveal(container)
        times.append(time.perf_counter() - start)
        rows.append(pair_scores(cover, container, secret, revealed))
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}, statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the training image folder")
    parser.add_argument("--model", default="scnn")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--calibration", type=int, default=16,
                        help="training-split photos that calibrate int8 activation ranges")
    parser.add_argument("--out", help="also write the Markdown report here")
    args = parser.parse_args(argv)

    train, held_out = split_files(list_images(args.data), 0.1, seed=0)
    photos = [load_square(f, args.size) for f in held_out[:args.pairs]]
    calibration = [load_square(f, args.size) for f in train[:args.calibration]]
    steg = from_saved_models(args.model)
    results = [("SavedModel (float32)", None, *scores_and_time(steg.hide, steg.reveal, photos))]
    with tempfile.TemporaryDirectory() as tmp:
        for quantize in QUANTIZATIONS:
            files = export_tflite(args.model, Path(tmp) / quantize, quantize=quantize,
                                  calibration_photos=calibration)
            sender, receiver = (load_interpreter(files[p]) for p in ("sender", "receiver"))

            def hide(cover, secret, sender=sender):
                return to_uint8(run_tflite(sender, {"cover": to_float(cover)[None],
                                                    "secret": to_float(secret)[None]})[0])

            def reveal(container, receiver=receiver):
                return to_uint8(run_tflite(receiver, {"container": to_float(container)[None]})[0])

            size = sum(f.stat().st_size for f in files.values()) / 1e6
            results.append((f"TFLite, {quantize}", size, *scores_and_time(hide, reveal, photos)))
    lines = [f"# TFLite conversion of `{args.model}`: size, speed, quality", "",
             f"Command: `python benchmarks/tflite_quality.py --data DIR --model {args.model} "
             f"--pairs {args.pairs} --size {args.size} --calibration {args.calibration}`; "
             f"{machine()}; {len(photos)} held-out photos at "
             f"{args.size}x{args.size}, 8-bit containers; time = median hide + reveal per pair.", "",
             "| runtime | files (MB) | hide + reveal (ms) | cover PSNR (dB) | secret PSNR (dB) "
             "| secret SSIM |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, size, scores, seconds in results:
        lines.append(f"| {name} | {'' if size is None else f'{size:.1f}'} | {seconds * 1000:.0f} | "
                     f"{scores['cover_psnr']:.2f} | {scores['secret_psnr']:.2f} | "
                     f"{scores['secret_ssim']:.3f} |")
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
