"""keras_steg: deep steganography (SCNN, ExypnoSteganos) for Keras 3 / TensorFlow."""

from keras_steg.models import StegModel, build_model

__all__ = ["StegModel", "build_model"]
__version__ = "0.1.0"
