"""benchmarks/audio_model_card.py on a tiny exported audio model: the card, the scores, the plot."""

import csv
import json
import shutil
import sys
from pathlib import Path

import soundfile

from keras_steg import build_model
from keras_steg.data import audio
from keras_steg.export import export_model

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import audio_model_card  # noqa: E402

AUDIO = Path(__file__).parent / "data" / "audio"


def test_audio_model_card_measures_held_out_clips(tmp_path, monkeypatch):
    data = tmp_path / "clips"
    data.mkdir()
    for f in AUDIO.glob("*.flac"):
        shutil.copy(f, data)
    letters = audio.load_audio(AUDIO / "klettres_003.flac")
    soundfile.write(data / "klettres_tail.flac", letters[-5 * audio.SAMPLE_RATE:], audio.SAMPLE_RATE)
    with open(data / "MANIFEST.csv", "w") as f:
        f.write("file,content\nasterisk_001.flac,speech (en)\nklettres_003.flac,speech (ar)\n"
                "klettres_tail.flac,speech (ar)\nwesnoth_04.flac,music\n")
    model = export_model(build_model("exypno", cover_channels=2, secret_channels=2, width=0.0625),
                         tmp_path / "model", keras_file=False)
    monkeypatch.setattr(sys, "argv", ["audio_model_card.py", "--data", str(data), "--model",
                                      str(model), "--name", "tiny", "--val-fraction", "0.5"])
    audio_model_card.main()
    with open(model / "heldout_scores.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and rows[0]["secret"] == rows[1]["cover"]
    card = (model / "MODEL_CARD.md").read_text()
    assert "# Model card: `tiny`" in card and "| all | 2 |" in card
    assert (model / "example.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    held = json.loads((model / "metadata.json").read_text())["heldout"]
    assert held["clips"] == 2
    mean_snr = sum(float(r["secret_snr"]) for r in rows) / 2
    assert abs(held["secret_snr"] - mean_snr) < 1e-3
