"""What the two training loops share around their steps: run options, the result they fill,
and the bookkeeping of one iteration (progress bar, timing, log lines, checkpoints).

``train.train_gan`` and ``cyclegan.train_cyclegan`` each build their networks, optimisers and
``checkpoint.Checkpoint``, then run

    for it in loop.iterations(start, end):
        ...one training step...
        loop.record(it, stats, images_in_batch)

and ``loop.finish(end)``. Checkpoints are written only between iterations, after the stats
were checked, so that a NaN never reaches one.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, ClassVar, Iterator

import torch
from torch import nn

from . import ui
from .checkpoint import Checkpoint, StatsBuffer


@dataclass
class RunOptions:
    """Options of a training run; a lab's parameters of the same names fill them (``from_params``)."""

    num_epochs: int = 5
    batch_size: int = 128
    betas: tuple[float, float] = (0.5, 0.999)
    seed: int = 999
    device: str = "cpu"
    log_every: int = 50                      # a log line every N iterations (and at each epoch's end)
    checkpoint: str | Path | None = None     # where to keep the run's state (None: nowhere)
    checkpoint_every: int = 500              # iterations between checkpoints (0: only at the end)
    resume: bool = False                     # continue from ``checkpoint`` if it exists
    stop_after: int | None = None            # end the call after this many iterations, as an interruption would
    name: str = "gan"
    verbose: bool = True

    # the lab parameters that ``from_params`` copies: into the option of the same name, or of the name
    # RENAMED gives; beta1 becomes betas[0]
    LAB_PARAMS: ClassVar[tuple] = ("num_epochs", "batch_size", "seed", "device", "log_every",
                                   "checkpoint_every", "resume", "beta1")
    RENAMED: ClassVar[dict] = {}

    @classmethod
    def option_of(cls, param: str) -> str:
        """The option a lab parameter fills."""
        return "betas" if param == "beta1" else cls.RENAMED.get(param, param)

    @classmethod
    def from_params(cls, params: dict, **changes):
        """Options from a lab's parameters (a notebook's globals), then ``changes`` for the options no
        parameter gives. A change may not replace what a lab parameter gives: the parameter would be
        shown and recorded, then ignored. A null parameter ("the lab decides") may be filled by a change."""
        values = {cls.option_of(k): params[k] for k in cls.LAB_PARAMS if k in params}
        if "betas" in values:
            values["betas"] = (values["betas"], 0.999)
        given = {k: p for p in cls.LAB_PARAMS if p in params and params[p] is not None
                 for k in [cls.option_of(p)]}
        clash = sorted(given[k] for k in changes if k in given)
        if clash:
            raise ValueError(f"{cls.__name__}.from_params: the lab parameter {clash[0]} gives option "
                             f"{cls.option_of(clash[0])}; change the parameter, not the option")
        return cls(**{**{k: v for k, v in values.items() if v is not None or k not in changes}, **changes})

    def but(self, **changes):
        """A copy with some options changed."""
        return replace(self, **changes)

    def total(self, iters_per_epoch: int) -> int:
        return self.num_epochs * iters_per_epoch


@dataclass(kw_only=True)
class RunResult:
    """What a run leaves: per-iteration history, images along the way, timings."""

    name: str
    num_epochs: int
    iters_per_epoch: int
    history: dict = field(default_factory=dict)
    seconds: float = 0.0                 # training wall time, summed over resumes
    images_seen: int = 0
    finished: bool = False

    COLUMNS: ClassVar[tuple] = ("iter", "epoch")   # where each history row was taken
    STATS: ClassVar[tuple] = ()          # the per-iteration stats, in the order a step reports them
    SAVED: ClassVar[tuple] = ("history", "seconds", "images_seen")   # what a checkpoint keeps

    def __post_init__(self):
        self.history = self.history or {k: [] for k in (*self.COLUMNS, *self.STATS)}

    @property
    def images_per_s(self) -> float:
        return self.images_seen / self.seconds if self.seconds > 0 else float("nan")

    def append(self, iteration: int, values: list) -> None:
        """One iteration's stats into the history (its COLUMNS, then STATS)."""
        epoch, i = divmod(iteration, self.iters_per_epoch)
        row = {"iter": iteration, "epoch": epoch, "i": i, **dict(zip(self.STATS, values))}
        for key, column in self.history.items():
            column.append(row[key])

    def log_line(self, k: int) -> str:
        raise NotImplementedError

    def summary(self) -> str:
        return f"{self.name}: trained in {self.seconds:.1f} s ({self.images_per_s:.0f} img/s)"

    def state_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.SAVED}

    def load_state_dict(self, state: dict) -> None:
        for k in self.SAVED:
            setattr(self, k, state[k])


