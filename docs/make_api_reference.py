"""Write docs/API.md: the public API of keras_steg, read from its signatures and docstrings.

    python docs/make_api_reference.py           # rewrite docs/API.md
    python docs/make_api_reference.py --check   # exit 1 if docs/API.md is out of date

A test runs ``--check``, so the reference never drifts from the code.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "API.md"

# The modules a user calls, in reading order (the command-line modules are left out: `--help`
# documents them).
MODULES = [
    "keras_steg", "keras_steg.inference", "keras_steg.media", "keras_steg.pretrained",
    "keras_steg.models.steg_model", "keras_steg.models.registry", "keras_steg.models.scnn",
    "keras_steg.models.baluja", "keras_steg.models.exypno", "keras_steg.models.recipe",
    "keras_steg.models.audio_adapter",
    "keras_steg.callbacks", "keras_steg.training", "keras_steg.distribute", "keras_steg.export",
    "keras_steg.tflite",
    "keras_steg.data.images", "keras_steg.data.audio", "keras_steg.data.audio_magnitude",
    "keras_steg.data.audio_representations", "keras_steg.data.video",
    "keras_steg.layers.channel", "keras_steg.layers.quantize", "keras_steg.layers.noise",
    "keras_steg.layers.jpeg", "keras_steg.layers.qim", "keras_steg.layers.geometry",
    "keras_steg.layers.spectrogram", "keras_steg.grid",
    "keras_steg.channel_spec", "keras_steg.attacks", "keras_steg.robustness", "keras_steg.tiling",
    "keras_steg.metrics", "keras_steg.losses", "keras_steg.evaluation", "keras_steg.media_evaluation",
    "keras_steg.imageio", "keras_steg.scramble", "keras_steg.precision", "keras_steg.flops",
    "keras_steg.batchnorm", "keras_steg.batchnorm_folding", "keras_steg.fused_batchnorm",
    "keras_steg.steganalysis.stegexpose",
    "keras_steg.steganalysis.lsb",
    "keras_steg.steganalysis.cnn", "keras_steg.steganalysis.diffmap", "keras_steg.steganalysis.roc",
    "keras_steg.steganalysis.scoring",
]


class _Shown:
    """A default value shown by name: its repr would be long or hold a memory address."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _signature(obj) -> str:
    """``(a, b=1) -> T``; a default that is a module constant is shown by the constant's name."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    module = sys.modules.get(getattr(obj, "__module__", ""), None)
    params = []
    for param in signature.parameters.values():
        default = param.default
        if default is not inspect.Parameter.empty and (" at 0x" in repr(default) or len(repr(default)) > 80):
            names = [n for n, v in vars(module).items() if v is default] if module else []
            param = param.replace(default=_Shown(names[0] if names else "..."))
        params.append(param)
    return str(signature.replace(parameters=params))


def _doc(obj) -> str:
    return inspect.cleandoc(obj.__doc__) if obj.__doc__ else "(no docstring)"


def _public_members(module) -> list[tuple[str, object]]:
    """Functions and classes defined in ``module`` (or, for the package, re-exported by its
    ``__all__``), without a leading underscore, in source order."""
    names = getattr(module, "__all__", None) if module.__name__ == "keras_steg" else None
    members = []
    for name, obj in vars(module).items():
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if names is not None:
            if name in names:
                members.append((name, obj))
        elif getattr(obj, "__module__", None) == module.__name__:
            members.append((name, obj))
    return members


def _class_methods(cls) -> list[tuple[str, object]]:
    """Public methods and properties a class adds; overrides of Keras hooks (call, train_step,
    on_epoch_end, ...) are left out unless they carry their own docstring."""
    methods = []
    for name, obj in vars(cls).items():
        if name.startswith("_") or not (inspect.isfunction(obj) or isinstance(obj, property)):
            continue
        documented = (obj.fget if isinstance(obj, property) else obj).__doc__
        if not documented and any(hasattr(base, name) for base in cls.__mro__[1:]):
            continue
        methods.append((name, obj))
    return methods


def reference() -> str:
    """The whole Markdown reference."""
    lines = ["# keras_steg API reference", "",
             "Generated from the code by `python docs/make_api_reference.py`; every entry is the "
             "object's signature and docstring. The command line is documented by "
             "`keras-steg VERB --help`.", ""]
    lines += [f"- [`{name}`](#{name.replace('.', '')})" for name in MODULES] + [""]
    for name in MODULES:
        module = importlib.import_module(name)
        lines += [f"## {name}", "", _doc(module).split("\n\n")[0], ""]
        if name == "keras_steg":  # the package re-exports; each is documented in its module
            lines += [f"- `keras_steg.{member}`: see `{obj.__module__}`"
                      for member, obj in _public_members(module)] + [""]
            continue
        for member, obj in _public_members(module):
            if inspect.isclass(obj):
                lines += [f"### class `{member}{_signature(obj)}`", "", _doc(obj), ""]
                for method, fn in _class_methods(obj):
                    shown = method if isinstance(fn, property) else f"{method}{_signature(fn)}"
                    lines += [f"- `{shown}`: " + _doc(fn if not isinstance(fn, property) else fn.fget)
                              .replace("\n", "\n  ")]
                lines.append("")
            else:
                lines += [f"### `{member}{_signature(obj)}`", "", _doc(obj), ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/API.md, or with --check compare it; returns the exit code (1: out of date)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = reference()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is out of date: run python docs/make_api_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
