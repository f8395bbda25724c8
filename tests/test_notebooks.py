"""Every notebook runs top to bottom in a fresh kernel (KERAS_STEG_QUICK=1: small settings),
offline, and shows its key figure; a broken notebook fails the build."""

import importlib.util
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
_spec = importlib.util.spec_from_file_location("notebook_execute", NOTEBOOKS / "execute.py")
execute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute)

EXPECTED = ["01_quickstart", "02_train_scnn", "03_exypnosteganos", "04_steganalysis"]


def _printed(notebook) -> str:
    """All text the notebook's cells printed or returned."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_four_notebooks_are_there():
    assert [p.stem for p in execute.notebook_paths()] == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_and_shows_its_key_figure(name, tmp_path):
    notebook = execute.execute(NOTEBOOKS / f"{name}.ipynb", tmp_path, quick=True, timeout=600)
    figure = execute.key_figure(notebook)
    assert figure is not None and figure.startswith(b"\x89PNG") and len(figure) > 5_000
    printed = _printed(notebook)
    if name == "01_quickstart":
        # The receiver SavedModel alone, in plain TensorFlow, reveals what keras_steg.reveal does.
        assert "max |difference| (0-255): 0" in printed
    if name == "02_train_scnn":
        difference = float(re.search(r"SavedModel vs Keras receiver, max \|difference\|: (\S+)", printed)[1])
        assert difference < 1e-4
    assert (tmp_path / "notebook_output" / name).is_dir()  # files went to the working folder
