"""tf.distribute: SCNN's two optimizers and the one-optimizer families train under a
MirroredStrategy over 2 logical CPU devices with the loss trajectory of one device.

Logical devices must be set before TensorFlow starts, so each check runs in a fresh process.
"""

import json
import shutil
import subprocess
import sys

import pytest

# Both scripts below end with this: the same model on the same fixed batches (no shuffling:
# each new iterator of a reshuffling pipeline gives other batches) under each named strategy,
# then their loss trajectories printed as JSON.
FIT_UNDER_EACH = """
from keras_steg import build_model
family, config = sys.argv[1], json.loads(sys.argv[2])
rng = np.random.default_rng(0)
data = {k: rng.random((24, 32, 32, 3), dtype=np.float32) for k in ("cover", "secret")}
result = {}
for name, strategy in strategies:
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

# One device, then mirrored on two logical CPU devices.
TRAJECTORIES = """
import json, sys
import numpy as np, keras
from keras_steg.distribute import make_strategy, use_cpu_replicas
use_cpu_replicas(2)
import tensorflow as tf
strategies = [("none", make_strategy("none")), ("mirrored", make_strategy("mirrored"))]
""" + FIT_UNDER_EACH


@pytest.mark.parametrize("family,config,rtol", [
    ("exypno", {"width": 0.0625, "noise_stddev": 0.0}, 1e-4),
    # SCNN has BatchNorm: each replica normalises its half batch, so the losses differ a little.
    ("scnn", {"width": 0.125}, 2e-2),
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


def _photo_folder(photo_files, tmp_path):
    """The test photos copied into one folder, as `keras-steg train --data` takes them."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for f in photo_files:
        shutil.copy(f, folder)
    return folder


def test_cli_trains_scnn_mirrored_on_two_cpu_replicas(photo_files, tmp_path):
    folder = _photo_folder(photo_files, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "keras_steg.cli", "train", "--data", str(folder),
         "--out", str(tmp_path / "run"), "--model-config", "width=0.125", "--size", "32",
         "--val-size", "32", "--batch", "4",
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


# The same fixed batches under MultiWorkerMirroredStrategy (this process is one worker of the
# TF_CONFIG cluster), then on one device in the same process; prints both trajectories.
MULTIWORKER = """
import json, sys
import tensorflow as tf
from keras_steg.distribute import make_strategy
strategy = make_strategy("multiworker")  # before any other TensorFlow work
import numpy as np, keras
strategies = [("multiworker", strategy), ("none", tf.distribute.get_strategy())]
""" + FIT_UNDER_EACH


def _free_ports(count: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _run_workers(argv: list[str], workers: int = 2, cwd=None) -> list[subprocess.CompletedProcess]:
    """Start ``argv`` once per worker of a localhost cluster (TF_CONFIG set for each) and wait."""
    import os

    cluster = [f"localhost:{p}" for p in _free_ports(workers)]
    processes = []
    for index in range(workers):
        env = {**os.environ, "TF_CONFIG": json.dumps(
            {"cluster": {"worker": cluster}, "task": {"type": "worker", "index": index}})}
        processes.append(subprocess.Popen(argv, env=env, cwd=cwd, text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    results = []
    for p in processes:
        out, err = p.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(argv, p.returncode, out, err))
    return results


@pytest.mark.parametrize("family,config,rtol", [
    ("exypno", {"width": 0.0625, "noise_stddev": 0.0}, 1e-4),
    # SCNN: two optimizers; each worker normalises its half batch in BatchNorm.
    ("scnn", {"width": 0.125}, 2e-2),
])
def test_two_worker_processes_follow_the_single_device_trajectory(family, config, rtol):
    results = _run_workers([sys.executable, "-c", MULTIWORKER, family, json.dumps(config)])
    runs = []
    for r in results:
        assert r.returncode == 0, r.stderr[-3000:]
        runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    assert runs[0]["multiworker"]["replicas"] == 2 and runs[0]["none"]["replicas"] == 1
    assert runs[0]["multiworker"]["loss"] == runs[1]["multiworker"]["loss"]  # one synchronised model
    single, multi = runs[0]["none"]["loss"], runs[0]["multiworker"]["loss"]
    assert single[-1] < single[0]
    assert multi == pytest.approx(single, rel=rtol)


def test_cli_trains_on_two_local_workers(photo_files, tmp_path):
    folder = _photo_folder(photo_files, tmp_path)
    out = tmp_path / "run"
    results = _run_workers(
        [sys.executable, "-m", "keras_steg.cli", "train", "--data", str(folder), "--out", str(out),
         "--model", "exypno", "--model-config", "width=0.0625", "--size", "32",
         "--val-size", "32", "--batch", "4", "--epochs", "2", "--steps-per-epoch", "2",
         "--precision", "float32", "--strategy", "multiworker"])
    for r in results:
        assert r.returncode == 0, r.stderr[-3000:]
    assert "2 replicas, 2 pairs each per step" in results[0].stdout
    # The chief writes the run; worker 1 its own copy below it; both hold the same model.
    assert (out / "final.keras").is_file() and (out / "worker1" / "final.keras").is_file()
    chief = (out / "history.csv").read_text().splitlines()
    assert len(chief) == 3 and chief == (out / "worker1" / "history.csv").read_text().splitlines()


def test_multiworker_without_a_cluster_is_one_line(tmp_path, photo_files, run, one_line_error, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    code, _, err = run("train", "--data", tmp_path, "--out", tmp_path / "r", "--strategy", "multiworker")
    one_line_error(code, err, "needs TF_CONFIG")
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["localhost:1"]},
                                                "task": {"type": "worker", "index": 3}}))
    code, _, err = run("train", "--data", tmp_path, "--out", tmp_path / "r", "--strategy", "multiworker")
    one_line_error(code, err, "index below 1")
    assert not (tmp_path / "r").exists()
