"""The CNN steganalyser: SRM front end, training that learns, saving and loading."""

import numpy as np
import pytest

from keras_steg.steganalysis.cnn import (
    build_steganalyzer,
    cnn_scores,
    load_steganalyzer,
    srm_kernels,
    train_steganalyzer,
)
from keras_steg.steganalysis.lsb import lsb_hide
from keras_steg.steganalysis.roc import auc


def test_srm_bank_is_thirty_distinct_high_pass_filters():
    kernels = srm_kernels()
    assert kernels.shape == (5, 5, 30)
    np.testing.assert_allclose(kernels.sum(axis=(0, 1)), 0, atol=1e-6)  # flat areas -> 0
    flat = kernels.reshape(25, 30).T
    assert len({tuple(np.round(k, 5)) for k in flat}) == 30


def test_model_shape_and_fixed_front_end():
    model = build_steganalyzer()
    out = model(np.zeros((2, 48, 64, 3), np.float32))
    assert out.shape == (2, 1)
    assert not model.get_layer("srm").trainable


def test_learns_to_spot_3_bit_lsb_and_round_trips_through_disk(photos, tmp_path):
    # Training: photos 0-2 (and mirror images); held out: photos 3-4, hiding each other.
    crops = [p[:48, :48] for p in photos]
    covers = crops[:3] + [np.ascontiguousarray(c[:, ::-1]) for c in crops[:3]]
    stegos = [lsb_hide(c, covers[(i + 1) % 6], 3) for i, c in enumerate(covers)]
    model, history = train_steganalyzer(covers, stegos, steps=60, batch=8, crop=32, verbose=0,
                                        steps_per_epoch=20)
    losses = history.history["loss"]
    assert losses[-1] < 0.7 * losses[0]
    held = crops[3:] + [p[-48:, -48:] for p in photos[3:]]
    held_stegos = [lsb_hide(c, held[(i + 1) % 4], 3) for i, c in enumerate(held)]
    assert auc(cnn_scores(model, held), cnn_scores(model, held_stegos)) == 1.0
    path = tmp_path / "sa.keras"
    model.save(path)
    again = load_steganalyzer(path)
    np.testing.assert_allclose(cnn_scores(again, held), cnn_scores(model, held), atol=1e-6)


def test_bad_inputs():
    with pytest.raises(FileNotFoundError):
        load_steganalyzer("missing.keras")
    with pytest.raises(ValueError, match="smaller than"):
        train_steganalyzer([np.zeros((16, 16, 3), np.uint8)], [np.zeros((64, 64, 3), np.uint8)],
                           steps=1, crop=32)
