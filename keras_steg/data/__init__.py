"""Data pipelines: image folders and tfds datasets."""
