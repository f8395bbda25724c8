"""How much a robust receiver's BatchNorm statistics decide what it survives: recompute them
over training batches that all went through ONE attack and export the result, or reveal with
each container's own statistics.

    python benchmarks/receiver_statistics.py --run RUN --attack quantize,jpeg:75 --out DIR
    keras-steg robustness --data HELD8 --model DIR          # then attack the exported model
    python benchmarks/receiver_statistics.py --run RUN --own-statistics --data ../shared/data/images

RUN is a training folder (its ``train_config.json`` and ``final.keras``). ``--attack`` takes a
``--channel`` spec (see ``keras-steg train --help``); the weights are untouched, only the
moving means and variances change. ``--own-statistics`` prints the robustness table of the
first ``--pairs`` held-out photos (``split_files``, 0.1, seed 0) revealed with the receiver's
BatchNorms normalising by the attacked container itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import keras

# benchmarks/ is the script folder, so on sys.path
from reporting import heldout_squares

from keras_steg.batchnorm import recalibrate_batchnorm
from keras_steg.export import export_model
from keras_steg.inference import Steganographer, from_keras
from keras_steg.layers.channel import parse_channel
from keras_steg.robustness import format_table, robustness_rows
from keras_steg.training import TrainConfig, make_datasets


def own_statistics(model: keras.Model) -> Steganographer:
    """``from_keras(model)`` with the receiver's BatchNorms normalising by the batch it is
    given, i.e. by the one container being revealed (hide/reveal on uint8 images as ever)."""
    return dataclasses.replace(from_keras(model),
                               receiver=lambda container: model.receiver(container, training=True))


def recalibrated_on(run: Path, attack: str, batches: int) -> keras.Model:
    """``run``'s final.keras with its BatchNorm statistics averaged over ``batches`` training
    batches (the run's own pipeline) that all went through the channel ``attack``."""
    train_ds, _, _ = make_datasets(TrainConfig(**json.loads((run / "train_config.json").read_text())))
    model = keras.models.load_model(run / "final.keras")
    model.channel = parse_channel(attack, seed=0)
    recalibrate_batchnorm(model, train_ds.take(batches))
    return model


def main(argv: list[str] | None = None) -> None:
    """Parse the options; export the recalibrated model or print the own-statistics table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, type=Path, help="training folder")
    parser.add_argument("--attack", help="channel spec the statistics are taken through")
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--out", help="folder for the exported model (with --attack)")
    parser.add_argument("--own-statistics", action="store_true")
    parser.add_argument("--data", help="photo folder (with --own-statistics)")
    parser.add_argument("--pairs", type=int, default=8)
    args = parser.parse_args(argv)
    if args.own_statistics:
        if not args.data:
            parser.error("--own-statistics needs --data")
        images = heldout_squares(args.data, args.pairs, 256)
        model = keras.models.load_model(args.run / "final.keras")
        print(format_table(robustness_rows(own_statistics(model), images, "own statistics")))
    elif args.attack and args.out:
        export_model(recalibrated_on(args.run, args.attack, args.batches), args.out,
                     keras_file=False, weights_dtype="float16")
        print(f"exported to {args.out}")
    else:
        parser.error("give --attack SPEC --out DIR, or --own-statistics --data DIR")


if __name__ == "__main__":
    main()
