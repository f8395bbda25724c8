"""Image decoding: EXIF orientation, conversions with notes, clear errors."""

import cv2
import numpy as np
import pytest

from keras_steg.imageio import ImageError, decode_image, write_png


def _jpeg_with_orientation(image_bgr: np.ndarray, orientation: int) -> bytes:
    """A baseline JPEG with an EXIF APP1 segment holding only the Orientation tag."""
    ok, jpeg = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    tiff = (b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01"            # header, one IFD entry
            + b"\x01\x12\x00\x03\x00\x00\x00\x01" + orientation.to_bytes(2, "big") + b"\x00\x00"
            + b"\x00\x00\x00\x00")                                       # no next IFD
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    data = jpeg.tobytes()
    return data[:2] + app1 + data[2:]


def test_jpeg_exif_orientation_is_applied(photos):
    bgr = cv2.cvtColor(photos[0], cv2.COLOR_RGB2BGR)  # 72 x 96, landscape
    upright = decode_image(_jpeg_with_orientation(bgr, 1))
    rotated = decode_image(_jpeg_with_orientation(bgr, 6))  # "rotate 90 CW to display"
    assert upright.shape == (72, 96, 3)
    assert rotated.shape == (96, 72, 3)
    np.testing.assert_allclose(rotated.astype(float), np.rot90(upright, k=-1).astype(float), atol=40)


def test_png_round_trip_is_lossless_and_refuses_to_overwrite(tmp_path, photos):
    path = write_png(tmp_path / "x.png", photos[1])
    np.testing.assert_array_equal(decode_image(path.read_bytes()), photos[1])
    with pytest.raises(ImageError, match="already exists"):
        write_png(path, photos[0])
    with pytest.raises(ImageError, match=".png"):
        write_png(tmp_path / "x.jpg", photos[0])


def test_empty_and_garbage_bytes_are_clear_errors():
    for data in (b"", b"GIF89a nonsense"):
        with pytest.raises(ImageError, match="not a readable image"):
            decode_image(data, "f")
