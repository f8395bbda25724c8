"""Image pipelines: folders, tfds (offline), crops, pairing, unreadable files."""

import shutil

import cv2
import numpy as np
import pytest
import tensorflow as tf

from keras_steg.data import images as image_data


def _solid_folder(tmp_path, colours):
    """Images each of one flat colour, so a crop tells which file it came from."""
    for i, value in enumerate(colours):
        cv2.imwrite(str(tmp_path / f"img{i}.png"), np.full((40 + 10 * i, 50, 3), value, np.uint8))
    return tmp_path


def test_list_images_recursive_by_extension(tmp_path, photo_files):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(photo_files[0], tmp_path / "a" / "b" / "x.JPG")
    shutil.copy(photo_files[1], tmp_path / "y.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    assert [p.split("/")[-1] for p in image_data.list_images(tmp_path)] == ["x.JPG", "y.jpg"]


def test_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no images"):
        image_data.list_images(tmp_path)
    with pytest.raises(ValueError, match="not a folder"):
        image_data.list_images(tmp_path / "missing")


def test_split_is_seeded_and_disjoint(photo_files):
    train, val = image_data.split_files(photo_files, 0.4, seed=3)
    assert len(val) == 2 and not set(train) & set(val)
    assert image_data.split_files(photo_files, 0.4, seed=3) == (train, val)


@pytest.mark.parametrize("n,n_val", [(2, 0), (3, 0), (4, 2), (10, 2), (30, 3)])
def test_validation_gets_two_images_or_none(n, n_val):
    files = [f"img{i}.jpg" for i in range(n)]
    train, val = image_data.split_files(files, 0.1)
    assert len(val) == n_val and len(train) == n - n_val


def test_fewer_than_two_readable_images_is_an_error_not_a_hang(tmp_path, photo_files):
    shutil.copy(photo_files[0], tmp_path)
    (tmp_path / "broken.jpg").write_text("not a jpeg")
    src = image_data.folder_source(image_data.list_images(tmp_path))
    with pytest.raises(ValueError, match="at least two readable images"):
        image_data.training_pairs(src, crop=32, batch_size=2)


def test_training_pairs_shapes_range_and_reproducible(photo_files):
    src = image_data.folder_source(photo_files)
    ds = image_data.training_pairs(src, crop=32, batch_size=3, seed=7)
    a = next(iter(ds))
    b = next(iter(image_data.training_pairs(image_data.folder_source(photo_files), 32, 3, seed=7)))
    for key in ("cover", "secret"):
        assert a[key].shape == (3, 32, 32, 3) and a[key].dtype == tf.float32
        assert 0.0 <= float(tf.reduce_min(a[key])) and float(tf.reduce_max(a[key])) <= 1.0
        np.testing.assert_array_equal(a[key].numpy(), b[key].numpy())


def test_no_image_hides_itself(tmp_path):
    folder = _solid_folder(tmp_path, [0, 80, 160, 240])
    src = image_data.folder_source(image_data.list_images(folder))
    ds = image_data.training_pairs(src, crop=16, batch_size=8, seed=0, scale_to=None)
    for batch in ds.take(20):
        cover = np.round(batch["cover"].numpy().mean(axis=(1, 2, 3)) * 255)
        secret = np.round(batch["secret"].numpy().mean(axis=(1, 2, 3)) * 255)
        assert not np.any(cover == secret)


def test_small_images_are_resized_up_large_ones_cropped(photos):
    patch = image_data.random_crop(tf.constant(photos[0][:20, :30]), 64, tf.constant([1, 2]))
    assert patch.shape == (64, 64, 3)
    # A large image at native scale: the patch is an exact crop (no resampling).
    big = photos[1]
    patch = image_data.random_crop(tf.constant(big), 32, tf.constant([3, 4])).numpy()
    windows = np.lib.stride_tricks.sliding_window_view(big, (32, 32, 3))[..., :, :, :]
    flipped = patch[:, ::-1]
    found = any(np.abs(w - 255 * p).max() < 0.51 for w in windows.reshape(-1, 32, 32, 3)
                for p in (patch, flipped))
    assert found


def test_scale_jitter_zero_crops_at_the_validation_scale(photos):
    # A square photo, crop == scale_to, no jitter: the patch is the whole photo shown at
    # scale_to pixels, the centre square validation scores (up to the random flip).
    big = photos[1]
    side = min(big.shape[:2])
    square = tf.constant(big[:side, :side])
    whole = image_data.center_square(square, 32).numpy()
    for seed in ([1, 2], [3, 4], [5, 6]):
        patch = image_data.random_crop(square, 32, tf.constant(seed), scale_to=32,
                                       scale_jitter=0.0).numpy()
        assert min(np.abs(patch - whole).max(), np.abs(patch[:, ::-1] - whole).max()) < 1e-5
    # With the full range, some patches are taken nearer native scale: not the whole photo.
    patches = [image_data.random_crop(square, 32, tf.constant([s, 0]), scale_to=32).numpy()
               for s in range(4)]
    assert max(min(np.abs(p - whole).max(), np.abs(p[:, ::-1] - whole).max()) for p in patches) > 0.05


def test_training_pairs_without_jitter_crop_the_whole_photo_shown_at_scale_to(photos, photo_files):
    # Each photo shown with its short side at 24 px; every training crop is a 24x24 window of
    # one of them (the pipeline shrinks each photo once instead of on every crop).
    shown = []
    for photo in photos:
        scale = 24 / min(photo.shape[:2])
        size = [round(photo.shape[0] * scale), round(photo.shape[1] * scale)]
        shown.append(tf.image.resize(tf.constant(photo, tf.float32), size, antialias=True).numpy() / 255)
    windows = [w for image in shown for w in
               np.lib.stride_tricks.sliding_window_view(image, (24, 24, 3)).reshape(-1, 24, 24, 3)]
    src = image_data.folder_source(photo_files)
    batch = next(iter(image_data.training_pairs(src, crop=24, batch_size=4, seed=3, scale_to=24,
                                                scale_jitter=0.0)))
    for patch in np.concatenate([batch["cover"], batch["secret"]]):
        error = min(np.abs(w - p).max() for w in windows for p in (patch, patch[:, ::-1]))
        assert error < 1 / 255  # the cached uint8 photo is rounded once


def test_shrink_leaves_the_coarser_part_of_the_scale_range():
    # 1024x768 shown at 256 is 3x smaller; jitter 0.5 keeps scales 1 to sqrt(3) of that range,
    # so the photo is shrunk by sqrt(3) and photos already at or below scale_to are kept.
    image = tf.zeros([768, 1024, 3], tf.uint8)
    assert image_data._shrink(image, 256, 0.5).shape == (443, 591, 3)
    assert image_data._shrink(image, 256, 0.0).shape == (256, 341, 3)
    assert image_data._shrink(image, 256, 1.0).shape == (768, 1024, 3)
    assert image_data._shrink(tf.zeros([100, 150, 3], tf.uint8), 256, 0.0).shape == (100, 150, 3)


def test_unreadable_files_are_skipped_and_counted(tmp_path, photo_files):
    for f in photo_files[:3]:
        shutil.copy(f, tmp_path)
    (tmp_path / "broken.png").write_text("this is text, not a PNG")
    src = image_data.folder_source(image_data.list_images(tmp_path))
    ds = image_data.training_pairs(src, crop=32, batch_size=2, seed=0)
    for _ in ds.take(10):
        pass
    assert [p.split("/")[-1] for p in set(src.skipped)] == ["broken.png"]


def test_evaluation_pairs_are_deterministic_centre_squares(photo_files):
    src = image_data.folder_source(photo_files[:3])
    batches = list(image_data.evaluation_pairs(src, size=32, batch_size=2))
    covers = np.concatenate([b["cover"] for b in batches])
    secrets = np.concatenate([b["secret"] for b in batches])
    assert covers.shape == (3, 32, 32, 3)
    np.testing.assert_array_equal(secrets, np.roll(covers, -1, axis=0))


def test_tfds_dataset_offline(tiny_tfds, photo_files):
    name, data_dir = tiny_tfds
    src = image_data.tfds_source(name, data_dir)
    assert src.size == 3  # the train split holds the first three photos
    batch = next(iter(image_data.training_pairs(src, crop=32, batch_size=2, seed=0)))
    assert batch["cover"].shape == (2, 32, 32, 3)


def test_missing_tfds_dataset_fails_fast(tmp_path):
    with pytest.raises(ValueError, match="could not be loaded"):
        image_data.tfds_source("no_such_dataset_xyz", str(tmp_path))


def test_scrambled_secrets_keep_pixel_values_but_not_layout(photo_files):
    from keras_steg.imageio import to_uint8

    plain = next(iter(image_data.training_pairs(image_data.folder_source(photo_files), 32, 3, seed=7)))
    keyed = next(iter(image_data.training_pairs(image_data.folder_source(photo_files), 32, 3, seed=7,
                                                scramble_block=8)))
    np.testing.assert_array_equal(plain["cover"].numpy(), keyed["cover"].numpy())
    for a, b in zip(to_uint8(plain["secret"].numpy()), to_uint8(keyed["secret"].numpy())):
        assert not np.array_equal(a, b)
        # blocks are moved and some colours inverted: each channel's values, folded so that
        # v and 255 - v count alike, are the same multiset
        for c in range(3):
            fold = lambda x: np.sort(np.minimum(x, 255 - x).ravel())  # noqa: E731
            np.testing.assert_array_equal(fold(a[..., c]), fold(b[..., c]))
    val = image_data.evaluation_pairs(image_data.folder_source(photo_files[:3]), 32, 2,
                                      scramble_block=8)
    first, again = (np.concatenate([b["secret"] for b in val]) for _ in range(2))
    np.testing.assert_array_equal(first, again)  # the same keys every epoch


def test_scrambled_secrets_are_for_images_only():
    from keras_steg.training import TrainConfig

    with pytest.raises(ValueError, match="--modality image"):
        TrainConfig(data="x", out="y", modality="audio", scramble_secrets=True)
