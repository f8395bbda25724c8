"""A tiny real training run: checkpoints, logs, resume after a crash, --init, skipped files."""

import csv
import json
import shutil
from pathlib import Path

import keras
import pytest

from keras_steg.cli import main
from keras_steg.training import TrainConfig, train


class _Crash(keras.callbacks.Callback):
    """Simulates a killed run: raises at the end of the given epoch."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("simulated crash")


@pytest.fixture
def folder(tmp_path, photo_files):
    data = tmp_path / "photos"
    data.mkdir()
    for f in photo_files:
        shutil.copy(f, data)
    (data / "unreadable.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    return data


def _config(folder, out, **overrides):
    settings = dict(crop=32, val_size=32, batch=2, epochs=2, steps_per_epoch=3, val_fraction=0.34,
                    precision="float32", scale_to=None, bn_batches=2)
    if overrides.get("model", "scnn") == "scnn" and "init" not in overrides:
        # SCNN at 1/8 of the paper's filters: what these tests check (checkpoints, resuming,
        # schedules) does not depend on the width, and the paper's is 3x slower on CPU.
        settings["model_config"] = {"width": 0.125}
    return TrainConfig(data=str(folder), out=str(out), **{**settings, **overrides})


def _epochs(out):
    with open(out / "history.csv") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def test_train_writes_checkpoints_logs_and_counts_skipped_files(folder, tmp_path):
    out = tmp_path / "run"
    history = train(_config(folder, out), verbose=0)
    assert len(history.history["loss"]) == 2
    assert (out / "last.keras").is_file() and (out / "best.keras").is_file()
    assert (out / "final.keras").is_file()
    assert any((out / "logs").rglob("events.out.tfevents*"))
    summary = json.loads((out / "train_summary.json").read_text())
    assert [s.split("/")[-1] for s in summary["skipped_files"]] == ["unreadable.png"]
    assert summary["final_val"]["secret_psnr"] > 0  # measured after the BatchNorm pass
    assert {"val_cover_psnr", "val_secret_ssim", "lr_optimizer", "lr_reveal_optimizer"} <= set(
        next(csv.DictReader(open(out / "history.csv"))))


def test_killed_run_resumes_where_it_stopped(folder, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(_config(folder, out, epochs=3), verbose=0, extra_callbacks=[_Crash(epoch=1)])
    assert _epochs(out) == [0, 1]
    # The schedulers' state waits in the backup for the resumed run.
    state = json.loads((out / "backup" / "plateau_reveal_optimizer.json").read_text())
    assert state["wait"] in (0, 1) and state["best"] < 1
    train(_config(folder, out, epochs=3), verbose=0)
    assert _epochs(out) == [0, 1, 2]
    assert not (out / "backup").exists()  # a later fresh run starts with fresh schedulers


def test_cli_train_export_and_continue_with_init(folder, tmp_path, capsys):
    out, exported = tmp_path / "run", tmp_path / "exported"
    args = ["train", "--data", folder, "--out", out, "--size", 32, "--val-size", 32, "--batch", 2,
            "--epochs", 1, "--steps-per-epoch", 2, "--precision", "float32", "--scale-to", 0,
            "--val-fraction", 0.34, "--bn-batches", 2]
    assert main([str(a) for a in args]) == 0
    assert "skipped 1 unreadable file" in capsys.readouterr().out
    assert main(["export", str(out / "final.keras"), "-o", str(exported)]) == 0
    assert (exported / "sender").is_dir() and (exported / "receiver").is_dir()
    args[args.index(out)] = tmp_path / "run2"
    assert main([str(a) for a in args + ["--init", exported]]) == 0
    assert (tmp_path / "run2" / "last.keras").is_file()


def test_finished_run_is_not_overwritten_without_asking(folder, tmp_path):
    out = tmp_path / "run"
    train(_config(folder, out, epochs=1), verbose=0)
    before = (out / "final.keras").read_bytes()
    with pytest.raises(ValueError, match="finished training run"):
        train(_config(folder, out, epochs=1), verbose=0)
    assert (out / "final.keras").read_bytes() == before
    train(_config(folder, out, epochs=1), verbose=0, overwrite=True)
    assert _epochs(out) == [0]
    assert (out / "final.keras").read_bytes() != before


def test_overwrite_after_a_killed_run_starts_afresh(folder, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(_config(folder, out, epochs=3), verbose=0, extra_callbacks=[_Crash(epoch=1)])
    (out / "STOP").touch()  # also a stale STOP file must not end the new run
    train(_config(folder, out, epochs=2), verbose=0, overwrite=True)
    assert _epochs(out) == [0, 1]
    assert not (out / "backup").exists()


@pytest.mark.parametrize("jitter", [-0.1, 1.5])
def test_scale_jitter_outside_0_1_is_refused(folder, tmp_path, jitter):
    with pytest.raises(ValueError, match="--scale-jitter must be between 0 and 1"):
        _config(folder, tmp_path / "run", scale_jitter=jitter)


def test_scale_jitter_needs_a_scale_range(folder, tmp_path):
    with pytest.raises(ValueError, match="give --scale-to"):
        _config(folder, tmp_path / "run", scale_to=None, scale_jitter=0.5)


@pytest.mark.parametrize("field", ["crop", "val_size"])
def test_sizes_must_be_multiples_of_32(folder, tmp_path, field):
    with pytest.raises(ValueError, match="multiple of 32"):
        _config(folder, tmp_path / "run", **{field: 100})


def test_training_restores_the_precision_policy(folder, tmp_path):
    keras.mixed_precision.set_global_policy("float32")
    train(_config(folder, tmp_path / "run", epochs=1, precision="mixed_bfloat16"), verbose=0)
    assert keras.config.dtype_policy().name == "float32"


def test_stop_file_ends_the_run_cleanly(folder, tmp_path):
    out = tmp_path / "run"

    class _TouchStop(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                (out / "STOP").touch()

    train(_config(folder, out, epochs=5), verbose=0, extra_callbacks=[_TouchStop()])
    assert _epochs(out) == [0, 1]
    assert (out / "final.keras").is_file() and not (out / "STOP").exists()


def test_tfds_training_with_a_validation_split(tiny_tfds, tmp_path):
    name, data_dir = tiny_tfds
    cfg = TrainConfig(data=name, data_dir=data_dir, val_data="validation", out=str(tmp_path / "run"),
                      crop=32, val_size=32, batch=2, epochs=1, steps_per_epoch=2,
                      precision="float32", scale_to=None, bn_batches=1)
    history = train(cfg, verbose=0)
    assert "val_secret_psnr" in history.history


def test_cli_trains_a_single_optimizer_family_with_its_recipe(folder, tmp_path):
    out = tmp_path / "run"
    args = ["train", "--data", folder, "--out", out, "--model", "exypno", "--model-config", "width=0.125",
            "--size", 24, "--val-size", 24, "--batch", 2, "--epochs", 1, "--steps-per-epoch", 2,
            "--precision", "float32", "--scale-to", 0, "--val-fraction", 0.34, "--bn-batches", 0,
            "--channel", "quantize,jpeg:50-95,noise:0.02,crop:0.8"]
    assert main([str(a) for a in args]) == 0
    config = json.loads((out / "train_config.json").read_text())
    assert (config["model_config"], config["lr"], config["reveal_lr"]) == ({"width": 0.125}, 1e-5, None)
    assert config["channel"] == "quantize,jpeg:50-95,noise:0.02,crop:0.8"
    assert (config["alpha"], config["beta"], config["loss"]) == (1.0, 0.75, "sse")
    assert (out / "final.keras").is_file()  # written for families without BatchNorm too
    header = next(csv.DictReader(open(out / "history.csv")))
    assert "lr_optimizer" in header and "lr_reveal_optimizer" not in header
    model = keras.saving.load_model(out / "last.keras", compile=False)
    assert model.name == "exypno" and model.family_config["width"] == 0.125
    assert [a.name for a in model.channel.attacks] == ["jpeg", "noise", "crop"]  # saved with it


def test_reveal_lr_is_refused_for_one_optimizer_families(folder, tmp_path, capsys):
    args = ["train", "--data", str(folder), "--out", str(tmp_path / "run"), "--model", "baluja",
            "--reveal-lr", "1e-3"]
    assert main(args) == 2
    assert "one optimizer" in capsys.readouterr().err
    assert main(args[:-4] + ["--model-config", "nonsense"]) == 2


def test_init_from_an_exported_folder_takes_its_family_config(folder, tmp_path):
    from keras_steg import build_model
    from keras_steg.export import export_model

    exported = export_model(build_model("exypno", width=0.125), tmp_path / "exported")
    cfg = _config(folder, tmp_path / "run", model="exypno", epochs=1, steps_per_epoch=1, crop=24,
                  val_size=24, init=str(exported))
    train(cfg, verbose=0)  # no --model-config needed: the folder's metadata has width 0.125
    with pytest.raises(ValueError, match="is a 'exypno' model; give --model exypno"):
        train(_config(folder, tmp_path / "run2", init=str(exported)), verbose=0)


def test_cli_trains_an_audio_model_and_it_hides_audio(tmp_path, capsys):
    import soundfile

    from keras_steg.data import audio

    clips = tmp_path / "clips"
    clips.mkdir()
    for f in sorted((Path(__file__).parent / "data" / "audio").glob("*.flac")):
        shutil.copy(f, clips)
    short = audio.load_audio(clips / "asterisk_001.flac")[:16000]
    soundfile.write(clips / "short.wav", short, audio.SAMPLE_RATE)  # 1 s: skipped and counted
    out = tmp_path / "run"
    args = ["train", "--modality", "audio", "--data", clips, "--out", out, "--size", 32,
            "--batch", 2, "--epochs", 1, "--steps-per-epoch", 2, "--val-fraction", 0,
            "--precision", "float32", "--bn-batches", 1]
    assert main([str(a) for a in args]) == 0
    assert "skipped 1 clip(s) shorter than 4 s" in capsys.readouterr().out
    config = json.loads((out / "train_config.json").read_text())
    # The default representation: one-channel networks in the magnitude adapter.
    assert (config["modality"], config["model_config"], config["crop"]) == (
        "audio", {"channels": 1, "audio_representation": "magnitude"}, 32)
    assert main(["export", str(out / "final.keras"), "-o", str(tmp_path / "model")]) == 0
    meta = json.loads((tmp_path / "model" / "metadata.json").read_text())
    assert (meta["cover_channels"], meta["secret_channels"]) == (2, 1)
    assert meta["config"]["audio_representation"] == "magnitude"
    container = tmp_path / "c.wav"
    assert main(["hide", "--cover", str(clips / "klettres_003.flac"), "--secret",
                 str(clips / "asterisk_001.flac"), "-o", str(container), "--model",
                 str(tmp_path / "model")]) == 0
    assert soundfile.info(container).frames == 3 * audio.WINDOW_SAMPLES
    # Every family takes channel counts; a bad modality is one line, exit 2.
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main([str(a) for a in args[:2]] + ["video"] + [str(a) for a in args[3:]])
    assert "invalid choice: 'video'" in capsys.readouterr().err


def test_a_run_is_reproducible_from_its_seed(folder, tmp_path):
    """--seed fixes the data and the initial weights: two runs log the same losses, another
    seed does not."""
    settings = dict(model="exypno", model_config={"width": 0.0625}, epochs=1, bn_batches=0)
    losses = []
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        history = train(_config(folder, tmp_path / name, seed=seed, **settings), verbose=0)
        losses.append(history.history["loss"])
    assert losses[0] == losses[1]
    assert losses[0] != losses[2]


def test_cosine_decay_replaces_the_plateau_schedulers_and_sets_every_step(folder, tmp_path):
    out = tmp_path / "run"
    train(_config(folder, out, lr_decay="cosine", warmup=1, epochs=1, lr=1e-3, reveal_lr=1e-3), verbose=0)
    model = keras.models.load_model(out / "final.keras")
    # Rates are set before each step: the third and last of 3 steps ran at 1e-3 * cos^2(pi/4).
    assert float(model.optimizer.learning_rate) == pytest.approx(5e-4)
    assert float(model.reveal_optimizer.learning_rate) == pytest.approx(5e-4)
    assert "lr_optimizer" not in next(csv.DictReader(open(out / "history.csv")))  # no plateau logs


def test_unknown_lr_decay_is_refused(folder, tmp_path):
    with pytest.raises(ValueError, match="--lr-decay"):
        _config(folder, tmp_path / "run", lr_decay="step")
