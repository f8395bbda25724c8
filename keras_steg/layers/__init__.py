"""Channel layers applied to the container between the sender and the receiver."""

from keras_steg.layers.attack import Attack
from keras_steg.layers.channel import Channel, Identity, build_channel, parse_channel
from keras_steg.layers.geometry import RandomCrop, RandomResize
from keras_steg.layers.jpeg import DifferentiableJpeg, jpeg_approximation
from keras_steg.layers.noise import RandomGaussianNoise
from keras_steg.layers.quantize import Quantize8Bit
from keras_steg.layers.spectrogram import STFTRoundTrip

__all__ = ["Attack", "Channel", "DifferentiableJpeg", "Identity", "Quantize8Bit", "RandomCrop",
           "RandomGaussianNoise", "RandomResize", "STFTRoundTrip", "build_channel",
           "jpeg_approximation", "parse_channel"]
