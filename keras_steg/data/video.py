"""Video files as streams of RGB uint8 frames (OpenCV), and lossless writing of containers.

Hiding works frame by frame with an image model, so a video is read lazily one frame at a
time: memory stays that of one frame whatever the length. A container must be written
losslessly (FFV1 in .avi, or HuffYUV with ``codec="HFYU"``), or what was hidden is destroyed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from keras_steg.data.files import list_files

VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v")
LOSSLESS_CODECS = ("FFV1", "HFYU")
# Lossy writers OpenCV has, by extension, used only when the user forces lossy output.
LOSSY_CODECS = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "mp4v",
                ".webm": "VP80"}


class VideoError(ValueError):
    """A video that cannot be read or written as asked."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds: frame count (as the container reports it), fps, size."""

    frames: int
    fps: float
    width: int
    height: int


def _open(path: str | os.PathLike) -> cv2.VideoCapture:
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: no such file")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise VideoError(f"{path}: not a video OpenCV can read")
    return capture


def video_info(path: str | os.PathLike) -> VideoInfo:
    """Frame count, fps and size of a video file (VideoError if unreadable)."""
    capture = _open(path)
    try:
        info = VideoInfo(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
                         float(capture.get(cv2.CAP_PROP_FPS)),
                         int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                         int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    finally:
        capture.release()
    if info.width <= 0 or info.height <= 0:
        raise VideoError(f"{path}: a video without frames")
    return info


def read_frames(path: str | os.PathLike, limit: int | None = None) -> Iterator[np.ndarray]:
    """Yield the frames of a video, RGB uint8 (H, W, 3), at most ``limit`` of them."""
    capture = _open(path)
    try:
        count = 0
        while limit is None or count < limit:
            ok, frame = capture.read()
            if not ok:
                break
            count += 1
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        if count == 0:
            raise VideoError(f"{path}: no frame could be decoded")
    finally:
        capture.release()


def list_videos(root: str | os.PathLike) -> list[str]:
    """All video files below ``root`` (recursive, by extension), sorted. ValueError if none."""
    return list_files(root, VIDEO_EXTENSIONS, "videos")


def is_lossless_path(path: str | os.PathLike) -> bool:
    """True for the names we write losslessly (.avi, with FFV1 or HuffYUV)."""
    return Path(path).suffix.lower() == ".avi"


def check_video_output(path: Path, lossy: bool = False) -> None:
    """VideoError unless ``path`` names a video we can write: .avi (lossless FFV1), or with
    ``lossy`` any extension of LOSSY_CODECS."""
    suffix = path.suffix.lower()
    if not lossy and not is_lossless_path(path):
        raise VideoError(f"{path}: a container must be lossless, written as .avi (FFV1); "
                         f"{suffix or 'no extension'} would be lossy and destroy the secret "
                         "(force it with --lossy)")
    if lossy and suffix not in LOSSY_CODECS:
        raise VideoError(f"{path}: unsupported video extension; use one of "
                         f"{', '.join(VIDEO_EXTENSIONS)}")


class VideoWriter:
    """Write RGB uint8 frames to ``path``: FFV1 (lossless) in .avi, or with ``lossy=True`` the
    usual lossy codec of the extension (mp4v for .mp4). Use as a context manager."""

    def __init__(self, path: str | os.PathLike, fps: float, width: int, height: int,
                 lossy: bool = False, codec: str = "FFV1"):
        self.path = Path(path)
        lossy = lossy and not is_lossless_path(self.path)  # .avi is always written losslessly
        check_video_output(self.path, lossy)
        if lossy:
            codec = LOSSY_CODECS[self.path.suffix.lower()]
        elif codec not in LOSSLESS_CODECS:
            raise VideoError(f"codec {codec!r} is not lossless; use one of {LOSSLESS_CODECS}")
        self.size = (width, height)
        self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*codec), fps or 25.0,
                                       self.size)
        if not self._writer.isOpened():
            raise VideoError(f"{self.path}: OpenCV cannot write {codec} video here")
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        """Append one RGB uint8 (H, W, 3) frame of the writer's size."""
        if (frame.shape[1], frame.shape[0]) != self.size:
            raise VideoError(f"frame {frame.shape[1]}x{frame.shape[0]} differs from the video's "
                             f"{self.size[0]}x{self.size[1]}")
        self._writer.write(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> None:
        """Finish the file."""
        self._writer.release()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
