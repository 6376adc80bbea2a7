"""Checkpoints that survive a crash and resume a training run exactly, and the per-iteration
stats buffer that stops a run on a NaN loss. Both training loops (``train.train_gan`` and
``cyclegan.train_cyclegan``) use them.

A checkpoint holds a fingerprint of the run's configuration (a different configuration is
refused, never silently resumed), the iteration reached, the state of every network,
optimiser, scheduler and random stream, and the run's result so far.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch
from torch import nn

from .errors import CheckpointMismatch, TrainingDiverged  # noqa: F401  (raised here, imported from here)


def architecture_hash(*nets: nn.Module) -> str:
    """A short hash of the networks' printed structure: equal for the same layers and sizes."""
    return hashlib.sha1("".join(repr(net) for net in nets).encode()).hexdigest()[:12]


def save_atomic(obj, path: Path) -> None:
    """Write to a temp file in the same folder, then rename: a crash never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


class RandomState:
    """A random stream as a checkpoint part: a ``torch.Generator``, or torch's global stream."""

    def __init__(self, generator: torch.Generator | None = None):
        self.generator = generator

    def state_dict(self) -> torch.Tensor:
        return self.generator.get_state() if self.generator else torch.get_rng_state()

    def load_state_dict(self, state: torch.Tensor) -> None:
        self.generator.set_state(state) if self.generator else torch.set_rng_state(state)


def _state(part):
    """The saved state of a part: anything with ``state_dict``, or a list or dict of such."""
    if isinstance(part, list):
        return [_state(p) for p in part]
    if isinstance(part, dict):
        return {k: _state(p) for k, p in part.items()}
    return part.state_dict()


def _restore(part, state) -> None:
    if isinstance(part, list):
        for p, s in zip(part, state):
            _restore(p, s)
    elif isinstance(part, dict):
        for k, p in part.items():
            _restore(p, state[k])
    else:
        part.load_state_dict(state)


class Checkpoint:
    """One run's checkpoint file.

    ``parts`` names what is saved and restored (networks, optimisers, schedulers, random streams,
    image pools); ``result`` is the run's result object, whose ``state_dict`` (history, images,
    timings) is saved beside them. ``path=None`` keeps nothing and resumes nothing.
    """

    def __init__(self, path: str | Path | None, fingerprint: dict, parts: dict, result):
        self.path = Path(path) if path else None
        self.fingerprint, self.parts, self.result = fingerprint, parts, result

    def exists(self) -> bool:
        return bool(self.path) and self.path.exists()

    def save(self, iteration: int) -> None:
        if self.path:
            save_atomic({"fingerprint": self.fingerprint, "iteration": iteration,
                         **{k: _state(p) for k, p in self.parts.items()}, **self.result.state_dict()}, self.path)

    def resume(self, total: int) -> int:
        """Restore every part and the result from the file; return the iteration it was saved at.
        A checkpoint already past ``total`` (the run now asks for fewer epochs) is refused."""
        ckpt = self._read()
        if ckpt["iteration"] > total:
            per_epoch = self.result.iters_per_epoch
            raise CheckpointMismatch(
                f"checkpoint {self.path} is at iteration {ckpt['iteration']} ({ckpt['iteration'] / per_epoch:g} epochs), "
                f"past the {total} iterations ({self.result.num_epochs} epochs) asked for now; ask for at least "
                f"{-(-ckpt['iteration'] // per_epoch)} epochs or pass resume=False to start over")
        for k, part in self.parts.items():
            _restore(part, ckpt[k])
        self.result.load_state_dict(ckpt)
        return ckpt["iteration"]

    def _read(self) -> dict:
        try:
            ckpt = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as e:
            raise CheckpointMismatch(f"checkpoint {self.path} cannot be read ({type(e).__name__}); "
                                     "delete it or pass resume=False") from None
        if not isinstance(ckpt, dict) or not isinstance(ckpt.get("fingerprint"), dict):
            raise CheckpointMismatch(f"checkpoint {self.path} is a PyTorch file but not a ganlib checkpoint; "
                                     "point checkpoint elsewhere or pass resume=False")
        saved, now = ckpt["fingerprint"], self.fingerprint
        diff = [k for k in sorted(set(saved) | set(now)) if saved.get(k) != now.get(k)]
        if diff:
            detail = ", ".join(f"{k}: checkpoint {saved.get(k)!r} vs now {now.get(k)!r}" for k in diff)
            raise CheckpointMismatch(f"checkpoint {self.path} is from another configuration ({detail}); "
                                     "point checkpoint elsewhere or pass resume=False to start over")
        return ckpt

    def advice(self) -> str:
        return f"the last good checkpoint is {self.path}" if self.path else "no checkpoint was kept"


class StatsBuffer:
    """Per-iteration stats kept on the device, so that no training step waits for the host.

    ``flush()`` brings them over in one transfer; a NaN or infinite value stops training with
    a message naming the iteration, the ``shown`` stats there and ``advice``.
    """

    def __init__(self, keys: tuple, shown: tuple, name: str, iters_per_epoch: int, advice: str):
        self.keys, self.shown, self.name = keys, shown, name
        self.iters_per_epoch, self.advice = iters_per_epoch, advice
        self.pending: list[tuple[int, torch.Tensor]] = []

    def add(self, iteration: int, values: torch.Tensor) -> None:
        self.pending.append((iteration, values.detach()))

    def flush(self) -> list[tuple[int, list]]:
        """The pending (iteration, values) rows, checked and on the host; the buffer empties."""
        if not self.pending:
            return []
        values = torch.stack([v for _, v in self.pending]).cpu()
        bad = (~torch.isfinite(values)).any(dim=1).nonzero()
        if len(bad):
            it, row = self.pending[int(bad[0])][0], dict(zip(self.keys, values[int(bad[0])].tolist()))
            epoch, i = divmod(it, self.iters_per_epoch)
            raise TrainingDiverged(
                f"[{self.name}] loss is not finite at epoch {epoch}, iteration {i} ("
                + ", ".join(f"{k}={row[k]:.4g}" for k in self.shown) + f"); training stopped. {self.advice}")
        rows = [(it, row) for (it, _), row in zip(self.pending, values.tolist())]
        self.pending.clear()
        return rows
