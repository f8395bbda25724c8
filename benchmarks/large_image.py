"""Hide and reveal in one large photo (default 4000x3000) with tiled inference: wall time, peak
memory and quality, on this machine.

    python benchmarks/large_image.py --cover PHOTO --secret PHOTO [--model scnn --width 4000
        --height 3000 --precision float32 --tile 768 --out benchmarks/results/large_image.md]

The two photos are resized (bicubic) to the target size. The container goes through an 8-bit
PNG file on disk, as a user's would. Peak memory is the process's maximum resident set size
(``ru_maxrss``), TensorFlow and the loaded models included; it is also given just after
loading, so the growth due to the image is visible.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import cv2
from reporting import emit, machine  # benchmarks/ is the script folder, so on sys.path

from keras_steg.evaluation import pair_scores
from keras_steg.imageio import read_image, write_png
from keras_steg.inference import Steganographer, from_saved_models
from keras_steg.precision import INFERENCE_PRECISIONS


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far, in GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cover", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--model", default="scnn")
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--tile", type=int, help="tile side (default: what hide/reveal use at "
                        "this precision, keras_steg.inference.TILES; 0: one pass)")
    parser.add_argument("--precision", choices=INFERENCE_PRECISIONS, default="float32")
    parser.add_argument("--out", help="also write the Markdown report here")
    args = parser.parse_args()

    size = (args.width, args.height)
    cover = cv2.resize(read_image(args.cover), size, interpolation=cv2.INTER_CUBIC)
    secret = cv2.resize(read_image(args.secret), size, interpolation=cv2.INTER_CUBIC)
    loaded = from_saved_models(args.model, args.precision)
    tile = loaded.tile if args.tile is None else args.tile
    steg = Steganographer(**{**loaded.__dict__, "tile": tile or None})
    steg.reveal(cover[:64, :64])  # load and trace both graphs before timing
    steg.hide(cover[:64, :64], secret[:64, :64])
    rss_loaded = peak_rss_gb()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "container.png"
        start = time.perf_counter()
        write_png(path, steg.hide(cover, secret))
        hide_s = time.perf_counter() - start
        start = time.perf_counter()
        container = read_image(path)
        revealed = steg.reveal(container)
        reveal_s = time.perf_counter() - start
    scores = pair_scores(cover, container, secret, revealed)
    emit("\n".join([
        f"# {args.width}x{args.height} hide and reveal, model {args.model}, tile "
        f"{tile or 'none (one pass)'}",
        "",
        f"Machine: {machine()}, {args.precision} "
        "SavedModels. "
        f"Command: `python benchmarks/large_image.py --cover {args.cover} --secret {args.secret} "
        f"--model {args.model} --width {args.width} --height {args.height} --tile {tile} "
        f"--precision {args.precision}`",
        "",
        "| hide + write PNG (s) | read PNG + reveal (s) | peak RSS after loading (GB) | "
        "peak RSS (GB) | cover PSNR (dB) | secret PSNR (dB) |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {hide_s:.1f} | {reveal_s:.1f} | {rss_loaded:.2f} | {peak_rss_gb():.2f} | "
        f"{scores['cover_psnr']:.2f} | {scores['secret_psnr']:.2f} |",
    ]), args.out)


if __name__ == "__main__":
    main()
