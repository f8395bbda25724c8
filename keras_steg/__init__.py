"""keras_steg: deep steganography (SCNN) for Keras 3 / TensorFlow.

Public API: ``StegModel``, ``build_model``, ``load_pretrained``, ``hide``, ``reveal``.
"""

from keras_steg.inference import hide, reveal
from keras_steg.models import StegModel, build_model
from keras_steg.pretrained import load_pretrained

__all__ = ["StegModel", "build_model", "hide", "reveal", "load_pretrained"]
__version__ = "0.1.0"
