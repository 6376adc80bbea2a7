"""Applying a network to many inputs: in batches, without gradients, results on the CPU.

Every place that scores, translates or draws from a trained network goes through ``batched``;
``eval_mode`` switches BatchNorm and dropout to inference for a block and back afterwards.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

import torch
from torch import nn

from .data import to_float


def device_of(net: nn.Module) -> torch.device:
    return next(net.parameters()).device


@torch.no_grad()
def batched(fn: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor, batch_size: int = 250,
            device: torch.device | str = "cpu") -> torch.Tensor:
    """``fn`` over ``inputs`` in batches on ``device``; uint8 images go in as [-1, 1] floats."""
    out = []
    for k in range(0, len(inputs), batch_size):
        x = inputs[k:k + batch_size].to(device)
        out.append(fn(to_float(x) if x.dtype == torch.uint8 else x).cpu())
    return torch.cat(out)


@contextmanager
def eval_mode(*nets: nn.Module):
    """Inside, the nets are in eval mode (BatchNorm's running statistics, no dropout); afterwards
    each is back in the mode it had."""
    modes = [net.training for net in nets]
    for net in nets:
        net.eval()
    try:
        yield
    finally:
        for net, mode in zip(nets, modes):
            net.train(mode)
