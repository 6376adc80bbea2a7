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

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, ClassVar

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from .checkpoint import Checkpoint, CheckpointMismatch, RandomState, TrainingDiverged, architecture_hash
from .data import ImageData, to_float, to_uint8
from .inference import batched, device_of
from .loop import Loop, RunOptions, RunResult, adam, batch_at, epoch_order, frozen
from .nets import is_conditional
from .settings import pick_bf16, pick_device

# per iteration: losses, D's mean output on real / fake (before / after the D step), and D's
# accuracy (share of real scored > 0.5, share of fake scored < 0.5, before the D step)
STATS = ("Loss_D", "Loss_G", "D_x", "D_G_z1", "D_G_z2", "acc_real", "acc_fake")

__all__ = ["TrainOptions", "TrainResult", "GANSteps", "train_gan", "sample", "d_scores", "frozen", "epoch_order",
           "CheckpointMismatch", "TrainingDiverged", "STATS"]


@dataclass
class TrainOptions(RunOptions):
    """How ``train_gan`` trains; ``TrainOptions.from_params(globals())`` in a lab notebook.

    ``lr`` is G's learning rate and D's too unless ``lr_d`` is given. Each iteration makes
    ``d_steps`` D updates (n_critic of WGAN-GP), then ``g_steps`` G updates; the first G update
    reuses D's last fakes (the PyTorch DCGAN tutorial), or draws fresh noise with ``fresh_noise``
    (report 002's code, which draws it for each of its 4 G steps). ``lr_step``/``lr_gamma``:
    both learning rates are multiplied by ``lr_gamma`` every ``lr_step`` iterations (StepLR, as
    report 000 used it). A conditional G draws its snapshots for ``fixed_condition`` (one row per image).

    ``ema``: with a decay in (0, 1), G's weights are also averaged after every iteration
    (an exponential moving average, Yazici et al., 2019) and the snapshots and ``result.sampler``
    draw from that average: it smooths out the trained G's swings from one iteration to the next.
    0: no average; the snapshots and ``result.sampler`` are the trained G.

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

    nz: int = 100
    lr: float = 2e-4
    lr_d: float | None = None
    d_steps: int = 1
    g_steps: int = 1
    fresh_noise: bool = False
    lr_step: int | None = None
    lr_gamma: float = 1.0
    snapshot_every: int = 200                  # fixed-noise samples every N iterations (0: none)
    snapshot_at: tuple = ()                    # ... and after these iterations (inversion's milestone epochs)
    n_fixed: int = 64
    fixed_condition: torch.Tensor | None = None
    on_snapshot: Callable | None = None        # called with the result after each snapshot (live panels)
    channels_last: bool = True
    compile: bool = False
    bf16: bool | str = False
    ema: float = 0.0

    LAB_PARAMS: ClassVar[tuple] = (*RunOptions.LAB_PARAMS, "nz", "lr", "lr_g", "lr_d", "lr_step", "lr_gamma",
                                   "snapshot_every", "bf16", "fresh_noise")
    RENAMED: ClassVar[dict] = {"lr_g": "lr"}    # the labs that set D's rate apart name G's lr_g

    def fingerprint(self, batch_size: int) -> dict:
        """The options a checkpoint must share to be resumed (num_epochs may grow)."""
        cfg = {"nz": self.nz, "batch_size": batch_size, "lr": self.lr, "lr_d": self.lr_d, "betas": list(self.betas),
               "seed": self.seed, "d_steps": self.d_steps, "g_steps": self.g_steps, "lr_step": self.lr_step,
               "lr_gamma": self.lr_gamma}
        # options added later enter only when on, so earlier checkpoints keep their fingerprint
        return {**cfg, **{k: True for k in ("bf16", "fresh_noise") if getattr(self, k)},
                **({"ema": self.ema} if self.ema else {})}


@dataclass(kw_only=True)
class TrainResult(RunResult):
    netG: nn.Module
    netD: nn.Module
    netG_average: nn.Module | None = None           # the moving average of G's weights (``ema``), if any
    snapshots: dict = field(default_factory=dict)   # iteration -> uint8 (n, C, H, W) from fixed noise

    COLUMNS: ClassVar[tuple] = ("iter", "epoch", "i")
    STATS: ClassVar[tuple] = STATS
    SAVED: ClassVar[tuple] = (*RunResult.SAVED, "snapshots")

    @property
    def sampler(self) -> nn.Module:
        """The generator to draw samples from: the average of G's weights if training kept one."""
        return self.netG if self.netG_average is None else self.netG_average

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


def has_conv(*nets: nn.Module) -> bool:
    """Whether any of the nets convolves (so that a channels-last layout can pay)."""
    return any(isinstance(m, nn.modules.conv._ConvNd) for net in nets for m in net.modules())


