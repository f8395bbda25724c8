"""benchmarks/paper_tables.py at a tiny scale: every table runs and reports real numbers."""

import csv
import math
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import paper_tables  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory, photo_files):
    folder = tmp_path_factory.mktemp("photos")
    for f in photo_files:
        shutil.copy(f, folder)
    return folder


def _rows(path: Path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f))


def test_tables_1_and_2_train_both_families_once_and_report_beside_the_paper(data, tmp_path):
    common = ["--data", str(data), "--out", str(tmp_path), "--epochs", "2", "--images", "8",
              "--batch", "4", "--crop", "32", "--val-size", "32", "--precision", "float32",
              "--verbose", "0"]
    paper_tables.main(["table1", *common, "--betas", "0.75"])
    (row,) = _rows(tmp_path / "table1.csv")
    for key in ("SCNN train", "Baluja train", "SCNN val", "Baluja val"):
        assert 0 < float(row[key]) < 1
    assert float(row["paper Holiday Baluja"]) == 0.09476  # the paper's Table I, beta 0.75
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert runs == ["baluja_beta0.75", "scnn_beta0.75"]
    stamp = (tmp_path / "runs" / "scnn_beta0.75" / "last.keras").stat().st_mtime

    paper_tables.main(["table2", *common, "--eval-images", "2"])
    rows = _rows(tmp_path / "table2.csv")
    assert [(r["model"], r["split"]) for r in rows] == [
        ("SCNN (ours)", "train"), ("SCNN (ours)", "validation"),
        ("Baluja (ours)", "train"), ("Baluja (ours)", "validation")]
    assert all(float(r["C-H mean abs (0-255)"]) > 0 for r in rows)
    assert [r["paper row"] for r in rows[:2]] == ["Training Imagenet", "Testing Imagenet"]
    # Table II reused Table I's finished runs instead of training again.
    assert (tmp_path / "runs" / "scnn_beta0.75" / "last.keras").stat().st_mtime == stamp
    assert "| beta |" in (tmp_path / "table1.md").read_text()
    # A finished run made with other settings is not passed off as this one.
    with pytest.raises(SystemExit, match="other settings"):
        paper_tables.main(["table1", *common, "--epochs", "3", "--betas", "0.75"])  # last --epochs wins


def test_tables_3_and_4_time_both_families(data, tmp_path):
    paper_tables.main(["table3", "--data", str(data), "--out", str(tmp_path), "--crop", "32",
                       "--batches", "4", "--images", "40", "--steps", "1", "--precision", "float32"])
    (row,) = _rows(tmp_path / "table3.csv")
    assert float(row["SCNN (s)"]) > 0 and float(row["Baluja (s)"]) > 0
    assert math.isnan(float(row["paper SCNN (s)"]))  # the paper has no batch of 4
    paper_tables.main(["table4", "--data", str(data), "--out", str(tmp_path), "--size", "32",
                       "--repeats", "2", "--precision", "float32"])
    (row,) = _rows(tmp_path / "table4.csv")
    assert row["device"] == "CPU" and float(row["A: SCNN (ms)"]) > 0
    assert float(row["B / A"]) == pytest.approx(float(row["B: Baluja (ms)"]) / float(row["A: SCNN (ms)"]))
    assert float(row["paper B / A"]) == pytest.approx(1656 / 934)
