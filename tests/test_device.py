import pytest
import torch

from sparsesens.pipeline.device import cpu_fallback_note, resolve_device


def test_auto_takes_what_is_there():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"


def test_unknown_device_names_the_allowed_ones():
    with pytest.raises(ValueError, match="'tpu'; allowed: auto, cpu, cuda"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is visible here")
def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(RuntimeError, match="no CUDA GPU is visible"):
        resolve_device("cuda")


def test_a_gpu_rule_on_the_cpu_says_why():
    cpu = torch.device("cpu")
    note = cpu_fallback_note("auto", cpu, gpus_requested=1)
    assert "asked for a GPU but runs on the CPU" in note
    assert ("CPU build" in note) is (torch.version.cuda is None)
    # nothing to say: no GPU asked for, the CPU chosen on purpose, or a GPU in use
    assert cpu_fallback_note("auto", cpu, 0) is None
    assert cpu_fallback_note("cpu", cpu, 1) is None
    assert cpu_fallback_note("auto", torch.device("cuda"), 1) is None
