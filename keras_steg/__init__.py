"""keras_steg: deep steganography (SCNN, Baluja 2017, ExypnoSteganos) for Keras 3 / TensorFlow.

Public API: ``StegModel``, ``build_model``, ``load_pretrained``, ``hide``, ``reveal``.
Importing the package registers its Keras classes, so ``keras.saving.load_model`` can read
``.keras`` files written by it.
"""

import os
import sys


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with the process's stderr (fd 2) pointed at /dev/null: some builds
    print oneDNN start-up notes from C++ before TF_CPP_MIN_LOG_LEVEL is read. A Python
    exception raised by the import still reaches the user (it is printed after fd 2 is back)."""
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


if os.path.basename((sys.argv[:1] or [""])[0]) == "keras-steg":
    # The command line also quiets TensorFlow's later C++ logging (harmless grappler
    # messages); Python exceptions still reach the user.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if "tensorflow" not in sys.modules:
    # Users who import TensorFlow themselves first keep its start-up notes.
    _import_tensorflow_quietly()

from keras_steg.media import hide, reveal  # noqa: E402
from keras_steg.models import StegModel, build_model  # noqa: E402
from keras_steg.pretrained import load_pretrained  # noqa: E402

__all__ = ["StegModel", "build_model", "hide", "reveal", "load_pretrained"]
__version__ = "0.1.0"
