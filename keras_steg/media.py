"""hide / reveal between files of any kind (image, audio, video), chosen by their extensions.

Pairs (cover kind, secret kind) and how they are hidden:
- image in image: the image model on the whole picture (``inference.Steganographer``);
- audio in audio: both clips cut into consecutive 3.11 s windows, each a (224, 224, 2) STFT
  tensor (``data.audio``); window i of the secret is hidden in window i of the cover; the
  container keeps whole windows (it ends up to one window longer than the cover, in silence);
- audio in image: the cover is cut into a grid of 224x224 tiles and tile k hides window k of
  the clip (silence in tiles left over), so a 640x480 photo holds 2 x 2 windows (12.4 s);
- image in audio: the secret, resized to 224x224, is hidden in every window of the cover; the
  revealed image is the mean over windows (each window is a fresh chance to read it);
- video: frame by frame with an image model; the secret is a video (looped if shorter) or a
  still image hidden in every frame; the container is lossless (FFV1 in .avi).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np

from keras_steg.data import audio
from keras_steg.data.images import IMAGE_EXTENSIONS
from keras_steg.data.video import (
    VIDEO_EXTENSIONS,
    VideoWriter,
    check_video_output,
    is_lossless_path,
    read_frames,
    video_info,
)
from keras_steg.imageio import read_image, to_float, to_uint8, write_png
from keras_steg.inference import (
    Steganographer,
    as_rgb_uint8,
    from_saved_models,
    secret_at_size,
)
from keras_steg.scramble import (
    FRAME_GROUP,
    derive_key,
    scramble,
    scramble_frames,
    unscramble,
    unscramble_frames,
)
from keras_steg.steganalysis.lsb import lsb_hide, lsb_reveal

IMAGE, AUDIO, VIDEO = "image", "audio", "video"
# Channels of the tensors a model hides/reveals -> what they are (1: a log-magnitude audio
# secret, keras_steg.data.audio_magnitude).
CHANNEL_KINDS = {3: IMAGE, 2: AUDIO, 1: AUDIO}
# The shipped model used for a (cover, secret) pair when none is named. Video frames are images.
DEFAULT_MODELS = {
    (IMAGE, IMAGE): "scnn",
    (AUDIO, AUDIO): "scnn_audio",
    (IMAGE, AUDIO): "audio_in_image",
    (AUDIO, IMAGE): "image_in_audio",
}
TILE = audio.BINS  # one audio window is a 224x224 tile
METHODS = ("deep", "lsb")
Progress = Callable[[int, int], None]
ImageMap = Callable[[np.ndarray], np.ndarray]
FramesMap = Callable[[list[np.ndarray]], list[np.ndarray]]
T = TypeVar("T")


class MediaError(ValueError):
    """A file pair or output name that cannot be hidden or written as asked."""


def media_kind(path: str | os.PathLike) -> str:
    """"image", "audio" or "video" from the file's extension; MediaError for anything else."""
    suffix = Path(path).suffix.lower()
    for kind, extensions in ((IMAGE, IMAGE_EXTENSIONS), (AUDIO, audio.AUDIO_EXTENSIONS),
                             (VIDEO, VIDEO_EXTENSIONS)):
        if suffix in extensions:
            return kind
    raise MediaError(f"{path}: unsupported file type {suffix or '(no extension)'}; images "
                     f"{'/'.join(IMAGE_EXTENSIONS)}, audio {'/'.join(audio.AUDIO_EXTENSIONS)}, "
                     f"video {'/'.join(VIDEO_EXTENSIONS)}")


def _frame_kind(kind: str) -> str:
    return IMAGE if kind == VIDEO else kind


def model_kinds(steg: Steganographer) -> tuple[str, str]:
    """(cover kind, secret kind) a loaded model hides, from its channel counts."""
    try:
        return CHANNEL_KINDS[steg.cover_channels], CHANNEL_KINDS[steg.secret_channels]
    except KeyError:
        raise MediaError(f"a model with {steg.cover_channels}-channel covers and "
                         f"{steg.secret_channels}-channel secrets fits no media type") from None


def load_model(model, default: str, wanted: str, precision: str = "float32") -> Steganographer:
    """``model`` (shipped name, folder or Steganographer), or the shipped ``default`` when None,
    loaded to compute in ``precision`` (``from_saved_models``); MediaError naming ``wanted``
    ("audio in image") if the default is not installed."""
    if isinstance(model, Steganographer):
        return model
    try:
        return from_saved_models(model or default, precision)
    except ValueError as err:
        if model:
            raise
        raise MediaError(f"no shipped model hides {wanted} ({default!r} is not installed); "
                         "train one with keras-steg train and pass it with --model") from err


