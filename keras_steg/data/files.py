"""Finding media files in a folder, by extension."""

from __future__ import annotations

import os
from pathlib import Path


def list_files(root: str | os.PathLike, extensions: tuple[str, ...], what: str) -> list[str]:
    """All files below ``root`` (recursive) whose lower-cased suffix is in ``extensions``,
    sorted; ValueError naming ``what`` ("images", "audio files", ...) if there are none."""
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root}: not a folder")
    files = sorted(str(p) for p in root.rglob("*") if p.suffix.lower() in extensions and p.is_file())
    if not files:
        raise ValueError(f"{root}: no {what} ({', '.join(extensions)}) in this folder")
    return files
