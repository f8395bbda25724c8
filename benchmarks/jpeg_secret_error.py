"""Where the secret's error after a real JPEG lies, and whether training's JPEG surrogate is
what limits it.

    python benchmarks/jpeg_secret_error.py --data ../shared/data/images --model scnn_robust
        [--model DIR ...] [--quality 75 --pairs 8 --size 256 --out FILE.md]

For the first ``--pairs`` held-out photos (``split_files``, fraction 0.1, seed 0; centre
squares at ``--size``; photo i hides photo i + 1, the model card's robustness pairs) the
container is saved as 8 bits, then JPEG-compressed at ``--quality`` by OpenCV (libjpeg, 4:2:0)
and, separately, by the differentiable approximation training uses
(``keras_steg.layers.jpeg.jpeg_approximation``). Per model, mean over pairs:

- secret PSNR from the PNG, after real JPEG and after the approximation, and the PSNR between
  the two compressed containers (how close the surrogate is to libjpeg on these containers);
- the error of the secret revealed after real JPEG split two ways, each part as a PSNR
  (higher = smaller): luma vs chroma (YCbCr, BT.601 as JPEG), and low vs high frequencies
  (the error blurred by a Gaussian of sigma 2 px vs the rest).
"""

from __future__ import annotations

import statistics

import cv2
import numpy as np
import tensorflow as tf

# benchmarks/ is the script folder, so on sys.path
from reporting import emit, heldout_parser, heldout_squares

from keras_steg.attacks import jpeg
from keras_steg.imageio import psnr_uint8, to_uint8
from keras_steg.inference import Steganographer, from_saved_models
from keras_steg.layers.jpeg import jpeg_approximation

LOW_PASS_SIGMA = 2.0  # px; the error blurred by it is the "low-frequency" part


def _psnr_of_error(error: np.ndarray) -> float:
    """PSNR (dB, 8-bit peak) of an error array (any shape, float, in 8-bit units)."""
    return float(10 * np.log10(255.0**2 / max(float(np.mean(error**2)), 1e-12)))


def _approximate_jpeg(container: np.ndarray, quality: int) -> np.ndarray:
    """The training surrogate on an RGB uint8 image -> RGB uint8 (rounded like a decoder)."""
    x = tf.constant(container[None].astype(np.float32) / 255.0)
    return to_uint8(np.asarray(jpeg_approximation(x, tf.constant([float(quality)])))[0])


def split_error(revealed: np.ndarray, secret: np.ndarray) -> dict[str, float]:
    """A revealed secret and the true one (RGB, (H, W, 3), 0-255, any dtype) -> the PSNR (dB) of
    their error and of its parts: ``error_luma`` / ``error_chroma`` (YCbCr, BT.601 as JPEG;
    chroma the mean over Cb and Cr) and ``error_low`` / ``error_high`` (the error blurred by a
    Gaussian of ``LOW_PASS_SIGMA`` px, and the rest)."""
    revealed, secret = (np.asarray(x, np.float32) for x in (revealed, secret))
    error = revealed.astype(np.float64) - secret
    low = cv2.GaussianBlur(error, (0, 0), LOW_PASS_SIGMA)
    # The conversion is linear up to an offset, which the difference cancels.
    ycc_error = (cv2.cvtColor(revealed, cv2.COLOR_RGB2YCrCb).astype(np.float64)
                 - cv2.cvtColor(secret, cv2.COLOR_RGB2YCrCb))
    return {
        "error": _psnr_of_error(error),
        "error_luma": _psnr_of_error(ycc_error[..., 0]),
        "error_chroma": _psnr_of_error(ycc_error[..., 1:]),
        "error_low": _psnr_of_error(low),
        "error_high": _psnr_of_error(error - low),
    }


def error_parts(steg: Steganographer, cover: np.ndarray, secret: np.ndarray,
                quality: int) -> dict[str, float]:
    """One pair (RGB uint8, same size) -> the scores listed in the module docstring."""
    container = steg.hide(cover, secret)
    real, approx = jpeg(container, quality), _approximate_jpeg(container, quality)
    parts = split_error(steg.reveal(real), secret)
    return {
        "secret_png": psnr_uint8(steg.reveal(container), secret),
        "secret_jpeg": parts.pop("error"),
        "secret_approx": psnr_uint8(steg.reveal(approx), secret),
        "approx_vs_jpeg": psnr_uint8(approx, real),
        **parts,
    }


def main() -> None:
    parser = heldout_parser(__doc__.splitlines()[0], pairs=8)
    parser.add_argument("--quality", type=int, default=75)
    args = parser.parse_args()
    images = heldout_squares(args.data, args.pairs, args.size)
    q = args.quality
    lines = [
        f"# The secret after JPEG {q}: surrogate vs libjpeg, and where the error lies "
        f"({len(images)} held-out photos, {args.size}x{args.size})",
        "",
        "Command: `python benchmarks/jpeg_secret_error.py --data DIR "
        + " ".join(f"--model {m}" for m in args.model)
        + f" --quality {q} --pairs {args.pairs} --size {args.size}`",
        "",
        "Mean PSNR in dB. Secret: revealed from the PNG, after OpenCV's JPEG, after the training "
        "surrogate; surrogate vs libjpeg: the two compressed containers against each other. "
        f"The error after OpenCV's JPEG as PSNRs of its parts (higher = smaller): luma / chroma, "
        f"low frequencies (blurred, sigma {LOW_PASS_SIGMA:g} px) / the rest.",
        "",
        f"| model | secret PNG | secret JPEG {q} | secret surrogate {q} | surrogate vs libjpeg | "
        "error luma / chroma | error low / high |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for model in args.model:
        steg = from_saved_models(model)
        scores = [error_parts(steg, cover, images[(i + 1) % len(images)], q)
                  for i, cover in enumerate(images)]
        m = {k: statistics.fmean(s[k] for s in scores) for k in scores[0]}
        lines.append(f"| {model} | {m['secret_png']:.2f} | {m['secret_jpeg']:.2f} | "
                     f"{m['secret_approx']:.2f} | {m['approx_vs_jpeg']:.2f} | "
                     f"{m['error_luma']:.2f} / {m['error_chroma']:.2f} | "
                     f"{m['error_low']:.2f} / {m['error_high']:.2f} |")
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
