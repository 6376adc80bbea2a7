"""Where things live, and how a run is made repeatable.

* ``PROJECT_ROOT``: the checkout (ganlib is installed editable from it).
* ``data_root()``: where downloaded datasets live. The parameter wins, then the
  environment variable ``GANLIB_DATA_ROOT``, then ``<project>/data``.
* ``seed_everything()``: fixed seed and fixed thread count, which together make CPU
  training bitwise repeatable.

torch is imported inside the functions that use it: the command line reads its parameters and
rejects a bad one without spending seconds loading torch.
"""
from __future__ import annotations

import os
import random
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import psutil

if TYPE_CHECKING:
    import torch

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_ROOT_ENV = "GANLIB_DATA_ROOT"
OUT_DIR_ENV = "GANLIB_OUT_DIR"   # where a notebook run from JupyterLab or the runner writes its figures
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")   # read from image folders


def looks_like_path(value: str) -> bool:
    """A name-or-path value is a path when it has a slash or starts with '.' or '~', or names an
    existing file or folder; otherwise it is a name (a dataset by name, say)."""
    return "/" in value or os.sep in value or value.startswith(("~", ".")) or Path(value).exists()


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds downloaded datasets (``root`` > $GANLIB_DATA_ROOT > <project>/data)."""
    if root is None:
        root = os.environ.get(DATA_ROOT_ENV) or PROJECT_ROOT / "data"
    return Path(root).expanduser()


def _shown_bases(root: str | os.PathLike | None) -> tuple:
    """The folders reports name by label instead of by path, with their labels."""
    return (("<data root>", data_root(root)), ("<project>", PROJECT_ROOT))


def shown_path(path: str | os.PathLike, root: str | os.PathLike | None = None) -> str:
    """A path as reports print it: ``<data root>/...`` or ``<project>/...`` when it lies inside the data
    root (``root`` resolved as ``data_root`` does) or the project, so that a report names no folder of
    the machine it ran on; any other path as given."""
    resolved = Path(path).expanduser().resolve()
    for label, base in _shown_bases(root):
        try:
            return f"{label}/{resolved.relative_to(base.resolve()).as_posix()}"
        except ValueError:
            pass
    return str(path)


def shown_paths(text: str, root: str | os.PathLike | None = None) -> str:
    """``text`` (an error line, say) with the data root's and the project's absolute paths written
    as ``shown_path`` writes them, so that a report quoting it names no folder of the machine."""
    for label, base in _shown_bases(root):
        for spelling in {str(base.expanduser().resolve()), str(base.expanduser().absolute())}:
            text = text.replace(spelling + os.sep, label + "/").replace(spelling, label)
    return text


def physical_cores() -> int:
    """The physical cores this process may use: hyperthreads share a core's arithmetic units,
    so a second thread per core adds overhead, not speed, to these small convolutions."""
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    physical = psutil.cpu_count(logical=False) or allowed
    return max(1, min(allowed, physical))


def seed_everything(seed: int, num_threads: int | str | None = 2) -> None:
    """Seed Python, NumPy and torch, and fix torch's thread count ("auto": ``physical_cores()``).

    The thread count is part of the seed: a different number of threads splits the
    reductions differently and changes the last bits of every result.
    """
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if num_threads:
        torch.set_num_threads(physical_cores() if num_threads == "auto" else num_threads)


def pick_device(device: str = "auto") -> torch.device:
    """'auto': CUDA, then Apple's MPS, then the CPU. A device asked for by name must be there."""
    import torch
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for, but torch sees no CUDA GPU; use device='auto' or 'cpu'")
    if device == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device='mps' was asked for, but torch sees no Apple GPU; use device='auto' or 'cpu'")
    return torch.device(device)


def native_bf16(device: str | torch.device = "cpu") -> bool:
    """Whether the device computes bfloat16 in hardware, as torch detects it.

    CPU: avx512_bf16 or AMX cores, and oneDNN allowed to use them (``ONEDNN_MAX_CPU_ISA`` caps
    it: under ``AVX2`` oneDNN reports no bf16). Elsewhere oneDNN emulates bf16, about 10x
    slower than float32. CUDA: a GPU with bf16 units (Ampere or newer). MPS: no.
    """
    import torch
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        cores = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
        return bool(cores and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False


def pick_bf16(bf16: bool | str, device: str | torch.device = "cpu") -> bool:
    """'auto': bfloat16 autocast where the hardware runs it natively, float32 elsewhere.
    True where it is not native works, but warns: emulated bf16 is far slower than float32."""
    import torch
    if bf16 == "auto":
        return native_bf16(device)
    kind = torch.device(device).type
    if bf16 and not native_bf16(device) and kind not in _WARNED_BF16:
        _WARNED_BF16.add(kind)   # once per process: every training call of a notebook would repeat it
        warnings.warn(f"bf16=True on {kind}, which has no native bfloat16: training will be much slower "
                      "than float32 (bf16='auto' picks float32 here)", stacklevel=2)
    return bool(bf16)


_WARNED_BF16: set[str] = set()


def processor_name(device: torch.device) -> str:
    """A short name of what computed: the GPU's name, or the CPU's cores, model and vector instructions
    ("2-core AMD EPYC 9B14, AVX-512")."""
    import torch
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    import platform
    import re
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1] for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    model = re.sub(r"\((R|TM|tm)\)|\bCPU\b|\bProcessor\b|@.*|\d+-Core", "", model)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    # The vector instructions the kernels use: the same processor computes as an AVX2 laptop when
    # ONEDNN_MAX_CPU_ISA / ATEN_CPU_CAPABILITY limit it, and its times are then a laptop's.
    isa = torch.backends.cpu.get_cpu_capability().replace("AVX512", "AVX-512")
    return f"{cores}-core {' '.join(model.split())}" + (f", {isa}" if isa.startswith("AVX") else "")


def describe_hardware(device: torch.device, bf16: bool, asked: tuple[str, bool | str] = ("auto", "auto")) -> str:
    """One line for the report: the device and precision used, and why when 'auto' chose them."""
    import torch
    where = {"cuda": lambda: f"cuda ({torch.cuda.get_device_name(device)})", "mps": lambda: "mps (Apple GPU)",
             "cpu": lambda: f"cpu (kernels: {torch.backends.cpu.get_cpu_capability()}, "
                            f"{torch.get_num_threads()} threads)"}[device.type]()
    precision = "bfloat16 autocast" if bf16 else "float32"
    if asked[1] == "auto":
        precision += " (bf16 auto: " + ("native" if bf16 else "no native bfloat16") + ")"
    return f"device: {where}{' (auto)' if asked[0] == 'auto' else ''}; precision: {precision}"
