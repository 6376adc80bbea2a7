"""One GAN training loop for the labs.

It follows the PyTorch DCGAN tutorial step by step (real and fake batches through D
separately, as BatchNorm requires; then one G step on the same fakes) and adds what a
lab needs around it:

* seeded and bitwise repeatable on the CPU (fixed seed, thread count, batch order);
* per-iteration history and log lines in the tutorial/report format;
* fixed-noise snapshots every ``snapshot_every`` iterations;
* atomic checkpoints every ``checkpoint_every`` iterations and exact resume;
* a clear stop when a loss turns NaN or infinite.

Data is an ``ImageData`` held as uint8 in memory (on the GPU when training there);
batches are cut by index from a per-epoch permutation, so resuming in mid-epoch needs
nothing but the iteration number.
"""
from __future__ import annotations

import hashlib
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from .data import ImageData, to_float, to_uint8
from .nets import is_conditional
from .settings import pick_bf16, pick_device
from . import ui

# per iteration: losses, D's mean output on real / fake (before / after the D step), and D's
# accuracy (share of real scored > 0.5, share of fake scored < 0.5, before the D step)
STATS = ("Loss_D", "Loss_G", "D_x", "D_G_z1", "D_G_z2", "acc_real", "acc_fake")


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; training stopped before writing a bad checkpoint."""


class CheckpointMismatch(ValueError):
    """A checkpoint was written by a run with another configuration."""


@dataclass
class TrainResult:
    name: str
    netG: nn.Module
    netD: nn.Module
    num_epochs: int
    iters_per_epoch: int
    history: dict = field(default_factory=lambda: {k: [] for k in ("iter", "epoch", "i", *STATS)})
    snapshots: dict = field(default_factory=dict)   # iteration -> uint8 (n, C, H, W) from fixed noise
    seconds: float = 0.0                            # training wall time, summed over resumes
    images_seen: int = 0
    finished: bool = False

    @property
    def images_per_s(self) -> float:
        return self.images_seen / self.seconds if self.seconds > 0 else float("nan")

    def final(self, key: str, last: int = 1) -> float:
        """Mean of the last ``last`` values of a history column."""
        values = self.history[key][-last:]
        return sum(values) / len(values)

    def log_line(self, k: int) -> str:
        """History row k in the tutorial/report format."""
        h = self.history
        return (f"[{h['epoch'][k]}/{self.num_epochs}][{h['i'][k]}/{self.iters_per_epoch}]\t"
                f"Loss_D: {h['Loss_D'][k]:.4f}\tLoss_G: {h['Loss_G'][k]:.4f}\t"
                f"D(x): {h['D_x'][k]:.4f}\tD(G(z)): {h['D_G_z1'][k]:.4f} / {h['D_G_z2'][k]:.4f}")

    def log_excerpt(self, last: int = 19) -> str:
        n = len(self.history["iter"])
        return "\n".join(self.log_line(k) for k in range(max(0, n - last), n))


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


def has_conv(*nets: nn.Module) -> bool:
    """Whether any of the nets convolves (so that a channels-last layout can pay)."""
    return any(isinstance(m, nn.modules.conv._ConvNd) for net in nets for m in net.modules())


def _fingerprint(netG, netD, loss, data: ImageData, cfg: dict) -> dict:
    """What must match for a checkpoint to be resumed (num_epochs may grow)."""
    arch = hashlib.sha1((repr(netG) + repr(netD)).encode()).hexdigest()[:12]
    return {"architecture": arch, "loss": type(loss).__name__, "dataset": data.name,
            "num_images": len(data), "image_shape": list(data.image_shape), **cfg}


def _save_atomic(obj, path: Path) -> None:
    """Write to a temp file in the same folder, then rename: a crash never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _state_dicts(parts: dict) -> dict:
    """{name: network, optimizer or list of schedulers} -> {name: its state (a list for lists)}."""
    return {k: [p.state_dict() for p in v] if isinstance(v, list) else v.state_dict() for k, v in parts.items()}


def _load_state_dicts(ckpt: dict, parts: dict) -> None:
    """Restore what ``_state_dicts`` saved into the same parts."""
    for k, v in parts.items():
        for part, state in zip(v, ckpt[k]) if isinstance(v, list) else [(v, ckpt[k])]:
            part.load_state_dict(state)


