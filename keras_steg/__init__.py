"""keras_steg: deep steganography (SCNN, Baluja 2017, ExypnoSteganos) for Keras 3 / TensorFlow.

Public API: ``StegModel``, ``build_model``, ``load_pretrained``, ``hide``, ``reveal``.
Importing the package registers its Keras classes, so ``keras.saving.load_model`` can read
``.keras`` files written by it.
"""

import os
import sys


def _import_quietly(module: str) -> None:
    """Import ``module`` with the process's stderr (fd 2) pointed at /dev/null: TensorFlow
    prints oneDNN start-up notes from C++ that TF_CPP_MIN_LOG_LEVEL does not silence.
    Python warnings raised meanwhile are shown afterwards, and an exception still reaches the
    user (its traceback is printed after fd 2 is back). Without a usable fd 2 (a process
    started with stderr closed) the import is a plain one."""
    import importlib
    import warnings

    try:
        sys.stderr.flush()
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, AttributeError):
        importlib.import_module(module)
        return
    os.dup2(devnull, 2)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            importlib.import_module(module)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


if os.path.basename((sys.argv[:1] or [""])[0]) == "keras-steg":
    # The command line also quiets TensorFlow's later C++ logging (harmless grappler
    # messages); Python exceptions still reach the user.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if "tensorflow" not in sys.modules:
    # Users who import TensorFlow themselves first keep its start-up notes.
    _import_quietly("tensorflow")

from keras_steg.media import hide, reveal  # noqa: E402
from keras_steg.models import StegModel, build_model  # noqa: E402
from keras_steg.pretrained import load_pretrained  # noqa: E402

__all__ = ["StegModel", "build_model", "hide", "reveal", "load_pretrained"]
__version__ = "0.1.0"
