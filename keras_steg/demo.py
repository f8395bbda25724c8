"""``keras-steg demo``: hide the bundled cover photo's twin inside it and show everything."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keras_steg.evaluation import pair_scores
from keras_steg.imageio import read_image, to_float, to_uint8, write_png
from keras_steg.inference import from_saved_models
from keras_steg.metrics import residual

SAMPLES = Path(__file__).resolve().parent / "samples"
OUTPUT_FILES = ("cover.png", "container.png", "secret.png", "revealed.png", "figure.png")


def save_figure(path: Path, images: dict[str, np.ndarray], scores: dict[str, float]) -> None:
    """One PNG: cover, container, residual x10, secret, revealed side by side, with PSNR/SSIM."""
    from keras_steg.plotting import pyplot

    plt = pyplot()

    titles = {
        "cover": "cover",
        "container": f"container\nPSNR {scores['cover_psnr']:.2f} dB, SSIM {scores['cover_ssim']:.3f}",
        "residual": "|container - cover| x10",
        "secret": "secret",
        "revealed": f"revealed\nPSNR {scores['secret_psnr']:.2f} dB, SSIM {scores['secret_ssim']:.3f}",
    }
    fig, axes = plt.subplots(1, len(titles), figsize=(4 * len(titles), 3.6))
    for ax, (key, title) in zip(axes, titles.items()):
        ax.imshow(images[key])
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_demo(output: str | Path, model: str | None = None, overwrite: bool = False,
             precision: str = "float32") -> list[str]:
    """Hide samples/secret.jpg in samples/cover.jpg with ``model`` (default: shipped SCNN)
    computing in ``precision`` (``from_saved_models``), reveal it from the 8-bit container,
    write OUTPUT_FILES into ``output``; returns the report lines (paths, PSNR and SSIM of both
    pairs)."""
    output = Path(output)
    clashes = [output / f for f in OUTPUT_FILES if (output / f).exists()]
    if clashes and not overwrite:
        raise ValueError(f"{clashes[0]}: already exists (use --overwrite to replace the demo output)")
    steg = from_saved_models(model, precision)
    cover, secret = read_image(SAMPLES / "cover.jpg"), read_image(SAMPLES / "secret.jpg")
    container = steg.hide(cover, secret)
    revealed = steg.reveal(container)
    scores = pair_scores(cover, container, secret, revealed)
    images = {"cover": cover, "container": container, "secret": secret, "revealed": revealed,
              "residual": to_uint8(residual(to_float(container), to_float(cover)))}
    for name in ("cover", "container", "secret", "revealed"):
        write_png(output / f"{name}.png", images[name], overwrite=True)
    save_figure(output / "figure.png", images, scores)
    return [
        f"wrote {', '.join(OUTPUT_FILES)} to {output}/",
        f"cover  vs container: PSNR {scores['cover_psnr']:.2f} dB  SSIM {scores['cover_ssim']:.4f}",
        f"secret vs revealed : PSNR {scores['secret_psnr']:.2f} dB  SSIM {scores['secret_ssim']:.4f}",
    ]
