"""hide / reveal at any size, uint8 in and out, from arrays, PIL images and paths."""

import numpy as np
import pytest
from PIL import Image

from keras_steg.imageio import ImageError
from keras_steg.inference import from_saved_models, hide, pad_to_multiple, reveal


@pytest.fixture(scope="module")
def steg(exported_scnn):
    return from_saved_models(str(exported_scnn))


def test_pad_to_multiple_reflects_and_keeps_content():
    image = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    padded = pad_to_multiple(image, 4)
    assert padded.shape == (8, 8, 3)
    np.testing.assert_array_equal(padded[:5, :7], image)
    np.testing.assert_array_equal(padded[5, :7], image[3])


@pytest.mark.parametrize("shape", [(72, 96), (54, 96), (33, 45)])
def test_any_size_round_trip_shapes(steg, photos, shape):
    h, w = shape
    cover, secret = photos[0][:h, :w], photos[2][:h, :w]
    if cover.shape[:2] != (h, w):
        pytest.skip("test photo smaller than this shape")
    container = steg.hide(cover, secret)
    assert container.shape == (h, w, 3) and container.dtype == np.uint8
    revealed = steg.reveal(container)
    assert revealed.shape == (h, w, 3) and revealed.dtype == np.uint8


def test_secret_of_another_size_is_resized_with_a_warning(steg, photos):
    with pytest.warns(UserWarning, match="resized"):
        container = steg.hide(photos[0], photos[3])
    assert container.shape == photos[0].shape


def test_paths_pil_and_float_arrays_give_the_same_container(steg, photo_files, photos):
    a = steg.hide(photo_files[0], photo_files[1])
    b = steg.hide(Image.open(photo_files[0]), Image.open(photo_files[1]))
    c = steg.hide(photos[0] / 255.0, photos[1] / 255.0)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_module_level_functions_take_a_model_folder(exported_scnn, photos):
    container = hide(photos[0], photos[1], model=str(exported_scnn))
    assert reveal(container, model=str(exported_scnn)).shape == photos[0].shape


def test_too_small_covers_are_refused_small_containers_revealed(steg, photos):
    assert steg.reveal(photos[0][:20, :20]).shape == (20, 20, 3)  # R-net: any size
    with pytest.raises(ImageError, match="at least 32x32"):
        steg.hide(photos[0][:1, :1], photos[1][:1, :1])


def test_bad_arrays_are_refused(steg, photos):
    with pytest.raises(ImageError, match="must be in"):
        steg.hide(photos[0] * 2.0, photos[1])
    with pytest.raises(ImageError, match="expected an"):
        steg.hide(np.zeros((4, 4, 4, 3)), photos[1])


def test_python_api_takes_a_precision(photos):
    """keras_steg.hide / reveal on arrays: precision="bfloat16" runs the shipped model's
    bfloat16 signature (nearly, not exactly, float32's pixels); a wrong name is refused."""
    import keras_steg
    from keras_steg.inference import from_saved_models

    exact = keras_steg.hide(photos[0], photos[1])
    fast = keras_steg.hide(photos[0], photos[1], precision="bfloat16")
    assert fast.shape == exact.shape and fast.dtype == np.uint8
    assert 0 < np.abs(fast.astype(float) - exact).mean() < 1.0
    revealed = keras_steg.reveal(fast, precision="bfloat16")
    assert revealed.shape == photos[1].shape
    assert from_saved_models("scnn", "bfloat16").precision == "bfloat16"
    with pytest.raises(ValueError, match="precision must be one of"):
        from_saved_models("scnn", "float8")


def test_loaded_networks_work_inside_tf_function_and_gradient_tapes(exported_scnn, photos):
    # Users call the loaded networks from their own TF code, e.g. to attack or fine-tune a
    # container. A signature alone holds the SavedModel's variables weakly: once the loaded
    # object was collected, graph-mode calls failed ("referencing variables which have been
    # deleted").
    import gc

    import tensorflow as tf

    from keras_steg.inference import clear_model_cache

    clear_model_cache()
    steg = from_saved_models(str(exported_scnn))
    gc.collect()
    container = tf.constant(photos[0][None, :64, :64] / 255.0, tf.float32)
    eager = steg.receiver(container)
    graph = tf.function(steg.receiver)(container)
    np.testing.assert_allclose(graph.numpy(), eager.numpy(), atol=1e-6)
    secret = tf.constant(photos[1][None, :64, :64] / 255.0, tf.float32)
    np.testing.assert_allclose(tf.function(steg.sender)(container, secret).numpy(),
                               steg.sender(container, secret).numpy(), atol=1e-6)
    with tf.GradientTape() as tape:
        tape.watch(container)
        loss = tf.reduce_mean(tf.function(steg.receiver)(container))
    gradient = tape.gradient(loss, container)
    assert gradient is not None and float(tf.reduce_max(tf.abs(gradient))) > 0
