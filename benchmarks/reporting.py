"""Shared by the benchmark scripts: print a report and, if asked, write it to a file."""

from __future__ import annotations


def emit(text: str, out: str | None) -> None:
    """Print ``text``; also write it (with a final newline) to ``out`` when given."""
    print(text)
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")