def _load_checkpoint(path: Path, fingerprint: dict) -> dict:
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise CheckpointMismatch(f"checkpoint {path} cannot be read ({type(e).__name__}); "
                                 "delete it or pass resume=False") from None
    saved = ckpt.get("fingerprint", {})
    diff = [k for k in sorted(set(saved) | set(fingerprint)) if saved.get(k) != fingerprint.get(k)]
    if diff:
        detail = ", ".join(f"{k}: checkpoint {saved.get(k)!r} vs now {fingerprint.get(k)!r}" for k in diff)
        raise CheckpointMismatch(f"checkpoint {path} is from another configuration ({detail}); "
                                 "point checkpoint elsewhere or pass resume=False to start over")
    return ckpt


def _pull_stats(pending: list, keys: tuple, shown: tuple, name: str, iters_per_epoch: int,
                advice: str) -> list[tuple[int, list]]:
    """Bring the pending per-iteration stats (kept on the device so that no step waits for the
    host) to the host as (iteration, values); a NaN or infinite value stops training with a
    message naming where it happened, the ``shown`` stats there, and ``advice``."""
    values = torch.stack([s for _, s in pending]).cpu()
    bad = (~torch.isfinite(values)).any(dim=1).nonzero()
    if len(bad):
        it, row = pending[int(bad[0])][0], dict(zip(keys, values[int(bad[0])].tolist()))
        raise TrainingDiverged(
            f"[{name}] loss is not finite at epoch {it // iters_per_epoch}, iteration {it % iters_per_epoch} ("
            + ", ".join(f"{k}={row[k]:.4g}" for k in shown) + f"); training stopped. {advice}")
    return [(it, row) for (it, _), row in zip(pending, values.tolist())]


