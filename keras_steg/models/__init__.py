"""Model families and the StegModel that trains them all."""

from keras_steg.models.registry import build_model
from keras_steg.models.steg_model import StegModel

__all__ = ["StegModel", "build_model"]
