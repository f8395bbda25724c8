"""benchmarks/qim_share.py: the secret with a QIM model's reader and with its output zeroed."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import qim_share  # noqa: E402


def test_zeroing_the_reader_changes_only_what_it_adds(photos, tmp_path, make_it_count):
    from keras_steg import build_model

    model = build_model("scnn", width=0.125, qim=4)
    path = tmp_path / "run.keras"
    model.save(path)  # the reader starts at zero: zeroing it changes nothing
    images = [p[:64, :64] for p in photos[:2]]
    untrained = qim_share.secret_psnrs(str(path), images)
    assert list(untrained) == ["png", "jpeg90", "jpeg75", "jpeg50"]
    assert all(a == b for a, b in untrained.values()), untrained
    make_it_count(model.receiver, qim_share.READER_OUTPUT)
    model.save(path)
    reading = qim_share.secret_psnrs(str(path), images)
    assert all(a != b for a, b in reading.values()), reading
    # Zeroed, the reader's weights give back the untrained model's secret.
    assert all(abs(reading[k][1] - untrained[k][1]) < 1e-6 for k in reading), (reading, untrained)