def load_model_for(pair: tuple[str, str], model=None, precision: str = "float32") -> Steganographer:
    """The model for a (cover kind, secret kind) pair: ``model`` (name, folder or
    Steganographer) or the pair's default, in ``precision``; MediaError if it hides another
    pair."""
    pair = (_frame_kind(pair[0]), _frame_kind(pair[1]))
    if pair not in DEFAULT_MODELS:
        raise MediaError(f"cannot hide {pair[1]} in {pair[0]}")
    steg = load_model(model, DEFAULT_MODELS[pair], f"{pair[1]} in {pair[0]}", precision)
    if model_kinds(steg) != pair:
        cover, secret = model_kinds(steg)
        raise MediaError(f"model {model or DEFAULT_MODELS[pair]} hides {secret} in {cover}, "
                         f"not {pair[1]} in {pair[0]}")
    return steg


def _refuse_same_file(out: Path, inputs: list) -> None:
    """MediaError when ``out`` is one of the input files (writing would destroy it)."""
    for source in inputs:
        if out.exists() and Path(source).exists() and os.path.samefile(out, source):
            raise MediaError(f"{out}: is also an input; write the result to another file")


def _check_output(out: Path, kind: str, overwrite: bool, lossy: bool = False) -> None:
    if out.exists() and not overwrite:
        raise MediaError(f"{out}: already exists (use --overwrite to replace it)")
    suffix = out.suffix.lower()
    if kind == IMAGE and suffix != ".png":
        raise MediaError(f"{out}: images are written losslessly as .png; give a .png name")
    if kind == AUDIO and suffix not in audio.LOSSLESS_AUDIO:
        raise MediaError(f"{out}: audio is written losslessly; give a name ending in "
                         f"{', '.join(audio.LOSSLESS_AUDIO)}")
    if kind == VIDEO:
        check_video_output(out, lossy and not is_lossless_path(out))


# === hide ===
def hide_file(cover: str | os.PathLike, secret: str | os.PathLike, out: str | os.PathLike,
              model=None, overwrite: bool = False, lossy: bool = False,
              progress: Progress | None = None, key: str | None = None, method: str = "deep",
              bits: int = 3, precision: str = "float32") -> Path:
    """Hide the file ``secret`` in the file ``cover`` and write the container to ``out``.

    Kinds come from the extensions (see the module docstring for each pair); ``out`` must be
    of the cover's kind and lossless (.png, .wav/.flac/.aiff, .avi) unless ``lossy`` for video.
    ``model``: a shipped name, an exported folder or a Steganographer; default the pair's
    shipped model. ``key``: a passphrase that scrambles a secret image (or video frames)
    before hiding (``keras_steg.scramble``). ``method="lsb"``: the classic ``bits``-bit LSB
    baseline instead of a model (image in image only). ``precision``: what the model computes
    in ("float32", "bfloat16" or "auto", see ``from_saved_models``). Returns the path written.
    """
    cover_kind, secret_kind = media_kind(cover), media_kind(secret)
    out = Path(out)
    _refuse_same_file(out, [cover, secret])
    _check_output(out, cover_kind, overwrite, lossy)
    if secret_kind == VIDEO and cover_kind != VIDEO:
        raise MediaError("a secret video needs a video cover")
    if cover_kind == VIDEO and secret_kind == AUDIO:
        raise MediaError("a video cover hides a video or a still image, not audio")
    to_hide = _keyed(key, secret_kind, hiding=True)
    if _check_method(method, (cover_kind, secret_kind)) == "lsb":
        image = as_rgb_uint8(cover, "cover")
        hidden = to_hide(secret_at_size(secret, image.shape, stacklevel=3))
        return write_png(out, lsb_hide(image, hidden, bits), overwrite=True)
    steg = load_model_for((cover_kind, secret_kind), model, precision)
    if cover_kind == VIDEO:
        return _hide_video(steg, cover, secret, out, lossy, progress, _keyed_frames(key, hiding=True))
    if cover_kind == AUDIO:
        wave = (_hide_in_audio(steg, cover, secret) if secret_kind == AUDIO
                else _hide_image_in_audio(steg, cover, secret, to_hide))
        return audio.write_audio(out, wave)
    if secret_kind == AUDIO:
        return write_png(out, _hide_audio_in_image(steg, cover, secret), overwrite=True)
    image = as_rgb_uint8(cover, "cover")
    hidden = to_hide(secret_at_size(secret, image.shape, stacklevel=3))
    return write_png(out, steg.hide(image, hidden), overwrite=True)


