"""What computing in bfloat16 costs and gives: the shipped image models on the held-out photos,
float32 vs bfloat16 signature of the same SavedModels (quality after the 8-bit round trip, and
the wall time of all the pairs).

    python benchmarks/precision_quality.py --data ../shared/data/images [--models scnn exypno
        --size 256 --out benchmarks/results/precision_quality.md]

The photos are the held-out split of the training folder (``split_files``, fraction 0.1, seed
0), centre squares at ``--size``; photo i hides photo i + 1, as in the model cards. Both
precisions of one model run one after the other, so their time ratio holds on a noisy machine.
"""

from __future__ import annotations

import argparse
import time

from reporting import emit, machine  # benchmarks/ is the script folder, so on sys.path

from keras_steg.data.images import list_images, split_files
from keras_steg.evaluation import evaluate_files, summarize
from keras_steg.inference import from_saved_models
from keras_steg.precision import INFERENCE_PRECISIONS
from keras_steg.pretrained import describe_shipped


def main() -> None:
    """Measure every model in both precisions; print (and with --out write) the table."""
    image_models = [m.name for m in describe_shipped() if m.kind == "image in image"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the training image folder")
    parser.add_argument("--models", nargs="+", default=image_models)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", help="also write the Markdown report here")
    args = parser.parse_args()

    _, heldout = split_files(list_images(args.data), 0.1, 0)
    rows = []
    for name in args.models:
        for precision in INFERENCE_PRECISIONS:
            steg = from_saved_models(name, precision)
            evaluate_files(steg, heldout[:2], args.size)  # traces the graphs before timing
            start = time.perf_counter()
            mean = summarize(evaluate_files(steg, heldout, args.size))
            rows.append((name, precision, mean, time.perf_counter() - start))
            print(name, precision, f"{mean['cover_psnr']:.2f} / {mean['secret_psnr']:.2f} dB", flush=True)

    lines = ["# Shipped models in float32 and in bfloat16", "",
             f"Command: `python benchmarks/precision_quality.py --data DIR --models "
             f"{' '.join(args.models)} --size {args.size}`. {len(heldout)} held-out photos at "
             f"{args.size}x{args.size}, 8-bit containers; time: hiding and revealing all of them "
             f"(`keras_steg.hide` / `reveal`, batch 1); {machine()}.", "",
             "| model | precision | cover PSNR (dB) | cover SSIM | secret PSNR (dB) | secret SSIM "
             "| time (s) | speed-up |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, precision, mean, seconds in rows:
        base = next(s for n, p, _, s in rows if n == name and p == "float32")
        lines.append(f"| {name} | {precision} | {mean['cover_psnr']:.2f} | {mean['cover_ssim']:.4f} | "
                     f"{mean['secret_psnr']:.2f} | {mean['secret_ssim']:.4f} | {seconds:.1f} | "
                     f"{base / seconds:.2f}x |")
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
