"""benchmarks/model_card.py on a tiny exported SCNN: the note file, the floor verdict, the storage
paragraph and the command that regenerates the card."""

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import model_card  # noqa: E402

PHOTOS = Path(__file__).parent / "data" / "photos"


@pytest.fixture
def model(exported_scnn, tmp_path) -> Path:
    """A copy of the session's exported SCNN (the card script writes into its folder)."""
    return Path(shutil.copytree(exported_scnn, tmp_path / "tiny"))


def _card(model: Path, monkeypatch, *options: str) -> str:
    monkeypatch.setattr(sys, "argv", ["model_card.py", "--data", str(PHOTOS), "--model", str(model),
                                      "--name", "tiny", "--val-fraction", "0.4", "--size", "64",
                                      *options])
    model_card.main()
    return (model / "MODEL_CARD.md").read_text()


def test_card_takes_its_note_from_a_file_and_judges_the_floor(model, tmp_path, monkeypatch):
    note = tmp_path / "note.md"
    note.write_text("Stage 1 ran *on a test machine*.\n\n")
    card = _card(model, monkeypatch, "--note-file", str(note), "--floor", "99", "0")

    held = json.loads((model / "metadata.json").read_text())["heldout"]
    assert held["images"] == 2
    cover, secret = held["cover_psnr"], held["secret_psnr"]
    assert f"the cover misses it ({cover:.2f} dB, {cover - 99:+.2f} dB)" in card
    assert f"the secret meets it ({secret:.2f} dB, {secret:+.2f} dB)" in card
    assert "Stage 1 ran *on a test machine*.\n\n![learning curve]" in card
    # The printed command names the file, so running it again rewrites the same card.
    assert card.rstrip().endswith(f"--floor 99 0 --note-file {note}\n```")

    folds = sum(len(json.loads((model / net / "batchnorm_folds.json").read_text()))
                for net in ("sender", "receiver"))
    assert folds > 0 and f"have {folds} BatchNorms folded" in card
    assert "weights are stored in float32" in card


def test_card_refuses_a_missing_note_file_and_two_notes(model, tmp_path, monkeypatch, capsys):
    with pytest.raises(SystemExit, match="no note file"):
        _card(model, monkeypatch, "--note-file", str(tmp_path / "absent.md"))
    with pytest.raises(SystemExit):
        _card(model, monkeypatch, "--note", "x", "--note-file", str(tmp_path / "absent.md"))
    assert "not allowed with argument" in capsys.readouterr().err
    assert not (model / "MODEL_CARD.md").exists()
