"""PlateauScheduler: each one lowers only its own optimizer's learning rate."""

import keras
import pytest

from keras_steg import build_model
from keras_steg.callbacks import ChannelWarmup, PlateauScheduler, scnn_schedulers


@pytest.fixture(scope="module")
def model():
    m = build_model("scnn")
    m.compile(optimizer=keras.optimizers.Adam(1e-3), reveal_optimizer=keras.optimizers.Adam(1e-3))
    return m


def _rates(model):
    return float(model.optimizer.learning_rate), float(model.reveal_optimizer.learning_rate)


def _run(callbacks, model, logs_per_epoch):
    for cb in callbacks:
        cb.set_model(model)
    for epoch, logs in enumerate(logs_per_epoch):
        for cb in callbacks:
            cb.on_epoch_end(epoch, dict(logs))


def test_hnet_scheduler_reduces_only_the_hiding_optimizer(model):
    model.optimizer.learning_rate.assign(1e-3)
    model.reveal_optimizer.learning_rate.assign(1e-3)
    hnet, rnet = scnn_schedulers(verbose=0)
    # val_loss stalls for 6 epochs (patience 5); val_secret_loss keeps improving.
    logs = [{"val_loss": 1.0, "val_secret_loss": 1.0 - 0.1 * i} for i in range(7)]
    _run([hnet, rnet], model, logs)
    assert _rates(model) == pytest.approx((2e-4, 1e-3))


def test_rnet_scheduler_reduces_only_the_reveal_optimizer(model):
    model.optimizer.learning_rate.assign(1e-3)
    model.reveal_optimizer.learning_rate.assign(1e-3)
    hnet, rnet = scnn_schedulers(verbose=0)
    logs = [{"val_loss": 1.0 - 0.1 * i, "val_secret_loss": 1.0} for i in range(9)]
    _run([hnet, rnet], model, logs)
    assert _rates(model) == pytest.approx((1e-3, 2e-4))


def test_min_lr_and_bad_arguments(model):
    model.optimizer.learning_rate.assign(1e-3)
    cb = PlateauScheduler("optimizer", "val_loss", factor=0.5, patience=1, min_lr=4e-4)
    _run([cb], model, [{"val_loss": 1.0}] * 6)
    assert float(model.optimizer.learning_rate) == pytest.approx(4e-4)
    with pytest.raises(ValueError, match="factor"):
        PlateauScheduler(factor=1.5)
    with pytest.raises(ValueError, match="no optimizer"):
        _run([PlateauScheduler("missing_optimizer")], model, [{"val_loss": 1.0}])


def test_channel_warmup_switches_quantization_on(model):
    cb = ChannelWarmup(steps=2)
    cb.set_model(model)
    model.optimizer.iterations.assign(0)
    cb.on_train_begin()
    assert float(model.channel.enabled) == 0.0
    cb.on_train_batch_end(0)
    assert float(model.channel.enabled) == 0.0
    cb.on_train_batch_end(1)
    assert float(model.channel.enabled) == 1.0


def test_learning_rate_warmup_ramps_both_optimizers_then_stops(model):
    from keras_steg.callbacks import LearningRateWarmup

    model.optimizer.learning_rate.assign(1e-3)
    model.reveal_optimizer.learning_rate.assign(2e-3)
    model.optimizer.iterations.assign(0)
    cb = LearningRateWarmup(steps=4)
    cb.set_model(model)
    cb.on_train_begin()
    seen = []
    for batch in range(6):
        cb.on_train_batch_begin(batch)
        seen.append(_rates(model))
    assert seen[0] == pytest.approx((2.5e-4, 5e-4))
    assert seen[3] == pytest.approx((1e-3, 2e-3))
    assert seen[5] == pytest.approx((1e-3, 2e-3))
