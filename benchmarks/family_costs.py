"""Cost of every model family and width: GFLOP per 224x224 cover/secret pair and parameters.

    python benchmarks/family_costs.py [--size 224] [--out benchmarks/results/family_costs.md]

GFLOP counts the convolutions only (2 x multiply-adds, ``keras_steg.flops.conv_gflops``), read
from the traced graph; nothing is run, so it takes seconds on any machine.
"""

from __future__ import annotations

import argparse

from reporting import emit  # benchmarks/ is the script folder, so on sys.path

from keras_steg import build_model
from keras_steg.flops import conv_gflops

# (family, builder config) rows: the papers' widths and the reduced ones trained on a CPU.
VARIANTS = [
    ("scnn", {}), ("scnn", {"block_context": 128}), ("scnn", {"block_context": 128, "qim": 10}),
    ("baluja", {}), ("baluja", {"filters": 25}), ("baluja", {"filters": 16}),
    ("exypno", {}), ("exypno", {"width": 0.5}), ("exypno", {"width": 0.25}), ("exypno", {"width": 0.125}),
]


def cost_rows(size: int) -> list[list]:
    """[family, config text, sender GFLOP, receiver GFLOP, total GFLOP, parameters] per variant."""
    rows = []
    for family, config in VARIANTS:
        model = build_model(family, **config)
        sender = conv_gflops(model.sender, size, size)
        receiver = conv_gflops(model.receiver, size, size)
        params = model.sender.count_params() + model.receiver.count_params()
        label = ", ".join(f"{k}={v}" for k, v in config.items()) or "paper"
        rows.append([family, label, sender, receiver, sender + receiver, params])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--out", help="also write the Markdown table here")
    args = parser.parse_args()
    lines = [f"Convolution GFLOP per {args.size}x{args.size} cover/secret pair (hide + reveal) and "
             "parameters, all weights including BatchNorm statistics "
             "(`python benchmarks/family_costs.py`)", "",
             "| family | width | sender GFLOP | receiver GFLOP | total GFLOP | parameters |",
             "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {f} | {w} | {s:.1f} | {r:.1f} | {t:.1f} | {p:,} |"
              for f, w, s, r, t, p in cost_rows(args.size)]
    text = "\n".join(lines)
    emit(text, args.out)


if __name__ == "__main__":
    main()
