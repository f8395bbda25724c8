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
    model.optimizer.iterations.assign(1)
    cb.on_train_batch_end(0)
    assert float(model.channel.enabled) == 0.0
    model.optimizer.iterations.assign(2)
    cb.on_train_batch_end(1)
    assert float(model.channel.enabled) == 1.0
    # A resumed run past the warm-up starts with the channel on.
    model.channel.enabled.assign(0.0)
    cb.on_train_begin()
    assert float(model.channel.enabled) == 1.0


def test_learning_rate_warmup_ramps_both_optimizers_then_stops(model):
    from keras_steg.callbacks import LearningRateWarmup

    model.optimizer.learning_rate.assign(1e-3)
    model.reveal_optimizer.learning_rate.assign(2e-3)
    model.optimizer.iterations.assign(0)
    cb = LearningRateWarmup(steps=4)  # targets read from the optimizers at the start
    cb.set_model(model)
    cb.on_train_begin()
    seen = []
    for batch in range(6):
        model.optimizer.iterations.assign(batch)  # one optimizer step per batch
        cb.on_train_batch_begin(batch)
        seen.append(_rates(model))
    model.optimizer.iterations.assign(0)
    assert seen[0] == pytest.approx((2.5e-4, 5e-4))
    assert seen[3] == pytest.approx((1e-3, 2e-3))
    assert seen[5] == pytest.approx((1e-3, 2e-3))


def test_warmup_resumed_midway_uses_the_given_targets(model):
    from keras_steg.callbacks import LearningRateWarmup

    model.optimizer.learning_rate.assign(5e-4)  # half-way through a ramp to 1e-3 when killed
    model.reveal_optimizer.learning_rate.assign(5e-4)
    model.optimizer.iterations.assign(2)
    cb = LearningRateWarmup(steps=4, targets={"optimizer": 1e-3, "reveal_optimizer": 1e-3})
    cb.set_model(model)
    cb.on_train_begin()
    cb.on_train_batch_begin(0)
    assert _rates(model) == pytest.approx((7.5e-4, 7.5e-4))
    model.optimizer.iterations.assign(3)
    cb.on_train_batch_begin(1)
    assert _rates(model) == pytest.approx((1e-3, 1e-3))
    model.optimizer.iterations.assign(0)


def test_scheduler_warns_when_its_value_is_not_logged(model):
    cb = PlateauScheduler("optimizer", "val_typo_loss")
    with pytest.warns(UserWarning, match="val_typo_loss"):
        _run([cb], model, [{"val_loss": 1.0}])


def test_scheduler_state_survives_a_resume(model, tmp_path):
    """A resumed run keeps counting epochs without improvement instead of starting afresh."""
    model.optimizer.learning_rate.assign(1e-3)
    state = tmp_path / "plateau_optimizer.json"
    first = PlateauScheduler("optimizer", "val_loss", patience=3, state_file=str(state))
    first.set_model(model)
    first.on_train_begin()
    _run([first], model, [{"val_loss": 1.0}, {"val_loss": 2.0}, {"val_loss": 2.0}])
    resumed = PlateauScheduler("optimizer", "val_loss", patience=3, state_file=str(state))
    resumed.set_model(model)
    resumed.on_train_begin()
    assert (resumed.best, resumed.wait) == (1.0, 2)
    _run([resumed], model, [{"val_loss": 2.0}])  # the third epoch without improvement
    assert float(model.optimizer.learning_rate) == pytest.approx(2e-4)


def test_recipe_schedulers_follow_the_family(model):
    from keras_steg.callbacks import plateau_schedulers
    from keras_steg.models import baluja, exypno

    (only,) = plateau_schedulers(exypno.RECIPE, validation=False, verbose=0)
    assert (only.optimizer_attr, only.monitor, only.factor, only.patience, only.min_lr) == (
        "optimizer", "loss", 0.5, 3, 1e-7)
    (only,) = plateau_schedulers(baluja.RECIPE, verbose=0)
    assert (only.optimizer_attr, only.monitor) == ("optimizer", "val_loss")


def test_cosine_decay_warms_up_then_falls_to_zero_and_stays(model):
    from keras_steg.callbacks import WarmupCosineDecay

    targets = {"optimizer": 1e-3, "reveal_optimizer": 2e-3}
    cb = WarmupCosineDecay(steps=2, total_steps=6, targets=targets)
    cb.set_model(model)
    cb.on_train_begin()
    seen = []
    for step in range(8):
        model.optimizer.iterations.assign(step)
        cb.on_train_batch_begin(step)
        seen.append(_rates(model))
    model.optimizer.iterations.assign(0)
    assert seen[0] == pytest.approx((5e-4, 1e-3))  # warm-up
    assert seen[2] == pytest.approx((1e-3, 2e-3))  # top of the cosine
    assert seen[4] == pytest.approx((5e-4, 1e-3))  # half-way down
    assert seen[6] == pytest.approx((0.0, 0.0)) and seen[7] == pytest.approx((0.0, 0.0))
    assert all(a[0] >= b[0] for a, b in zip(seen[2:], seen[3:]))  # never rises after the top


def test_cosine_decay_needs_steps_after_the_warmup():
    from keras_steg.callbacks import WarmupCosineDecay

    with pytest.raises(ValueError, match="more steps"):
        WarmupCosineDecay(steps=10, total_steps=10)
