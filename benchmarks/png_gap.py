"""What saving the container as an 8-bit PNG costs the secret: secret PSNR revealed from the
float container (before saving) and from the container read back from a real PNG file (after).

    python benchmarks/png_gap.py --data ../shared/data/images --model scnn [--model DIR ...]
        [--pairs 40 --size 256 --out benchmarks/results/png_gap.md]

The photos are the held-out split of the training folder (``split_files``, fraction 0.1,
seed 0: what the shipped models never saw), centre squares at ``--size``; photo i hides
photo i + 1. A model trained with the 8-bit channel (quantization-aware) should lose
< 0.5 dB.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

# benchmarks/ is the script folder, so on sys.path
from reporting import emit, heldout_parser, heldout_squares

from keras_steg.imageio import read_image, to_float, to_uint8, write_png
from keras_steg.inference import from_saved_models
from keras_steg.metrics import psnr


def gap_rows(model: str, images: list[np.ndarray]) -> dict[str, float]:
    """Mean cover/secret PSNR with the float container and after a real PNG file round trip."""
    steg = from_saved_models(model)
    scores: dict[str, list[float]] = {k: [] for k in
                                      ("cover_float", "cover_png", "secret_float", "secret_png")}
    with tempfile.TemporaryDirectory() as tmp:
        for i, cover in enumerate(images):
            secret = images[(i + 1) % len(images)]
            c, s = (tf.constant(to_float(x)[None]) for x in (cover, secret))
            container = steg.sender(c, s)  # float32, never rounded
            path = write_png(Path(tmp) / "container.png", to_uint8(np.asarray(container)[0]),
                             overwrite=True)
            saved = tf.constant(to_float(read_image(path))[None])
            for kind, x in (("float", container), ("png", saved)):
                scores[f"cover_{kind}"].append(float(psnr(c, x)[0]))
                scores[f"secret_{kind}"].append(float(psnr(s, steg.receiver(x))[0]))
    return {k: statistics.fmean(v) for k, v in scores.items()}


def main() -> None:
    parser = heldout_parser(__doc__.splitlines()[0], pairs=40)
    args = parser.parse_args()
    images = heldout_squares(args.data, args.pairs, args.size)
    lines = [
        f"# Secret quality before and after saving the container as an 8-bit PNG ({len(images)} "
        f"held-out photos, {args.size}x{args.size})",
        "",
        "Command: `python benchmarks/png_gap.py --data DIR " + " ".join(f"--model {m}" for m in args.model)
        + f" --pairs {args.pairs} --size {args.size}`",
        "",
        "| model | cover PSNR float / PNG (dB) | secret PSNR float container (dB) | "
        "secret PSNR after PNG (dB) | PNG costs the secret (dB) |",
        "|---|---|---:|---:|---:|",
    ]
    for model in args.model:
        r = gap_rows(model, images)
        lines.append(f"| {model} | {r['cover_float']:.2f} / {r['cover_png']:.2f} | "
                     f"{r['secret_float']:.2f} | {r['secret_png']:.2f} | "
                     f"{r['secret_float'] - r['secret_png']:.2f} |")
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
