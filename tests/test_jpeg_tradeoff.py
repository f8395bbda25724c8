"""benchmarks/jpeg_tradeoff.py: the cover-vs-secret-after-JPEG points read from training
records and robustness CSVs."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import jpeg_tradeoff  # noqa: E402


def _records(tmp_path: Path, cover: float, rows: list[str]) -> jpeg_tradeoff.Run:
    (tmp_path / "train_summary.json").write_text(json.dumps({"final_val": {"cover_psnr": cover}}))
    csv_file = tmp_path / "robustness.csv"
    csv_file.write_text("model,attack,level,pairs,secret_psnr,secret_ssim,attacked_psnr\n"
                        + "\n".join(rows) + "\n")
    return jpeg_tradeoff.Run("run", tmp_path, csv_file, "mine")


def test_a_point_takes_its_own_model_rows(tmp_path):
    rows = ["other,jpeg,75,8,99,0.9,30", "mine,png,0,8,29.5,0.9,",
            "mine,jpeg,90,8,25.0,0.8,31", "mine,jpeg,75,8,23.25,0.7,29", "mine,jpeg,50,8,21.0,0.6,27"]
    point = jpeg_tradeoff.run_point(_records(tmp_path, 24.5, rows))
    assert point == {"cover": 24.5, "png": 29.5, "jpeg90": 25.0, "jpeg75": 23.25, "jpeg50": 21.0}


def test_a_missing_level_is_named(tmp_path):
    run = _records(tmp_path, 24.5, ["mine,png,0,8,29.5,0.9,", "mine,jpeg,90,8,25.0,0.8,31"])
    with pytest.raises(ValueError, match="no jpeg 75 row for 'mine'"):
        jpeg_tradeoff.run_point(run)


def test_the_committed_report_is_what_the_committed_records_give(tmp_path):
    points = [jpeg_tradeoff.run_point(run) for run in jpeg_tradeoff.RUNS]
    text = jpeg_tradeoff.table(jpeg_tradeoff.RUNS, points)
    assert text.count("\n| ") == len(jpeg_tradeoff.RUNS) + 1  # header + one row per run
    report = jpeg_tradeoff.ROOT / "benchmarks" / "results" / "jpeg_tradeoff.md"
    assert report.read_text() == text + "\n", "rerun python benchmarks/jpeg_tradeoff.py"
    png = jpeg_tradeoff.plot(jpeg_tradeoff.RUNS, points, tmp_path / "tradeoff.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
