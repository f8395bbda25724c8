"""Channel layers applied to the container between the sender and the receiver."""

from keras_steg.layers.channel import build_channel
from keras_steg.layers.quantize import Quantize8Bit

__all__ = ["Quantize8Bit", "build_channel"]
