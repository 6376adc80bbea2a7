import os
import subprocess
import sys
import warnings

import pytest
import torch

from ganlib import settings
from ganlib.labs import get_lab
from ganlib.params import ParameterError, validate
from ganlib.settings import describe_hardware, pick_bf16, pick_device


@pytest.fixture
def machine(monkeypatch):
    """Pretend to be a machine with the given GPUs and CPU features."""
    def pretend(cuda=False, mps=False, cuda_bf16=False, cpu_bf16=False):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: cuda_bf16)
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: cpu_bf16)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    return pretend


@pytest.mark.parametrize("gpus, chosen", [
    (dict(cuda=True, mps=False), "cuda"),
    (dict(cuda=True, mps=True), "cuda"),
    (dict(cuda=False, mps=True), "mps"),
    (dict(cuda=False, mps=False), "cpu"),
])
def test_auto_device_takes_cuda_then_mps_then_the_cpu(machine, gpus, chosen):
    machine(**gpus)
    assert pick_device("auto").type == chosen


def test_a_device_asked_for_by_name_must_be_there(machine):
    machine(cuda=False, mps=False)
    assert pick_device("cpu").type == "cpu"
    with pytest.raises(ValueError, match="device='cuda' was asked for, but torch sees no CUDA GPU"):
        pick_device("cuda")
    with pytest.raises(ValueError, match="device='mps' was asked for, but torch sees no Apple GPU"):
        pick_device("mps")


def test_auto_bf16_only_where_the_hardware_has_it(machine):
    machine(cuda=True, cuda_bf16=True, cpu_bf16=False)
    assert pick_bf16("auto", "cuda") is True
    assert pick_bf16("auto", "cpu") is False
    machine(cuda=True, cuda_bf16=False)
    assert pick_bf16("auto", "cuda") is False          # a GPU before Ampere
    assert pick_bf16("auto", "mps") is False
    assert pick_bf16(False, "cpu") is False


def test_forced_bf16_without_native_support_warns_once_that_it_will_be_slow(machine, monkeypatch):
    machine(cpu_bf16=False)
    monkeypatch.setattr(settings, "_WARNED_BF16", set())
    with pytest.warns(UserWarning, match="no native bfloat16: training will be much slower"):
        assert pick_bf16(True, "cpu") is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pick_bf16(True, "cpu") is True          # not again
    machine(cpu_bf16=True)
    if torch.ops.mkldnn._is_mkldnn_bf16_supported():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert pick_bf16(True, "cpu") is True


@pytest.mark.parametrize("isa, native", [("AVX2", False), ("SSE41", False)])
def test_cpu_bf16_follows_the_isa_onednn_is_allowed(isa, native):
    # A CPU limited to AVX2 by ONEDNN_MAX_CPU_ISA computes like an AVX2 laptop: emulated bf16.
    code = "from ganlib.settings import native_bf16; print(native_bf16('cpu'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "ONEDNN_MAX_CPU_ISA": isa})
    assert out.stdout.strip() == str(native)


def test_the_report_line_says_what_was_chosen_and_why():
    line = describe_hardware(torch.device("cpu"), False, asked=("auto", "auto"))
    assert line.startswith("device: cpu (kernels: ") and "(auto)" in line
    assert line.endswith("precision: float32 (bf16 auto: no native bfloat16)")
    assert describe_hardware(torch.device("cpu"), False, asked=("cpu", False)).endswith("precision: float32")


def test_bf16_parameter_takes_auto_true_or_false():
    lab = get_lab("mnist")
    assert validate(lab, {"bf16": "auto", "device": "mps"}) == {"bf16": "auto", "device": "mps"}
    assert validate(lab, {"bf16": True}) == {"bf16": True}
    with pytest.raises(ParameterError, match="parameter bf16 must be one of true, false, auto, got 'yes'"):
        validate(lab, {"bf16": "yes"})
    with pytest.raises(ParameterError, match="must be one of true, false, auto, got 1"):
        validate(lab, {"bf16": 1})


def test_num_threads_auto_uses_the_physical_cores_of_the_allowed_ones(monkeypatch):
    monkeypatch.setattr(settings.psutil, "cpu_count", lambda logical=True: 8 if logical else 4)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert settings.physical_cores() == 4                  # hyperthreads add no arithmetic units
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert settings.physical_cores() == 2                  # a cluster job allowed two of them
    before = torch.get_num_threads()
    try:
        settings.seed_everything(0, "auto")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_num_threads_takes_a_count_or_auto():
    lab = get_lab("cgan")
    assert validate(lab, {"num_threads": "auto"}) == {"num_threads": "auto"}
    assert validate(lab, {"num_threads": 3}) == {"num_threads": 3}
    for bad in ("all", 0, True):
        with pytest.raises(ParameterError, match=f"parameter num_threads must be an integer >= 1 or auto, got {bad!r}"):
            validate(lab, {"num_threads": bad})
