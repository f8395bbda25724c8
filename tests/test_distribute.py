"""tf.distribute: SCNN's two optimizers and the one-optimizer families train under a
MirroredStrategy over 2 logical CPU devices with the loss trajectory of one device.

Logical devices must be set before TensorFlow starts, so each check runs in a fresh process.
"""

import json
import shutil
import subprocess
import sys

import pytest

# Trains the same model on the same fixed batches (no shuffling: each new iterator of a
# reshuffling pipeline gives other batches) on one device and mirrored on two; prints both
# loss trajectories as JSON.
TRAJECTORIES = """
import json, sys
import numpy as np, keras
from keras_steg.distribute import make_strategy, use_cpu_replicas
use_cpu_replicas(2)
import tensorflow as tf
from keras_steg import build_model
family, config = sys.argv[1], json.loads(sys.argv[2])
rng = np.random.default_rng(0)
data = {k: rng.random((24, 32, 32, 3), dtype=np.float32) for k in ("cover", "secret")}
result = {}
for name in ("none", "mirrored"):
    strategy = make_strategy(name)
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = build_model(family, **config)
        two = {"reveal_optimizer": keras.optimizers.Adam(1e-3)} if family == "scnn" else {}
        model.compile(optimizer=keras.optimizers.Adam(1e-3), **two)
    batches = tf.data.Dataset.from_tensor_slices(data).batch(8)
    history = model.fit(batches, epochs=4, verbose=0, shuffle=False)
    result[name] = {"loss": history.history["loss"], "replicas": strategy.num_replicas_in_sync}
print(json.dumps(result))
"""


@pytest.mark.parametrize("family,config,rtol", [
    ("exypno", {"width": 0.0625, "noise_stddev": 0.0}, 1e-4),
    # SCNN has BatchNorm: each replica normalises its half batch, so the losses differ a little.
    ("scnn", {}, 2e-2),
])
def test_mirrored_training_follows_the_single_device_trajectory(family, config, rtol):
    result = subprocess.run([sys.executable, "-c", TRAJECTORIES, family, json.dumps(config)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = json.loads(result.stdout.strip().splitlines()[-1])
    assert runs["none"]["replicas"] == 1 and runs["mirrored"]["replicas"] == 2
    single, mirrored = runs["none"]["loss"], runs["mirrored"]["loss"]
    assert single[-1] < single[0]  # it learns
    assert mirrored == pytest.approx(single, rel=rtol)


def test_cli_trains_scnn_mirrored_on_two_cpu_replicas(photo_files, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for f in photo_files:
        shutil.copy(f, folder)
    result = subprocess.run(
        [sys.executable, "-m", "keras_steg.cli", "train", "--data", str(folder),
         "--out", str(tmp_path / "run"), "--size", "32", "--val-size", "32", "--batch", "4",
         "--epochs", "1", "--steps-per-epoch", "2",
         "--precision", "float32", "--bn-batches", "2", "--strategy", "mirrored", "--cpu-replicas", "2"],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 replicas, 2 pairs each per step" in result.stdout
    assert (tmp_path / "run" / "final.keras").is_file()
    config = json.loads((tmp_path / "run" / "train_config.json").read_text())
    assert (config["strategy"], config["cpu_replicas"]) == ("mirrored", 2)


def test_bad_strategy_settings_are_refused(tmp_path, photo_files, run, one_line_error):
    code, _, err = run("train", "--data", tmp_path, "--out", tmp_path / "r", "--strategy", "mirrored",
                       "--cpu-replicas", "3", "--batch", "4")
    one_line_error(code, err, "split evenly")
