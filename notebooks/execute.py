"""Run the notebooks top to bottom and keep their outputs, as committed.

    python notebooks/execute.py              # all four, in place; key figures -> docs/
    python notebooks/execute.py 02_train_scnn

Each notebook runs in a fresh kernel with ``notebooks/`` as its working folder (its files go to
``notebooks/notebook_output/``, not committed). The figure of the cell tagged ``key-figure``
is written to ``docs/notebook_<name>.png``, the screenshot README links. The test suite runs the
same ``execute`` on copies, with ``KERAS_STEG_QUICK=1``.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent
DOCS = NOTEBOOKS.parent / "docs"
KEY_TAG = "key-figure"


def notebook_paths() -> list[Path]:
    """The notebooks, in reading order (01_..., 02_...)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, workdir: Path, quick: bool = False, timeout: int = 1800) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` in a fresh python3 kernel whose working folder is
    ``workdir`` -> the notebook with its outputs (the file is not changed). ``quick`` sets
    KERAS_STEG_QUICK=1 in the kernel. A failing cell raises nbclient's CellExecutionError."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    # TensorFlow's C++ start-up notes ignore TF_CPP_MIN_LOG_LEVEL set from Python; set before
    # the kernel starts, it keeps them out of the committed outputs.
    with _kernel_environment(KERAS_STEG_QUICK="1" if quick else "0", TF_CPP_MIN_LOG_LEVEL="3"):
        client.execute()
    return notebook


@contextmanager
def _kernel_environment(**variables: str):
    """Set environment variables while the kernel starts (it inherits them), then restore."""
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def key_figure(notebook: nbformat.NotebookNode) -> bytes | None:
    """The first PNG output of the cell tagged ``key-figure`` (None when there is none)."""
    for cell in notebook.cells:
        if KEY_TAG in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "image/png" in data:
                    return base64.b64decode(data["image/png"])
    return None


def main(argv: list[str] | None = None) -> int:
    """Execute the named notebooks (default all) in place; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names without .ipynb (default: all)")
    args = parser.parse_args(argv)
    paths = notebook_paths()
    if args.names:
        wanted = {n.removesuffix(".ipynb") for n in args.names}
        unknown = wanted - {p.stem for p in paths}
        if unknown:
            print(f"execute.py: error: no such notebook: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        paths = [p for p in paths if p.stem in wanted]
    for path in paths:
        start = time.perf_counter()
        notebook = execute(path, NOTEBOOKS)
        nbformat.write(notebook, path)
        figure = key_figure(notebook)
        note = ""
        if figure:
            (DOCS / f"notebook_{path.stem}.png").write_bytes(figure)
            note = f", key figure -> docs/notebook_{path.stem}.png"
        print(f"{path.name}: executed in {time.perf_counter() - start:.0f} s{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
