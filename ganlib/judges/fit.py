"""The judges' shared training loop and weight files."""
from __future__ import annotations

import time
from pathlib import Path

import torch

from ..data import to_float
from ..settings import PROJECT_ROOT

JUDGE_DIR = PROJECT_ROOT / "data" / "judges"


def fit_judge(judge, images, targets, opt, *, num_epochs, batch_size, seed, augment, criterion, evaluate,
              epoch_scheduler=None, step_scheduler=None, verbose=True) -> float:
    """The judges' training loop: shuffled batches of uint8 images, ``augment(x, generator)``,
    ``criterion(logits, targets)``; prints ``evaluate()`` (held-out accuracy) after each epoch."""
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    for epoch in range(num_epochs):
        judge.train()
        order = torch.randperm(len(images), generator=gen)
        for k in range(0, len(images), batch_size):
            idx = order[k:k + batch_size]
            loss = criterion(judge(augment(to_float(images[idx]), gen)), targets[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step_scheduler is not None:
                step_scheduler.step()
        if epoch_scheduler is not None:
            epoch_scheduler.step()
        acc = evaluate()
        if verbose:
            print(f"epoch {epoch + 1}/{num_epochs}  loss {loss.item():.4f}  held-out accuracy {acc:.4f}"
                  f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
    return acc


def save_judge(judge, acc: float, num_epochs: int, seed: int, path: Path | None, verbose: bool) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"state_dict": judge.state_dict(), "heldout_accuracy": acc,
                    "num_epochs": num_epochs, "seed": seed}, path)
        if verbose:
            print(f"saved {path}")


def load_weights(net: torch.nn.Module, path: Path, how_to_train: str) -> torch.nn.Module:
    """Load cached judge weights into ``net`` (eval mode); a clear error says how to train them."""
    if not Path(path).exists():
        raise FileNotFoundError(f"judge weights {path} are missing; train them with `{how_to_train}`")
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True)["state_dict"])
    return net.eval()