def iterations_per_epoch(n: int, batch_size: int) -> int:
    """Batches per epoch of n images (a batch is at most n): the last one may be short, but a
    batch of one image (which breaks BatchNorm) is dropped."""
    batch_size = min(batch_size, n)
    iters = -(-n // batch_size)
    return iters - 1 if n % batch_size == 1 else iters


class GANSteps:
    """The updates of one iteration, as in the PyTorch DCGAN tutorial: D on a real and a fake
    batch (separately, as BatchNorm requires), then G on the same fakes through the updated D."""

    def __init__(self, netG: nn.Module, netD: nn.Module, loss, opts: TrainOptions, dev: torch.device, bf16: bool):
        self.netG, self.netD, self.loss, self.opts, self.dev, self.bf16 = netG, netD, loss, opts, dev, bf16
        self.g_cond, self.d_cond = is_conditional(netG), is_conditional(netD)
        self.fwdG, self.fwdD = (torch.compile(netG), torch.compile(netD)) if opts.compile else (netG, netD)
        self.optG = adam(netG.parameters(), opts.lr, opts.betas)
        self.optD = adam(netD.parameters(), opts.lr_d or opts.lr, opts.betas)
        self.schedulers = ([torch.optim.lr_scheduler.StepLR(opt, opts.lr_step, opts.lr_gamma)
                            for opt in (self.optG, self.optD)] if opts.lr_step else [])
        self.noise_gen = torch.Generator().manual_seed(opts.seed + 1)
        if not 0 <= opts.ema < 1:
            raise ValueError(f"ema must be in [0, 1), got {opts.ema}")
        # a copy of G (its .module) whose weights follow G's, and the count of updates it has seen
        self.average = AveragedModel(netG, multi_avg_fn=get_ema_multi_avg_fn(opts.ema)) if opts.ema else None

    def parts(self) -> dict:
        """What a checkpoint keeps of the steps."""
        parts = {"netG": self.netG, "netD": self.netD, "optG": self.optG, "optD": self.optD,
                 "schedulers": self.schedulers, "noise_rng": RandomState(self.noise_gen)}
        return {**parts, "netG_average": self.average} if self.average is not None else parts

    def G(self, z, c=None):
        return self.fwdG(z, c) if self.g_cond else self.fwdG(z)

    def G_sampled(self, z, c=None):
        """What the snapshots draw: the average of G's weights if there is one, else G."""
        net = self.average.module if self.average is not None else self.fwdG
        return net(z, c) if self.g_cond else net(z)

    def D(self, x, c=None):
        return self.fwdD(x, c) if self.d_cond else self.fwdD(x)

    def autocast(self):
        return torch.autocast(self.dev.type, dtype=torch.bfloat16, enabled=self.bf16)

    def noise(self, b: int) -> torch.Tensor:
        return torch.randn(b, self.opts.nz, 1, 1, generator=self.noise_gen).to(self.dev)

    def update_D(self, real: torch.Tensor, c=None):
        """(1) Update D: minimise ``loss.discriminator`` on a real and a fake batch, plus ``loss.penalty``
        (for the vanilla loss: maximise log D(x) + log(1 - D(G(z)))). ``d_steps`` times, each with
        fresh noise; returns the last step's loss, D's outputs and the fakes."""
        penalty_D = (lambda x: self.netD(x, c)) if self.d_cond else self.netD   # eager: differentiated twice
        for _ in range(self.opts.d_steps):
            self.netD.zero_grad(set_to_none=True)
            with self.autocast():
                out_real = self.D(real, c).float()
                fake = self.G(self.noise(real.size(0)), c)
                out_fake = self.D(fake.detach(), c).float()
            errD = (self.loss.discriminator(out_real, out_fake, c)
                    + self.loss.penalty(penalty_D, real, fake.detach().float()))
            errD.backward()
            self.optD.step()
        return errD, out_real, out_fake, fake

    def update_G(self, fake: torch.Tensor, c=None):
        """(2) Update G: minimise ``loss.generator`` on D's verdict of the fakes (for the vanilla loss:
        maximise log D(G(z))). The first of ``g_steps`` reuses D's last fakes unless ``fresh_noise``,
        the others draw fresh noise; D's weights get no gradient."""
        with frozen(self.netD):
            for step in range(self.opts.g_steps):
                self.netG.zero_grad(set_to_none=True)
                with self.autocast():
                    if step > 0 or self.opts.fresh_noise:
                        fake = self.G(self.noise(fake.size(0)), c)
                    out_fake = self.D(fake, c).float()
                errG = self.loss.generator(out_fake, c)
                errG.backward()
                self.optG.step()
        return errG, out_fake

    def step(self, real: torch.Tensor, c=None) -> torch.Tensor:
        """One iteration: D's update(s), G's, the schedulers; returns the STATS (on the device)."""
        errD, out_real, out_fake, fake = self.update_D(real, c)
        errG, out_fake2 = self.update_G(fake, c)
        for sched in self.schedulers:
            sched.step()
        if self.average is not None:
            self.average.update_parameters(self.netG)
        with torch.no_grad():
            s_real, s_fake = self.loss.score(out_real), self.loss.score(out_fake)
            return torch.stack([errD, errG, s_real.mean(), s_fake.mean(), self.loss.score(out_fake2).mean(),
                                (s_real > 0.5).float().mean(), (s_fake < 0.5).float().mean()])


def _check_data(steps: GANSteps, data: ImageData, opts: TrainOptions) -> None:
    if len(data) < 2:
        raise ValueError(f"dataset {data.name!r} has {len(data)} image(s); training needs at least 2")
    if (steps.g_cond or steps.d_cond) and (data.labels is None or data.labels.dim() != 2):
        raise ValueError(f"dataset {data.name!r} has no condition vectors (N, classes) as labels; "
                         "conditional networks need them")
    if steps.g_cond and opts.fixed_condition is None:
        raise ValueError("a conditional generator needs fixed_condition for its snapshots")


def _fixed_inputs(steps: GANSteps, opts: TrainOptions):
    """The snapshots' fixed noise (and conditions, for a conditional G)."""
    condition = opts.fixed_condition.float().to(steps.dev) if steps.g_cond else None
    n = len(condition) if steps.g_cond else opts.n_fixed
    noise = torch.randn(n, opts.nz, 1, 1, generator=torch.Generator().manual_seed(opts.seed + 2)).to(steps.dev)
    return noise, condition


def train_gan(netG: nn.Module, netD: nn.Module, data: ImageData, loss, options: TrainOptions | None = None,
              **changes) -> TrainResult:
    """Train netG/netD on ``data`` with ``loss`` (see ``ganlib.losses``); return a ``TrainResult``.

    ``options`` (a ``TrainOptions``), with ``changes`` applied, say how. With ``checkpoint`` set,
    state is written there every ``checkpoint_every`` iterations and at the end; ``resume=True``
    continues from it, bitwise as if never stopped. Conditional networks get each image's row of
    ``data.labels`` as their condition.
    """
    opts = (options or TrainOptions()).but(**changes)
    dev = pick_device(opts.device)
    torch.manual_seed(opts.seed)   # the global stream feeds dropout and the penalty's epsilons
    fmt = torch.channels_last if opts.channels_last and has_conv(netG, netD) else torch.contiguous_format
    netG.to(dev, memory_format=fmt).train()     # before the optimisers take the parameters
    netD.to(dev, memory_format=fmt).train()
    steps = GANSteps(netG, netD, loss, opts, dev, pick_bf16(opts.bf16, dev))
    _check_data(steps, data, opts)
    n, batch_size = len(data), min(opts.batch_size, len(data))
    result = TrainResult(name=opts.name, netG=netG, netD=netD, num_epochs=opts.num_epochs,
                         netG_average=steps.average.module if steps.average is not None else None,
                         iters_per_epoch=iterations_per_epoch(n, batch_size))
    fingerprint = {"architecture": architecture_hash(netG, netD), "loss": type(loss).__name__, "dataset": data.name,
                   "num_images": n, "image_shape": list(data.image_shape),
                   **opts.but(bf16=steps.bf16).fingerprint(batch_size)}
    checkpoint = Checkpoint(opts.checkpoint, fingerprint,
                            {**steps.parts(), "torch_rng": RandomState()}, result)
    loop = Loop(result, opts, checkpoint, shown=("Loss_D", "Loss_G"),
                advice=f"Lower the learning rate (lr={opts.lr}) or change the loss")
    fixed_noise, fixed_condition = _fixed_inputs(steps, opts)

    def take_snapshot(iteration: int) -> None:
        with torch.no_grad():   # train-mode BatchNorm, as the tutorial samples
            result.snapshots[iteration] = to_uint8(steps.G_sampled(fixed_noise, fixed_condition)).cpu()
        if opts.on_snapshot is not None:
            loop.flush()
            opts.on_snapshot(result)

    def final_snapshot() -> None:   # the evolution always ends on the final generator
        if opts.snapshot_every and loop.total not in result.snapshots:
            take_snapshot(loop.total)

    images = data.images.to(dev)
    conditions = data.labels.float().to(dev) if (steps.g_cond or steps.d_cond) else None
    order = lru_cache(maxsize=1)(lambda epoch: epoch_order(n, opts.seed, epoch).to(dev))
    start, end = loop.start(), loop.end()
    if start == 0 and opts.snapshot_every:
        take_snapshot(0)
    for it in loop.iterations(start, end):
        index = batch_at(order, it, result.iters_per_epoch, batch_size)
        real = to_float(images[index]).contiguous(memory_format=fmt)
        loop.record(it, steps.step(real, conditions[index] if conditions is not None else None), len(index))
        if opts.snapshot_every and (it + 1) % opts.snapshot_every == 0 or it + 1 in opts.snapshot_at:
            take_snapshot(it + 1)
    loop.finish(start, end, last_images=final_snapshot)
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


def d_scores(netD: nn.Module, loss, images_uint8: torch.Tensor, batch_size: int = 128) -> torch.Tensor:
    """D's output (as ``loss.score`` reads it) for each image, in batches of real-only or fake-only
    images, as D sees them in training."""
    return batched(lambda x: loss.score(netD(x)), images_uint8, batch_size, device_of(netD))
