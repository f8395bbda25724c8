"""precision="auto" picks bf16 only where the CPU runs it natively."""

import pytest
import tensorflow as tf

from keras_steg.precision import PRECISIONS, cpu_flags, resolve_precision

NO_GPU = not tf.config.list_physical_devices("GPU")


def _cpuinfo(tmp_path, flags: str):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: test\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
    return path


def test_cpu_flags_reads_the_first_flags_line(tmp_path):
    assert cpu_flags(_cpuinfo(tmp_path, "fpu avx2 fma")) == {"fpu", "avx2", "fma"}
    assert cpu_flags(tmp_path / "missing") == set()


@pytest.mark.skipif(not NO_GPU, reason="a GPU makes auto choose mixed_float16")
@pytest.mark.parametrize("flags, expected", [
    ("fpu avx avx2 fma", "float32"),
    ("avx2 avx512f avx512_bf16", "mixed_bfloat16"),
    ("avx2 amx_bf16 amx_tile", "mixed_bfloat16"),
])
def test_auto_follows_the_cpu(tmp_path, flags, expected):
    assert resolve_precision("auto", _cpuinfo(tmp_path, flags)) == expected


def test_explicit_names_pass_through_and_bad_ones_fail():
    for name in PRECISIONS:
        assert resolve_precision(name) == name
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("float64")
