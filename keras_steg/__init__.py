"""keras_steg: deep steganography (SCNN) for Keras 3 / TensorFlow.

Public API: ``StegModel``, ``build_model``, ``load_pretrained``, ``hide``, ``reveal``.
They are imported on first use, so ``import keras_steg.cli`` can quiet TensorFlow's start-up
logging before TensorFlow itself is imported.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "StegModel": "keras_steg.models.steg_model",
    "build_model": "keras_steg.models.registry",
    "load_pretrained": "keras_steg.pretrained",
    "hide": "keras_steg.inference",
    "reveal": "keras_steg.inference",
}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'keras_steg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
