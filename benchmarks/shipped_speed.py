"""Hide and reveal time of the shipped models, as users run them (the SavedModels' float32 and
bfloat16 signatures through ``keras_steg.hide`` / ``keras_steg.reveal`` on uint8 images; the
same per-frame path video takes).

    python benchmarks/shipped_speed.py [--sizes 256 1280x720 --models scnn exypno
        --precisions float32 bfloat16 --repeats 5 --out benchmarks/results/shipped_speed.md]

Uses the bundled sample photos (resized to each size), so it needs no data folder. Median of
``--repeats`` runs after one warm-up run; everything is timed in one run, in turn, so the
ratios are comparable even when the machine is noisy.
"""

from __future__ import annotations

import argparse

import cv2
import tensorflow as tf
from reporting import emit, machine, median_ms  # benchmarks/ is the script folder, so on sys.path

from keras_steg.demo import SAMPLES
from keras_steg.imageio import read_image
from keras_steg.inference import from_saved_models
from keras_steg.precision import INFERENCE_PRECISIONS
from keras_steg.pretrained import describe_shipped


def parse_size(text: str) -> tuple[int, int]:
    """"256" -> (256, 256); "1280x720" -> (1280, 720) as (width, height)."""
    width, _, height = text.partition("x")
    return int(width), int(height or width)


def main(argv: list[str] | None = None) -> None:
    """Time every model at every size and print (and with --out write) the table."""
    image_models = [m.name for m in describe_shipped() if m.kind == "image in image"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["256"], help="WIDTHxHEIGHT or SIDE")
    parser.add_argument("--models", nargs="+", default=image_models)
    parser.add_argument("--precisions", nargs="+", default=list(INFERENCE_PRECISIONS),
                        choices=INFERENCE_PRECISIONS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", help="also write the Markdown report here")
    args = parser.parse_args(argv)

    photos = read_image(SAMPLES / "cover.jpg"), read_image(SAMPLES / "secret.jpg")
    rows = []
    for name in args.models:
        for size in map(parse_size, args.sizes):
            cover, secret = (cv2.resize(p, size, interpolation=cv2.INTER_AREA) for p in photos)
            for precision in args.precisions:
                steg = from_saved_models(name, precision)
                container = steg.hide(cover, secret)
                hide_ms = median_ms(lambda s=steg, c=cover, x=secret: s.hide(c, x), args.repeats)
                reveal_ms = median_ms(lambda s=steg, c=container: s.reveal(c), args.repeats)
                rows.append((name, f"{size[0]}x{size[1]}", precision, hide_ms, reveal_ms))
    command = " ".join(["python benchmarks/shipped_speed.py", "--sizes", *args.sizes, "--models",
                        *args.models, "--precisions", *args.precisions, "--repeats", str(args.repeats)])
    lines = ["# Hide and reveal time of the shipped models", "",
             f"Command: `{command}`. SavedModels (BatchNorm folded) through `keras_steg.hide` / "
             f"`keras_steg.reveal` (uint8 in and out; images above 768 px a side go through in "
             f"tiles), batch 1, median of {args.repeats} runs after a warm-up; "
             f"{machine()} ({tf.config.threading.get_intra_op_parallelism_threads() or 'all'} "
             f"threads), TensorFlow {tf.__version__}.", "",
             "| model | image | precision | hide (ms) | reveal (ms) | hide + reveal (ms) |",
             "|---|---|---|---:|---:|---:|"]
    lines += [f"| {name} | {size} | {precision} | {h:.0f} | {r:.0f} | {h + r:.0f} |"
              for name, size, precision, h, r in rows]
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
