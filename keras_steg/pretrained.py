"""Where the shipped models live, and how a model name or folder resolves to one."""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODEL = "scnn"


def models_roots() -> list[Path]:
    """Folders searched for shipped models, in order: ``$KERAS_STEG_MODELS``, the checkout's
    ``saved_models/`` (editable install), then ``share/keras_steg/saved_models`` under the
    data paths a wheel install may use (environment prefix, user base)."""
    roots = []
    if os.environ.get("KERAS_STEG_MODELS"):
        roots.append(Path(os.environ["KERAS_STEG_MODELS"]))
    roots.append(Path(__file__).resolve().parent.parent / "saved_models")
    for data in (sysconfig.get_path("data"), sys.prefix, site.getuserbase()):
        root = Path(data) / "share" / "keras_steg" / "saved_models"
        if root not in roots:
            roots.append(root)
    return roots


def shipped_models() -> dict[str, Path]:
    """Name -> folder of every shipped model found (a folder holding sender/ and receiver/)."""
    found: dict[str, Path] = {}
    for root in models_roots():
        if root.is_dir():
            for folder in sorted(root.iterdir()):
                if (folder / "receiver").is_dir() and folder.name not in found:
                    found[folder.name] = folder
    return found


def resolve_model_dir(name_or_dir: str | None) -> Path:
    """A shipped model's name (e.g. "scnn") or an exported folder -> the folder.

    Raises ValueError naming the shipped models when neither matches.
    """
    name_or_dir = name_or_dir or DEFAULT_MODEL
    path = Path(name_or_dir)
    if path.is_dir():
        if not ((path / "sender").is_dir() or (path / "receiver").is_dir()):
            raise ValueError(f"{path}: not an exported model (no sender/ or receiver/ SavedModel inside)")
        return path
    shipped = shipped_models()
    if name_or_dir in shipped:
        return shipped[name_or_dir]
    names = ", ".join(sorted(shipped)) or "none found"
    raise ValueError(f"{name_or_dir}: no such model folder or shipped model (shipped: {names})")


def load_pretrained(name: str = DEFAULT_MODEL):
    """A shipped model (or exported folder) as a trainable StegModel with its weights.

    The family's networks are built under the current dtype policy and the weights are read from
    the folder's sender/receiver SavedModels, so it can be fine-tuned in any precision.
    """
    from keras_steg.export import load_weights_into, read_metadata
    from keras_steg.models.registry import build_model

    folder = resolve_model_dir(name)
    metadata = read_metadata(folder)
    model = build_model(metadata.get("family", "scnn"), **metadata.get("config", {}))
    load_weights_into(model, folder)
    return model


@dataclass(frozen=True)
class ShippedModel:
    """What ``keras-steg models`` lists about one shipped model (read from its folder)."""

    name: str
    folder: Path
    family: str
    cover_channels: int
    secret_channels: int
    heldout: dict[str, float] = field(default_factory=dict)  # metadata.json's held-out scores
    size_mb: float = 0.0

    @property
    def card(self) -> Path | None:
        """The model card (MODEL_CARD.md), or None when the folder has none."""
        card = self.folder / "MODEL_CARD.md"
        return card if card.is_file() else None

    @property
    def kind(self) -> str:
        """"image in image", "audio in audio", ...: channel counts say what a model hides."""
        from keras_steg.media import CHANNEL_KINDS

        def medium(channels: int) -> str:
            return CHANNEL_KINDS.get(channels, f"{channels}-channel")
        return f"{medium(self.secret_channels)} in {medium(self.cover_channels)}"


def quality(heldout: dict[str, float], pair: str) -> str:
    """Held-out quality of one pair ("cover" or "secret") as a model card measured it:
    "PSNR 27.34 dB, SSIM 0.857" (images), "SNR 12.00 dB, LSD 3.10 dB" (audio) or "not measured"."""
    if f"{pair}_psnr" in heldout:
        return f"PSNR {heldout[f'{pair}_psnr']:.2f} dB, SSIM {heldout.get(f'{pair}_ssim', float('nan')):.3f}"
    if f"{pair}_snr" in heldout:
        text = f"SNR {heldout[f'{pair}_snr']:.2f} dB"
        lsd = heldout.get(f"{pair}_lsd")
        return text if lsd is None else f"{text}, LSD {lsd:.2f} dB"
    return "not measured"


def models_table(models: list[ShippedModel]) -> str:
    """A plain-text table of ``models``: name, family, what it hides, held-out quality, size."""
    header = ("name", "family", "hides", "held-out cover vs container", "held-out secret vs revealed",
              "size")
    rows = [(m.name, m.family, m.kind, quality(m.heldout, "cover"), quality(m.heldout, "secret"),
             f"{m.size_mb:.0f} MB") for m in models]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in [header, *rows])


def describe_shipped() -> list[ShippedModel]:
    """Every shipped model found by ``shipped_models``, with its family, channels, held-out
    scores and size on disk, sorted by name."""
    from keras_steg.export import read_metadata

    described = []
    for name, folder in sorted(shipped_models().items()):
        metadata = read_metadata(folder)
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        described.append(ShippedModel(
            name=name, folder=folder, family=metadata.get("family", "scnn"),
            cover_channels=int(metadata.get("cover_channels", 3)),
            secret_channels=int(metadata.get("secret_channels", 3)),
            heldout=metadata.get("heldout", {}), size_mb=size / 1e6))
    return described
