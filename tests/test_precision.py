"""precision="auto" picks bf16 only where the CPU runs it natively."""

import warnings

import pytest
import tensorflow as tf

from keras_steg.precision import PRECISIONS, cpu_flags, resolve_inference_precision, resolve_precision

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


def test_explicit_names_pass_through_and_bad_ones_fail(tmp_path):
    bf16_cpu = _cpuinfo(tmp_path, "avx2 avx512_bf16")
    for name in PRECISIONS:
        assert resolve_precision(name, bf16_cpu) == name
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("float64")


@pytest.mark.skipif(not NO_GPU, reason="bfloat16 on a GPU is not emulated")
@pytest.mark.parametrize("resolve, name", [(resolve_precision, "mixed_bfloat16"),
                                           (resolve_inference_precision, "bfloat16")])
def test_explicit_bfloat16_warns_only_where_the_cpu_emulates_it(tmp_path, resolve, name):
    with pytest.warns(UserWarning, match="no native bfloat16 instructions"):
        assert resolve(name, _cpuinfo(tmp_path, "fpu avx2 fma")) == name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve(name, _cpuinfo(tmp_path, "avx2 amx_bf16")) == name
        assert resolve(name, tmp_path / "no_cpuinfo") == name  # flags unknown: no guess
        assert resolve("float32", _cpuinfo(tmp_path, "fpu avx2 fma")) == "float32"
        assert resolve("auto", _cpuinfo(tmp_path, "fpu avx2 fma")) == "float32"  # auto: no note
