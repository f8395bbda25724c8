"""The documentation stays true to the repository: the API reference matches the code, and
every file README.md links to exists."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_up_to_date():
    reference = _load(ROOT / "docs" / "make_api_reference.py")
    assert reference.main(["--check"]) == 0, "run: python docs/make_api_reference.py"
    text = (ROOT / "docs" / "API.md").read_text()
    for name in ("hide_file", "load_pretrained", "StegModel", "hiding_network", "stegexpose_scores"):
        assert f"`{name}" in text


def test_every_relative_link_in_the_readme_exists():
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert len(local) > 10
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, missing
