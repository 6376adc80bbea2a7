"""Where things live, and how a run is made repeatable.

* ``PROJECT_ROOT``: the checkout (ganlib is installed editable from it).
* ``data_root()``: where downloaded datasets live. The parameter wins, then the
  environment variable ``GANLIB_DATA_ROOT``, then ``<project>/data``.
* ``seed_everything()``: fixed seed and fixed thread count, which together make CPU
  training bitwise repeatable.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_ROOT_ENV = "GANLIB_DATA_ROOT"


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds downloaded datasets (``root`` > $GANLIB_DATA_ROOT > <project>/data)."""
    if root is None:
        root = os.environ.get(DATA_ROOT_ENV) or PROJECT_ROOT / "data"
    return Path(root).expanduser()


def seed_everything(seed: int, num_threads: int | None = 2) -> None:
    """Seed Python, NumPy and torch, and fix torch's thread count.

    The thread count is part of the seed: a different number of threads splits the
    reductions differently and changes the last bits of every result.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if num_threads:
        torch.set_num_threads(num_threads)


def pick_device(device: str = "auto") -> torch.device:
    """'auto' takes the GPU when there is one; 'cpu' and 'cuda' are taken as given."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for, but torch sees no GPU; use device='cpu' or 'auto'")
    return torch.device(device)
