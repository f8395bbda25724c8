"""How much of the secret a QIM model's receiver takes from its QIM reader: the secret revealed
with the reader and with its output zeroed, from the same containers, after the PNG and real JPEG.

    python benchmarks/qim_share.py --data ../shared/data/images --model RUN/final.keras
        [--model RUN2/final.keras ...] [--pairs 8 --size 256 --out FILE.md]

``--model`` is a training run's ``.keras`` file of an SCNN built with ``qim`` (an exported
folder holds SavedModels, whose layers cannot be switched off). The pairs are the model card's
robustness pairs: the first ``--pairs`` held-out photos (``split_files``, fraction 0.1, seed 0),
centre squares at ``--size``, photo i hiding photo i + 1; containers saved as 8 bits, then
JPEG-compressed by OpenCV. Mean secret PSNR (dB) over the pairs.
"""

from __future__ import annotations

import statistics

import keras
import numpy as np

# benchmarks/ is the script folder, so on sys.path
from reporting import emit, heldout_parser, heldout_squares

import keras_steg.models  # noqa: F401  (registers StegModel for load_model)
from keras_steg.attacks import jpeg
from keras_steg.imageio import psnr_uint8
from keras_steg.inference import from_keras

QUALITIES = (None, 90, 75, 50)  # None: the PNG as saved
READER_OUTPUT = "rnet_qim_pixels"  # the reader's last layer (keras_steg.models.scnn.qim_logits)


def secret_psnrs(path: str, images: list[np.ndarray]) -> dict[str, list[float]]:
    """-> {"png" / "jpeg90" / ...: [mean secret PSNR with the reader, with its output zeroed]}."""
    model = keras.saving.load_model(path, compile=False)
    reader = model.receiver.get_layer(READER_OUTPUT)
    steg = from_keras(model)
    pairs = [(images[i], images[(i + 1) % len(images)]) for i in range(len(images))]
    containers = [steg.hide(cover, secret) for cover, secret in pairs]
    weights = reader.get_weights()
    result = {}
    for quality in QUALITIES:
        attacked = [c if quality is None else jpeg(c, quality) for c in containers]
        scores = []
        for zeroed in (False, True):
            reader.set_weights([np.zeros_like(w) for w in weights] if zeroed else weights)
            scores.append(statistics.mean(psnr_uint8(secret, steg.reveal(a))
                                          for (_, secret), a in zip(pairs, attacked)))
        reader.set_weights(weights)
        result["png" if quality is None else f"jpeg{quality}"] = scores
    return result


def main() -> None:
    parser = heldout_parser(__doc__.splitlines()[0], pairs=8)
    args = parser.parse_args()
    images = heldout_squares(args.data, args.pairs, args.size)
    lines = [f"# The QIM reader's share of the secret ({len(images)} held-out photos, "
             f"{args.size}x{args.size})", "",
             "Command: `python benchmarks/qim_share.py --data DIR "
             + " ".join(f"--model {m}" for m in args.model)
             + f" --pairs {args.pairs} --size {args.size}`", "",
             "Mean secret PSNR (dB): with the receiver's QIM reader / with its output zeroed.", "",
             "| model | " + " | ".join("PNG" if q is None else f"JPEG {q}" for q in QUALITIES) + " |",
             "|---|" + "---|" * len(QUALITIES)]
    for path in args.model:
        scores = secret_psnrs(path, images)
        lines.append(f"| {path} | " + " | ".join(f"{a:.2f} / {b:.2f}" for a, b in scores.values()) + " |")
    emit("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
