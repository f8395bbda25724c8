"""What Keras' host round trips cost a training step: ``model.fit`` with ``steps_per_execution``
1 (one Python call and one host sync per step) against K (K steps per call), in one run.

    python benchmarks/fit_overhead.py --data ../shared/data/images [--crop 64 --batch 8 --k 8]

Both models train SCNN in ``mixed_bfloat16`` on one real batch repeated from memory (the
pipeline is measured in speed.py), ``--steps`` steps per ``fit`` call; the two take turns for
``--rounds`` calls after one warm-up call each. Prints the median ms per step of each and the
difference; ``--out FILE`` also writes it.
"""

from __future__ import annotations

import argparse

import keras
import tensorflow as tf
from reporting import emit, machine, take_turns  # benchmarks/ is the script folder, so on sys.path

from keras_steg.training import TrainConfig, make_datasets, make_model


def fit_model(cfg: TrainConfig, steps_per_execution: int) -> keras.Model:
    """SCNN compiled as training compiles it, with ``steps_per_execution``."""
    model = make_model(cfg)
    model.compile(optimizer=model.optimizer, reveal_optimizer=model.reveal_optimizer,
                  alpha=model.alpha, beta=model.beta, steps_per_execution=steps_per_execution)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--crop", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--k", type=int, default=8, help="steps_per_execution to compare with 1")
    parser.add_argument("--steps", type=int, default=16, help="steps per fit call (a multiple of k)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out")
    args = parser.parse_args()

    cfg = TrainConfig(data=args.data, out="/tmp/unused", crop=args.crop, batch=args.batch,
                      precision="mixed_bfloat16", val_fraction=0.1)
    train_ds, _, _ = make_datasets(cfg)
    batch = next(iter(train_ds))
    data = tf.data.Dataset.from_tensors(batch).repeat()
    settings = (1, args.k)
    models = [fit_model(cfg, k) for k in settings]
    # The warm-up round traces the graphs; the default argument binds each setting's model.
    per_call = take_turns([lambda i, model=model: model.fit(data, steps_per_epoch=args.steps,
                                                            epochs=1, verbose=0)
                           for model in models], args.rounds, warmup=1)
    medians = [seconds / args.steps * 1000 for seconds in per_call]
    text = "\n".join([
        f"SCNN model.fit, {args.crop}x{args.crop} crops, {args.batch} cover/secret pairs a step, "
        f"mixed_bfloat16, {args.steps} steps per fit call, median of {args.rounds} calls taking "
        f"turns, {machine()}",
        "",
        "| steps_per_execution | ms / step |",
        "|---:|---:|",
        *[f"| {k} | {m:.1f} |" for k, m in zip(settings, medians)],
        "",
        f"steps_per_execution {args.k} saves {medians[0] - medians[1]:.1f} ms a step "
        f"({(medians[0] - medians[1]) / medians[0] * 100:+.1f} %)",
    ])
    emit(text, args.out)


if __name__ == "__main__":
    main()