class Loop:
    """The bookkeeping of one training run around its steps."""

    def __init__(self, result: RunResult, options: RunOptions, checkpoint: Checkpoint, shown: tuple,
                 advice: str):
        self.result, self.options, self.checkpoint = result, options, checkpoint
        self.total = options.total(result.iters_per_epoch)
        self.stats = StatsBuffer(result.STATS, shown, options.name, result.iters_per_epoch,
                                 f"{advice}; {checkpoint.advice()}")
        self.seconds_since = time.perf_counter()
        self.first = None    # (iteration, time) this call started at: the rate behind "left"
        self.end_at = self.total

    def start(self) -> int:
        """The iteration to start from: 0, or where the checkpoint stopped when resuming."""
        if not (self.options.resume and self.checkpoint.exists()):
            return 0
        start = self.checkpoint.resume(self.total)
        if self.options.verbose:
            print(f"[{self.options.name}] resumed from {self.checkpoint.path.name} at iteration {start}/{self.total}")
        return start

    def end(self) -> int:
        stop = self.options.stop_after
        return self.total if stop is None else min(self.total, stop)

    def iterations(self, start: int, end: int) -> Iterator[int]:
        """Yield each iteration; after each, log, and checkpoint when due."""
        every = self.options.checkpoint_every
        r = self.result
        if self.options.verbose and end > start:
            epochs = f"{r.num_epochs} epoch{'s' if r.num_epochs != 1 else ''}"
            print(f"[{self.options.name}] {end - start:,} iterations to go ({epochs} of {r.iters_per_epoch:,}"
                  + (f", from iteration {start:,}" if start else "") + ")")
        bar = ui.progress(self.total, desc=self.options.name, initial=start, disable=not self.options.verbose)
        self.seconds_since = time.perf_counter()
        self.first, self.end_at = (start, self.seconds_since), end
        for it in range(start, end):
            yield it
            bar.update(1)
            done = it + 1
            due = every and done % every == 0
            if done % self.options.log_every == 0 or done == end or due:
                self.flush()
            if due and done != end:
                self._clock()     # the checkpoint's write is not training time
                self.checkpoint.save(done)
                self.seconds_since = time.perf_counter()
        bar.close()
        self.flush()
        self._clock()

    def record(self, iteration: int, stats: torch.Tensor, images: int) -> None:
        self.stats.add(iteration, stats)
        self.result.images_seen += images

    def flush(self) -> None:
        """Checked stats into the history; log lines for the iterations due one."""
        result, every = self.result, self.options.log_every
        for it, row in self.stats.flush():
            result.append(it, row)
            i = it % result.iters_per_epoch
            if self.options.verbose and (i % every == 0 or i == result.iters_per_epoch - 1):
                print(result.log_line(len(result.history["iter"]) - 1) + self.time_left(it + 1))

    def time_left(self, done: int) -> str:
        """'\t~3 min left' after ``done`` iterations, at the rate of this call so far ('' at the end)."""
        if self.first is None or done >= self.end_at or done <= self.first[0]:
            return ""
        rate = (time.perf_counter() - self.first[1]) / (done - self.first[0])
        return f"\t~{duration(rate * (self.end_at - done))} left"

    def finish(self, start: int, end: int, last_images: Callable[[], None] | None = None) -> None:
        """Mark the run finished or not, take ``last_images`` at the very end, save the final state."""
        self.result.finished = end == self.total
        if self.result.finished and last_images is not None:
            last_images()
        if end > start or not self.checkpoint.exists():
            self.checkpoint.save(end)

    def _clock(self) -> None:
        self.result.seconds += time.perf_counter() - self.seconds_since


def duration(seconds: float) -> str:
    """'42 s', '17 min', '3.2 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 90 * 60 else f"{seconds / 3600:.1f} h"


def adam(params, lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
    """Adam over ``params``. On a CPU all of them are updated at once (``foreach``): torch's default there
    updates one tensor at a time, and ``foreach`` does the same arithmetic in fewer and in-place
    operations, so the same weights bitwise; the cgan lab's G (1.2 million weights) steps in 2.8 ms
    against 4.6 on one core. Elsewhere torch chooses (``foreach`` already on CUDA)."""
    params = list(params)
    on_cpu = all(p.device.type == "cpu" for p in params)
    return torch.optim.Adam(params, lr=lr, betas=betas, foreach=True if on_cpu else None)


@contextmanager
def frozen(*nets: nn.Module):
    """Inside, gradients flow through the nets to their inputs but not into their weights.

    G's update needs dD/dx, not dD/dw (the recipe computes those and throws them away at D's
    next zero_grad): skipping them saves a third of D's backward, and G's gradient is the same.
    """
    params = [p for net in nets for p in net.parameters()]
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(params, flags):
            p.requires_grad_(flag)


def epoch_order(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The shuffled image order of one epoch: a function of (seed, epoch) alone."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


def batch_at(order_of_epoch: Callable[[int], torch.Tensor], it: int, iters_per_epoch: int,
             batch_size: int) -> torch.Tensor:
    """The image indices of iteration ``it``: a slice of its epoch's order."""
    epoch, i = divmod(it, iters_per_epoch)
    return order_of_epoch(epoch)[i * batch_size:(i + 1) * batch_size]
