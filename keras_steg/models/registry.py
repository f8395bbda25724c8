"""build_model(family, **config) -> StegModel: one entry point for every model family.

A family is a module with ``steg_model(**config) -> StegModel``, a training ``RECIPE`` and a
one-line ``DESCRIPTION``; this table is the only place that lists them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import ModuleType

from keras_steg.models import audio_adapter, baluja, exypno, scnn
from keras_steg.models.recipe import Recipe
from keras_steg.models.steg_model import StegModel


@dataclass(frozen=True)
class Family:
    """A model family: its module (builder and recipe) and the spatial multiple its sender needs."""

    module: ModuleType
    multiple: int

    @property
    def recipe(self) -> Recipe:
        """The family's default optimizers, loss and plateau schedules (``models/recipe.py``)."""
        return self.module.RECIPE


FAMILIES: dict[str, Family] = {
    "scnn": Family(scnn, scnn.HNET_MULTIPLE),
    "baluja": Family(baluja, 1),
    "exypno": Family(exypno, 1),
}


# A config key of every family: "magnitude" wraps the family's one-channel networks with
# models/audio_adapter.py (audio in audio as log-magnitude spectrograms).
AUDIO_REPRESENTATION = "audio_representation"


def get_family(family: str) -> Family:
    """The ``Family`` named ``family``; ValueError naming the known ones otherwise."""
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose one of {sorted(FAMILIES)}")
    return FAMILIES[family]


def family_multiple(family: str) -> int:
    """The spatial multiple of ``family``'s sender (32 for SCNN, 1 for the others)."""
    return get_family(family).multiple


def family_receiver_multiple(family: str, config: dict) -> int:
    """The multiple a receiver of ``family`` built with ``config`` needs its tiles to start at:
    the family module's ``receiver_multiple(**config)`` (SCNN with a block context: 8), else 1."""
    module = FAMILIES[family].module if family in FAMILIES else None
    rule = getattr(module, "receiver_multiple", None)
    return int(rule(**config)) if rule else 1


def build_model(family: str, **config) -> StegModel:
    """An untrained StegModel of ``family`` ("scnn", "baluja", "exypno").

    ``config`` goes to the family's ``steg_model`` (e.g. ``width=0.25`` for "exypno",
    ``filters=16`` for "baluja") and is kept as ``model.family_config`` so an exported model
    can be rebuilt; ``audio_representation="magnitude"`` with one-channel covers and secrets
    makes an audio-in-audio model (``models/audio_adapter.py``). An argument the family does
    not take is a ValueError.
    """
    config = family_config(family, config)
    family_args = {k: v for k, v in config.items() if k != AUDIO_REPRESENTATION}
    model = get_family(family).module.steg_model(**family_args)
    if config.get(AUDIO_REPRESENTATION) == audio_adapter.MAGNITUDE:
        model = audio_adapter.magnitude_audio_model(model)
    model.family_config = config
    return model


def family_config(family: str, config: dict) -> dict:
    """``config`` completed with the defaults of ``family``'s builder (so an exported model is
    rebuilt the same even if a default changes later); ValueError for an argument it lacks."""
    config = dict(config)
    representation = config.pop(AUDIO_REPRESENTATION, None)
    signature = inspect.signature(get_family(family).module.steg_model)
    try:
        bound = signature.bind(**config)
    except TypeError as err:
        raise ValueError(f"{family}: {err}; it takes {', '.join(signature.parameters)}") from None
    bound.apply_defaults()
    if representation is None:
        return dict(bound.arguments)
    if representation != audio_adapter.MAGNITUDE:
        raise ValueError(f"{AUDIO_REPRESENTATION} must be {audio_adapter.MAGNITUDE!r} (or absent), "
                         f"got {representation!r}")
    return {**bound.arguments, AUDIO_REPRESENTATION: representation}