def _check_method(method: str, pair: tuple[str, str]) -> str:
    if method not in METHODS:
        raise MediaError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "lsb" and pair != (IMAGE, IMAGE):
        raise MediaError("LSB hiding is the image-in-image baseline: give an image cover and "
                         "an image secret")
    return method


def _keyed(key: str | None, secret_kind: str, hiding: bool) -> ImageMap:
    """The scramble (``hiding``) or unscramble of secret images under ``key``; identity
    without a key. MediaError for an audio secret (keys scramble images)."""
    if key is not None and secret_kind == AUDIO:
        raise MediaError("--key scrambles secret images and video frames, not audio")
    return _under_key(key, scramble if hiding else unscramble)


def _keyed_frames(key: str | None, hiding: bool) -> FramesMap:
    """The scramble (``hiding``) or unscramble of a group of secret video frames under ``key``,
    blocks shuffled across the group's frames; identity without a key."""
    return _under_key(key, scramble_frames if hiding else unscramble_frames)


def _under_key(key: str | None, keyed: Callable[[T, bytes], T]) -> Callable[[T], T]:
    """``x -> keyed(x, digest of key)``; identity when there is no key."""
    if key is None:
        return lambda x: x
    digest = derive_key(key)
    return lambda x: keyed(x, digest)


def _frame_groups(frames: Iterable[T]) -> Iterator[list[T]]:
    """Lists of FRAME_GROUP consecutive items of ``frames`` (the last one may be shorter)."""
    frames = iter(frames)
    while group := list(islice(frames, FRAME_GROUP)):
        yield group


def _hide_in_audio(steg: Steganographer, cover, secret) -> np.ndarray:
    return hide_audio_in_audio(steg, audio.load_audio(cover), audio.load_audio(secret))


def hide_audio_in_audio(steg: Steganographer, cover: np.ndarray, secret: np.ndarray) -> np.ndarray:
    """Mono 16 kHz waves (N,) in [-1, 1] -> the container wave, whole windows long (float32).

    The secret is peak-normalised first (as in training); MediaError if it is longer than the
    cover's windows hold."""
    secret = audio.normalize_peak(secret)
    windows = audio.window_count(cover.size)
    if secret.size > windows * audio.WINDOW_SAMPLES:
        raise MediaError(f"the secret ({secret.size / audio.SAMPLE_RATE:.1f} s) is longer "
                         f"than the cover can hold ({windows * audio.WINDOW_SECONDS:.1f} s)")
    representation = steg.representation
    containers = steg.hide_tensors(representation.cover_tensors(cover, windows),
                                   representation.secret_tensors(secret, windows))
    return representation.container_audio(containers)


def reveal_audio_from_audio(steg: Steganographer, container: np.ndarray) -> np.ndarray:
    """A container wave (N,) -> the revealed secret wave (whole windows; trailing silence kept)."""
    representation = steg.representation
    return representation.secret_audio(steg.reveal_tensors(representation.cover_tensors(container)))


def _hide_image_in_audio(steg: Steganographer, cover, secret, to_hide: ImageMap) -> np.ndarray:
    cover_tensors = steg.representation.cover_tensors(audio.load_audio(cover))
    image = to_hide(cv2.resize(as_rgb_uint8(secret, "secret"), (TILE, TILE), interpolation=cv2.INTER_AREA))
    secrets = np.repeat(to_float(image)[None], len(cover_tensors), axis=0)
    return steg.representation.container_audio(steg.hide_tensors(cover_tensors, secrets))


def tile_grid(image: np.ndarray, name: str) -> tuple[int, int]:
    """(rows, columns) of 224x224 tiles, one audio window each, in an (H, W, C) image;
    MediaError when not even one fits."""
    height, width = image.shape[:2]
    if height < TILE or width < TILE:
        raise MediaError(f"the {name} is {width}x{height}; audio needs at least {TILE}x{TILE} "
                         f"pixels (one {audio.WINDOW_SECONDS:.2f} s window per tile)")
    return height // TILE, width // TILE


