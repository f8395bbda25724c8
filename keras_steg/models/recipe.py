"""Each family's training defaults (optimizers, learning rates, plateau schedules), as data.

The training code reads a family's ``Recipe`` instead of knowing the family: SCNN's two Adams
with two plateau schedulers, Baluja's single Adam, ExypnoSteganos' halving schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlateauSpec:
    """One plateau scheduler: the optimizer attribute it steps ("optimizer" or
    "reveal_optimizer"), the logged value it watches (without the ``val_`` prefix, which is
    added when there is validation data), and ``factor``, ``patience``, ``min_lr``."""

    optimizer: str
    monitor: str
    factor: float
    patience: int
    min_lr: float = 0.0


@dataclass(frozen=True)
class Recipe:
    """A family's optimizer defaults.

    ``reveal_lr`` None means ONE optimizer over all variables (Baluja, ExypnoSteganos);
    a number means SCNN's scheme, a second Adam for the receiver. ``beta`` weighs the secret
    loss, ``alpha`` the cover loss; ``loss`` is the pixel loss ("mse", "sse", "ssim").
    """

    lr: float
    reveal_lr: float | None = None
    beta_1: float = 0.9
    alpha: float = 1.0
    beta: float = 0.75
    loss: str = "mse"
    schedulers: tuple[PlateauSpec, ...] = field(default_factory=tuple)
