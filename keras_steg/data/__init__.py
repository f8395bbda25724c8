"""Data pipelines: image folders and tfds datasets, audio clips as STFT tensors, video frames."""