def _tiles(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """(rows*224, cols*224, C) -> (rows*cols, 224, 224, C), row-major."""
    c = image.shape[-1]
    return image[:rows * TILE, :cols * TILE].reshape(rows, TILE, cols, TILE, c).swapaxes(1, 2) \
        .reshape(rows * cols, TILE, TILE, c)


def _untile(tiles: np.ndarray, rows: int, cols: int) -> np.ndarray:
    c = tiles.shape[-1]
    return tiles.reshape(rows, cols, TILE, TILE, c).swapaxes(1, 2).reshape(rows * TILE, cols * TILE, c)


def _hide_audio_in_image(steg: Steganographer, cover, secret) -> np.ndarray:
    image = as_rgb_uint8(cover, "cover")
    rows, cols = tile_grid(image, "cover")
    wave = audio.normalize_peak(audio.load_audio(secret))
    if audio.window_count(wave.size) > rows * cols:
        raise MediaError(f"the secret ({wave.size / audio.SAMPLE_RATE:.1f} s) is longer than a "
                         f"{image.shape[1]}x{image.shape[0]} cover holds "
                         f"({rows * cols} tiles of {audio.WINDOW_SECONDS:.2f} s)")
    containers = steg.hide_tensors(to_float(_tiles(image, rows, cols)),
                                   steg.representation.secret_tensors(wave, rows * cols))
    container = image.copy()  # pixels outside the tile grid stay as they were
    container[:rows * TILE, :cols * TILE] = to_uint8(_untile(containers, rows, cols))
    return container


def looped_frames(secret, size: tuple[int, int]):
    """Endless secret frames resized to ``size`` (w, h): a still image every frame, or a
    video's frames looped (read lazily: one frame in memory at a time)."""
    if media_kind(secret) == IMAGE:
        still = cv2.resize(read_image(secret), size, interpolation=cv2.INTER_AREA)
        while True:
            yield still
    while True:  # a shorter secret video starts again from its first frame
        for frame in read_frames(secret):
            yield cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def _hide_video(steg, cover, secret, out: Path, lossy: bool, progress, to_hide: FramesMap) -> Path:
    info = video_info(cover)
    secret_frames = video_info(secret).frames if media_kind(secret) == VIDEO else None
    if secret_frames is not None and secret_frames < info.frames:
        warnings.warn(f"the secret video has fewer frames ({secret_frames}) than the "
                      f"cover ({info.frames}): it is looped", UserWarning, stacklevel=3)
    secrets = looped_frames(secret, (info.width, info.height))

    def containers():
        for group in _frame_groups(zip(read_frames(cover), secrets)):
            covers, secret_group = zip(*group)
            for frame, secret_frame in zip(covers, to_hide(list(secret_group))):
                yield steg.hide(frame, secret_frame)
    return _write_video(out, info, containers(), lossy, progress)


def _write_video(out: Path, info, frames: Iterable[np.ndarray], lossy: bool, progress) -> Path:
    """Write ``frames`` (H, W, 3) uint8 at ``info``'s fps and size, reporting progress."""
    with VideoWriter(out, info.fps, info.width, info.height, lossy=lossy) as writer:
        for written, frame in enumerate(frames, start=1):
            writer.write(frame)
            if progress:
                progress(written, max(info.frames, written))
    return out


# === reveal ===
def reveal_file(container: str | os.PathLike, out: str | os.PathLike, model=None,
                overwrite: bool = False, progress: Progress | None = None,
                key: str | None = None, method: str = "deep", bits: int = 3,
                precision: str = "float32") -> Path:
    """Reveal the secret of the file ``container`` into ``out`` (its kind from the model:
    image .png, audio .wav/.flac/.aiff, or video from a video container). ``model``: a
    shipped name, folder or Steganographer; default by the container's kind (scnn for images
    and video, scnn_audio for audio). ``key``: the passphrase the secret was hidden with
    (a wrong one gives a shuffle of blocks). ``method="lsb"``: read a ``bits``-bit LSB
    container. ``precision`` as for ``hide_file``. Returns the path written."""
    kind = media_kind(container)
    out = Path(out)
    _refuse_same_file(out, [container])
    if _check_method(method, (kind, media_kind(out))) == "lsb":
        _check_output(out, IMAGE, overwrite)
        revealed = lsb_reveal(as_rgb_uint8(container, "container"), bits)
        return write_png(out, _keyed(key, IMAGE, hiding=False)(revealed), overwrite=True)
    frame_kind = _frame_kind(kind)
    steg = load_model(model, DEFAULT_MODELS[(frame_kind, frame_kind)], f"{frame_kind} in {frame_kind}",
                      precision)
    cover_kind, secret_kind = model_kinds(steg)
    if kind == VIDEO and secret_kind != IMAGE:
        raise MediaError(f"{container}: video frames hide images; this model's secrets are {secret_kind}")
    if cover_kind != frame_kind:
        raise MediaError(f"{container}: the model reveals from {cover_kind} containers, this is {kind}")
    out_kind = VIDEO if kind == VIDEO else secret_kind
    if media_kind(out) != out_kind:
        raise MediaError(f"{out}: the revealed secret is {out_kind}; give a matching file name")
    _check_output(out, out_kind, overwrite, lossy=True)  # a revealed video may be lossy
    to_show = _keyed(key, secret_kind, hiding=False)
    if kind == VIDEO:
        return _reveal_video(steg, container, out, progress, _keyed_frames(key, hiding=False))
    if kind == AUDIO:
        wave = audio.load_audio(container)
        if secret_kind == IMAGE:
            revealed = steg.reveal_tensors(steg.representation.cover_tensors(wave))
            return write_png(out, to_show(to_uint8(revealed.mean(axis=0))), overwrite=True)
        return audio.write_audio(out, trim_silence(reveal_audio_from_audio(steg, wave)))
    if secret_kind == AUDIO:
        image = as_rgb_uint8(container, "container")
        rows, cols = tile_grid(image, "container")
        revealed = steg.reveal_tensors(to_float(_tiles(image, rows, cols)))
        return audio.write_audio(out, trim_silence(steg.representation.secret_audio(revealed)))
    return write_png(out, to_show(steg.reveal(container)), overwrite=True)


def trim_silence(wave: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Drop the trailing part of ``wave`` quieter than ``threshold`` times its peak (the
    silence that pads the last window), keeping 0.1 s after the last louder sample."""
    loud = np.flatnonzero(np.abs(wave) > threshold * max(float(np.max(np.abs(wave))), 1e-9))
    end = (loud[-1] + 1 + audio.SAMPLE_RATE // 10) if loud.size else 0
    return wave[:min(end, wave.size)]


def _reveal_video(steg, container, out: Path, progress, to_show: FramesMap) -> Path:
    revealed = (frame for group in _frame_groups(read_frames(container))
                for frame in to_show([steg.reveal(f) for f in group]))
    # A revealed video may be lossy: it is the end of the line.
    return _write_video(out, video_info(container), revealed, True, progress)


# === The package's front door ===
IN_MEMORY_OPTIONS = ("key", "method", "bits", "precision")


def _check_options(options: dict) -> None:
    unknown = sorted(set(options) - set(IN_MEMORY_OPTIONS))
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(unknown)} for images in memory; "
                        f"choose from {', '.join(IN_MEMORY_OPTIONS)} (or give out= for files)")


def hide(cover, secret, out: str | os.PathLike | None = None, model=None, **options):
    """Hide ``secret`` in ``cover``.

    With ``out``: both are file paths of any supported kind and the container is written there
    (``hide_file``; ``options``: overwrite, lossy, progress, key, method, bits, precision);
    returns the path. Without ``out``: images (paths, arrays, PIL) in, the container RGB uint8
    (H, W, 3) returned (``options``: key, method, bits, precision).
    """
    if out is not None:
        return hide_file(cover, secret, out, model, **options)
    from keras_steg.inference import hide as hide_image

    _check_options(options)
    image = as_rgb_uint8(cover, "cover")
    secret = secret_at_size(secret, image.shape, stacklevel=3)
    secret = _keyed(options.get("key"), IMAGE, hiding=True)(secret)
    if _check_method(options.get("method", "deep"), (IMAGE, IMAGE)) == "lsb":
        return lsb_hide(image, secret, options.get("bits", 3))
    return hide_image(image, secret, model, options.get("precision", "float32"))


def reveal(container, out: str | os.PathLike | None = None, model=None, **options):
    """Reveal the secret of ``container``: written to ``out`` (``reveal_file``; returns the
    path) or, without ``out``, an image's secret returned as RGB uint8 (H, W, 3)
    (``options``: key, method, bits, precision, as for ``hide``)."""
    if out is not None:
        return reveal_file(container, out, model, **options)
    from keras_steg.inference import reveal as reveal_image

    _check_options(options)
    if _check_method(options.get("method", "deep"), (IMAGE, IMAGE)) == "lsb":
        revealed = lsb_reveal(as_rgb_uint8(container, "container"), options.get("bits", 3))
    else:
        revealed = reveal_image(container, model, options.get("precision", "float32"))
    return _keyed(options.get("key"), IMAGE, hiding=False)(revealed)