def epoch_order(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The shuffled image order of one epoch: a function of (seed, epoch) alone."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


def train_gan(netG: nn.Module, netD: nn.Module, data: ImageData, loss, *, nz: int,
              num_epochs: int = 5, batch_size: int = 128, lr: float = 2e-4, lr_d: float | None = None,
              betas: tuple[float, float] = (0.5, 0.999), seed: int = 999, device: str = "cpu",
              log_every: int = 50, snapshot_every: int = 200, n_fixed: int = 64,
              checkpoint: str | Path | None = None, checkpoint_every: int = 500, resume: bool = False,
              stop_after: int | None = None, name: str = "gan", verbose: bool = True,
              on_snapshot=None, d_steps: int = 1, g_steps: int = 1,
              fixed_condition: torch.Tensor | None = None, lr_step: int | None = None,
              lr_gamma: float = 1.0, channels_last: bool = True, compile: bool = False,
              bf16: bool | str = False) -> TrainResult:
    """Train netG/netD on ``data`` with ``loss`` (see ``ganlib.losses``); return a ``TrainResult``.

    ``lr`` is G's learning rate and D's too unless ``lr_d`` is given. With ``checkpoint``
    set, state is written there every ``checkpoint_every`` iterations and at the end;
    ``resume=True`` continues from it (bitwise as if never stopped). ``stop_after``
    ends the call after that many iterations in all, as an interruption would.
    ``on_snapshot(result)`` is called after each snapshot (live panels use it).

    Each iteration takes one real batch and makes ``d_steps`` D updates (n_critic of WGAN-GP;
    each with fresh noise), then ``g_steps`` G updates (the first on the last D step's fakes,
    as in the tutorial, the others on fresh noise). Conditional networks (``nets.is_conditional``)
    get each image's row of ``data.labels`` as their condition; snapshots of a conditional G
    use ``fixed_condition`` (one row per image).

    ``lr_step``/``lr_gamma``: both learning rates are multiplied by ``lr_gamma`` every
    ``lr_step`` iterations (StepLR, as report 000 used it).

    ``channels_last``: convolutional nets and image batches are laid out NHWC, which oneDNN
    (CPU) and cuDNN (GPU) convolve faster than NCHW; the same arithmetic, about 10% more img/s on
    a 2-core EPYC (``benchmarks/train_throughput.py``). Nets without convolutions are left as they are.
    ``compile``: G's and D's forward passes go through ``torch.compile`` (the gradient penalty
    keeps the eager D: it differentiates twice). Off by default: on a 2-core EPYC it did not pay
    (benchmark, 64 px: 74 img/s compiled vs 74 eager; 32 px: 398 vs 411) and costs about 30 s
    of compiling; results are close to, not bitwise those of, eager mode.
    ``bf16``: G's and D's forward passes run under bfloat16 autocast (losses, the gradient
    penalty and the weights stay float32). About 1.3x the img/s on a CPU with avx512_bf16 and on
    recent GPUs; still deterministic on the CPU, but not bitwise the float32 run. Without native
    bfloat16 (AVX2-only CPUs) it is emulated and about 10x slower: ``"auto"`` turns it on only where
    it is native (``settings.native_bf16``).
    """
    dev = pick_device(device)
    bf16 = pick_bf16(bf16, dev)
    n = len(data)
    if n < 2:
        raise ValueError(f"dataset {data.name!r} has {n} image(s); training needs at least 2")
    batch_size = min(batch_size, n)
    iters_per_epoch = -(-n // batch_size)
    if n % batch_size == 1:   # a batch of one image breaks BatchNorm: drop it
        iters_per_epoch -= 1
    total = num_epochs * iters_per_epoch
    g_cond, d_cond = is_conditional(netG), is_conditional(netD)
    if (g_cond or d_cond) and (data.labels is None or data.labels.dim() != 2):
        raise ValueError(f"dataset {data.name!r} has no condition vectors (N, classes) as labels; "
                         "conditional networks need them")
    if g_cond and fixed_condition is None:
        raise ValueError("a conditional generator needs fixed_condition for its snapshots")
    cfg = {"nz": nz, "batch_size": batch_size, "lr": lr, "lr_d": lr_d, "betas": list(betas), "seed": seed,
           "d_steps": d_steps, "g_steps": g_steps, "lr_step": lr_step, "lr_gamma": lr_gamma}
    if bf16:   # older checkpoints (float32) keep their fingerprint
        cfg["bf16"] = True
    fingerprint = _fingerprint(netG, netD, loss, data, cfg)

    torch.manual_seed(seed)   # the global stream feeds dropout and the penalty's epsilons
    fmt = torch.channels_last if channels_last and has_conv(netG, netD) else torch.contiguous_format
    netG.to(dev, memory_format=fmt).train()
    netD.to(dev, memory_format=fmt).train()
    optG = torch.optim.Adam(netG.parameters(), lr=lr, betas=betas)
    optD = torch.optim.Adam(netD.parameters(), lr=lr_d or lr, betas=betas)
    schedulers = ([torch.optim.lr_scheduler.StepLR(opt, step_size=lr_step, gamma=lr_gamma) for opt in (optG, optD)]
                  if lr_step else [])
    parts = {"netG": netG, "netD": netD, "optG": optG, "optD": optD, "schedulers": schedulers}
    noise_gen = torch.Generator().manual_seed(seed + 1)
    if g_cond:
        fixed_condition = fixed_condition.float().to(dev)
        n_fixed = len(fixed_condition)
    fixed_noise = torch.randn(n_fixed, nz, 1, 1, generator=torch.Generator().manual_seed(seed + 2)).to(dev)
    result = TrainResult(name, netG, netD, num_epochs, iters_per_epoch)
    start = 0

    checkpoint = Path(checkpoint) if checkpoint else None
    if checkpoint and resume and checkpoint.exists():
        ckpt = _load_checkpoint(checkpoint, fingerprint)
        _load_state_dicts(ckpt, parts)
        noise_gen.set_state(ckpt["noise_rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        result.history, result.snapshots = ckpt["history"], ckpt["snapshots"]
        result.seconds, result.images_seen = ckpt["seconds"], ckpt["images_seen"]
        start = ckpt["iteration"]
        if verbose:
            print(f"[{name}] resumed from {checkpoint.name} at iteration {start}/{total}")

    def save_checkpoint(iteration: int) -> None:
        if checkpoint:
            _save_atomic({"fingerprint": fingerprint, "iteration": iteration, **_state_dicts(parts),
                          "noise_rng": noise_gen.get_state(), "torch_rng": torch.get_rng_state(),
                          "history": result.history, "snapshots": result.snapshots,
                          "seconds": result.seconds, "images_seen": result.images_seen}, checkpoint)

    def take_snapshot(iteration: int) -> None:
        with torch.no_grad():   # train-mode BatchNorm, as the tutorial samples
            fixed = netG(fixed_noise, fixed_condition) if g_cond else netG(fixed_noise)
            result.snapshots[iteration] = to_uint8(fixed).cpu()
        if on_snapshot is not None:
            on_snapshot(result)

    images = data.images.to(dev)
    conditions = data.labels.float().to(dev) if (g_cond or d_cond) else None
    pending: list[tuple[int, torch.Tensor]] = []   # stats stay on the device until flushed

    def flush() -> None:
        """Pull pending stats to the host, check them, extend history and print log lines."""
        if not pending:
            return
        advice = (f"Lower the learning rate (lr={lr}) or change the loss; "
                  + (f"the last good checkpoint is {checkpoint}" if checkpoint else "no checkpoint was kept"))
        for it, row in _pull_stats(pending, STATS, ("Loss_D", "Loss_G"), name, iters_per_epoch, advice):
            epoch, i = divmod(it, iters_per_epoch)
            for key, v in zip(("iter", "epoch", "i", *STATS), (it, epoch, i, *row)):
                result.history[key].append(v)
            if verbose and (i % log_every == 0 or i == iters_per_epoch - 1):
                print(result.log_line(len(result.history["iter"]) - 1))
        pending.clear()

    if start == 0 and snapshot_every:
        take_snapshot(0)
    end = total if stop_after is None else min(total, stop_after)
    bar = ui.progress(total, desc=name, initial=start, disable=not verbose)
    t0 = time.perf_counter()
    order, order_epoch = None, -1
    amp = lambda: torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16)
    fwdG, fwdD = (torch.compile(netG), torch.compile(netD)) if compile else (netG, netD)
    for it in range(start, end):
        epoch, i = divmod(it, iters_per_epoch)
        if epoch != order_epoch:
            order, order_epoch = epoch_order(n, seed, epoch).to(dev), epoch
        index = order[i * batch_size:(i + 1) * batch_size]
        real = to_float(images[index]).contiguous(memory_format=fmt)
        b = real.size(0)
        c = conditions[index] if conditions is not None else None
        G = (lambda z: fwdG(z, c)) if g_cond else fwdG     # fakes share their batch's conditions
        D = (lambda x: fwdD(x, c)) if d_cond else fwdD
        eagerD = (lambda x: netD(x, c)) if d_cond else netD

        # (1) Update D: minimise loss.discriminator on a real batch and a fake batch
        for _ in range(d_steps):
            netD.zero_grad(set_to_none=True)
            with amp():
                out_real = D(real).float()
                fake = G(torch.randn(b, nz, 1, 1, generator=noise_gen).to(dev))
                out_fake = D(fake.detach()).float()
            errD = loss.discriminator(out_real, out_fake) + loss.penalty(eagerD, real, fake.detach().float())
            errD.backward()
            optD.step()

        # (2) Update G: minimise loss.generator on the same fakes, through the updated D
        with frozen(netD):
            for step in range(g_steps):
                netG.zero_grad(set_to_none=True)
                with amp():
                    if step > 0:
                        fake = G(torch.randn(b, nz, 1, 1, generator=noise_gen).to(dev))
                    out_fake2 = D(fake).float()
                errG = loss.generator(out_fake2)
                errG.backward()
                optG.step()

        with torch.no_grad():
            s_real, s_fake = loss.score(out_real), loss.score(out_fake)
            pending.append((it, torch.stack([errD, errG, s_real.mean(), s_fake.mean(),
                                             loss.score(out_fake2).mean(), (s_real > 0.5).float().mean(),
                                             (s_fake < 0.5).float().mean()])))
        for sched in schedulers:
            sched.step()
        result.images_seen += b
        bar.update(1)
        done = it + 1
        if done % log_every == 0 or done == end or (checkpoint_every and done % checkpoint_every == 0):
            flush()
        if snapshot_every and done % snapshot_every == 0:
            take_snapshot(done)
        if checkpoint_every and done % checkpoint_every == 0 and done != end:
            result.seconds += time.perf_counter() - t0
            t0 = time.perf_counter()
            save_checkpoint(done)
    bar.close()
    flush()
    result.seconds += time.perf_counter() - t0
    result.finished = end == total
    if result.finished and snapshot_every and total not in result.snapshots:
        take_snapshot(total)   # the evolution always ends on the final generator
    if end > start or not checkpoint or not checkpoint.exists():
        save_checkpoint(end)
    return result


@torch.no_grad()
def sample(netG: nn.Module, n: int, nz: int, seed: int = 0, batch_size: int = 250,
           condition: torch.Tensor | None = None) -> torch.Tensor:
    """n generated images as uint8 (n, C, H, W), from noise seeded by ``seed``; a conditional
    G gets row k of ``condition`` (n rows) for image k."""
    gen = torch.Generator().manual_seed(seed)
    dev = next(netG.parameters()).device
    out = []
    for k in range(0, n, batch_size):
        z = torch.randn(min(batch_size, n - k), nz, 1, 1, generator=gen).to(dev)
        if condition is None:
            out.append(to_uint8(netG(z)).cpu())
        else:
            out.append(to_uint8(netG(z, condition[k:k + len(z)].float().to(dev))).cpu())
    return torch.cat(out)


@torch.no_grad()
def d_scores(netD: nn.Module, loss, images_uint8: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    """D's output (as ``loss.score`` reads it) for each image, in batches of real-only or fake-only
    images, as D sees them in training."""
    dev = next(netD.parameters()).device
    return torch.cat([loss.score(netD(to_float(images_uint8[k:k + batch_size].to(dev)))).cpu()
                      for k in range(0, len(images_uint8), batch_size)])
