"""Shared fixtures: real test photos, a fresh float32 policy per test, small SCNN models."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

DATA = Path(__file__).parent / "data"
PHOTOS = DATA / "photos"


@pytest.fixture(autouse=True)
def float32_policy():
    """Every test starts (and ends) under the float32 policy, with seeded initial weights.

    Seeding makes a test's weight initialisation and training noise the same on every run, so a
    learning test measures the code, not the luck of the draw.
    """
    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(0)
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.fixture
def make_it_count():
    """A grown network's last layer starts at zero (it adds nothing): ``make_it_count(model,
    layer_name)`` gives that layer weights of 0.05 so that what it adds shows. -> the model."""
    def _set(model: keras.Model, layer_name: str) -> keras.Model:
        layer = model.get_layer(layer_name)
        layer.set_weights([np.full(w.shape, 0.05, np.float32) for w in layer.get_weights()])
        return model
    return _set


@pytest.fixture
def run(capsys):
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    from keras_steg.cli import main

    def _run(*argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err
    return _run


@pytest.fixture
def one_line_error():
    """A check that a CLI run failed as bad input: exit 2, one error line on stderr naming
    ``match`` (``note:`` lines, the CLI's warnings, may stand beside it)."""
    def check(code, err, match):
        lines = [line for line in err.splitlines() if line.strip() and not line.startswith("note: ")]
        assert code == 2
        assert len(lines) == 1 and "error:" in lines[0] and match in lines[0], err
        assert "Traceback" not in err
    return check


@pytest.fixture(scope="session")
def photo_files() -> list[str]:
    """The committed real test photos (RGB JPEG, long side 96)."""
    return sorted(str(p) for p in PHOTOS.glob("*.jpg"))


@pytest.fixture(scope="session")
def photos(photo_files) -> list[np.ndarray]:
    """The test photos as RGB uint8 arrays."""
    from keras_steg.imageio import read_image

    return [read_image(f) for f in photo_files]


@pytest.fixture
def photo_batch(photos):
    """{"cover", "secret"} float32 (4, 32, 32, 3): 32x32 top-left crops, secret = next photo."""
    crops = np.stack([p[:32, :32] for p in photos[:5]]).astype(np.float32) / 255.0
    return {"cover": crops[:4], "secret": np.roll(crops, -1, axis=0)[:4]}


@pytest.fixture(scope="session")
def exported_scnn(tmp_path_factory):
    """A briefly trained SCNN exported as sender/receiver SavedModels (a folder path).

    Quality is irrelevant here: it exercises the file formats and the command line.
    """
    from keras_steg import build_model
    from keras_steg.export import export_model

    keras.mixed_precision.set_global_policy("float32")
    rng = np.random.default_rng(0)
    model = build_model("scnn")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), reveal_optimizer=keras.optimizers.Adam(1e-3))
    model.train_on_batch({k: rng.random((2, 32, 32, 3), dtype=np.float32) for k in ("cover", "secret")})
    return export_model(model, tmp_path_factory.mktemp("models") / "tiny", keras_file=True)


@pytest.fixture(scope="session")
def tiny_tfds(tmp_path_factory, photo_files):
    """(name, data_dir) of a real tfds dataset of the test photos, prepared offline."""
    import tensorflow_datasets as tfds

    class TinyPhotos(tfds.core.GeneratorBasedBuilder):
        VERSION = tfds.core.Version("1.0.0")

        def _info(self):
            return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict(
                {"image": tfds.features.Image(shape=(None, None, 3))}))

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples(photo_files[:3]),
                    "validation": self._generate_examples(photo_files[3:])}

        def _generate_examples(self, files):
            for i, f in enumerate(files):
                yield i, {"image": f}

    data_dir = tmp_path_factory.mktemp("tfds")
    TinyPhotos(data_dir=str(data_dir)).download_and_prepare()
    return "tiny_photos", str(data_dir)
