"""CycleGAN: unpaired translation between two image domains A and B (report 004 part 2).

``train_cyclegan`` trains G_A2B, G_B2A, D_A and D_B as report 004's loop did (one G step on
the whole objective of ``losses.CycleGANLoss``, then one step of each D), with what the
CycleGAN authors' code adds: a pool of 50 past fakes for D, linear learning-rate decay,
and optional RandomAffine augmentation (report 004's). Like ``train.train_gan`` it is
seeded and bitwise repeatable on the CPU, checkpoints atomically, resumes exactly and stops
on a non-finite loss. ``configuration`` says what each of the lab's configurations trains.
Translating and scoring: ``ganlib.translations``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import Checkpoint, CheckpointMismatch, RandomState, TrainingDiverged, architecture_hash
from .data import ImageData, to_float, to_uint8
from .losses import CycleGANLoss
from .loop import Loop, RunOptions, RunResult, adam, batch_at, epoch_order, frozen
from .settings import pick_device
from .translations import resize_images

# per iteration, named as in report 004's code
TERMS = ("loss_identity_A", "loss_identity_B", "loss_gan_A2B", "loss_gan_B2A", "loss_cycle_ABA", "loss_cycle_BAB",
         "total_loss", "loss_discrim_A", "loss_discrim_B")
PANEL_TITLES = ("real A", "replicate A\nG_BA(real A)", "fake A\nG_BA(real B)", "cycle A\nG_BA(G_AB(real A))",
                "real B", "replicate B\nG_AB(real B)", "fake B\nG_AB(real A)", "cycle B\nG_AB(G_BA(real B))")

__all__ = ["ImagePool", "CycleOptions", "CycleResult", "CycleSteps", "train_cyclegan", "panel_images",
           "Configuration", "configuration", "resolve_nulls",
           "random_affine", "linear_decay", "CheckpointMismatch", "TrainingDiverged"]


class ImagePool:
    """A buffer of up to ``size`` past fakes (Shrivastava et al., 2017; the CycleGAN code's
    ImagePool). D sees, for each image of a batch, either the new fake (and the pool keeps
    it) or, half the time once the pool is full, an older fake it swaps out: D then cannot
    chase only G's latest mode. Its random stream is its own, so a resumed run draws alike."""

    def __init__(self, size: int = 50, seed: int = 0, device="cpu"):
        self.size, self.device = size, device
        self.images: list[torch.Tensor] = []
        self.gen = torch.Generator().manual_seed(seed)

    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return fakes
        out = []
        for image in fakes.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand(1, generator=self.gen).item() < 0.5:
                k = int(torch.randint(0, self.size, (1,), generator=self.gen))
                out.append(self.images[k].clone())
                self.images[k] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)

    def state_dict(self) -> dict:
        return {"images": [im.cpu() for im in self.images], "rng": self.gen.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.images = [im.to(self.device) for im in state["images"]]
        self.gen.set_state(state["rng"])


def random_affine(batch: torch.Tensor, fill: str = "black") -> torch.Tensor:
    """Report 004's augmentation, one draw per image, as ``RandomAffine(degrees=(-30, 30),
    translate=(0.1, 0.3), scale=(0.8, 1.2))`` draws it: a rotation, a shift of up to 10% of the width
    and 30% of the height, a zoom. ``fill``: what covers the corners the move uncovers: ``black`` as
    with the report's PIL images, or ``reflect``, the image mirrored at its edges (no black area for D
    to take as a mark of real images). Draws from torch's global stream (saved in checkpoints)."""
    n = batch.size(0)
    u = torch.rand(n, 4).to(batch.device)
    angle = torch.deg2rad(u[:, 0] * 60 - 30)
    shift = torch.stack([(u[:, 1] * 2 - 1) * 0.1, (u[:, 2] * 2 - 1) * 0.3], 1) * 2     # in [-1, 1] units
    zoom = 0.8 + 0.4 * u[:, 3]
    # affine_grid maps each output pixel to where it is read from: the inverse of shift(rotate(zoom(x)))
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    inverse = torch.stack([torch.stack([cos, sin], 1), torch.stack([-sin, cos], 1)], 1)    # n x 2 x 2
    theta = torch.cat([inverse, -(inverse @ shift.unsqueeze(2))], 2)                       # n x 2 x 3
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    if fill == "reflect":
        return F.grid_sample(batch, grid, mode="nearest", padding_mode="reflection", align_corners=False)
    return F.grid_sample(batch + 1, grid, mode="nearest", padding_mode="zeros", align_corners=False) - 1


def linear_decay(num_epochs: int, decay_epochs: int):
    """Learning-rate factor of each epoch (0-based): 1 for the first num_epochs - decay_epochs
    epochs, then falling by 1 / (decay_epochs + 1) per epoch (the CycleGAN code's 'linear')."""
    keep = num_epochs - decay_epochs
    return lambda epoch: 1.0 - max(0, epoch + 1 - keep) / (decay_epochs + 1)


@dataclass
class CycleOptions(RunOptions):
    """How ``train_cyclegan`` trains; ``CycleOptions.from_params(globals())`` in a lab notebook.

    ``decay_epochs``: the learning rates stay for num_epochs - decay_epochs epochs, then fall
    linearly towards 0 (the CycleGAN code's 'linear' policy). ``augment``: ``random_affine`` on
    every training batch, its uncovered corners filled as ``augment_fill`` says. ``panel_pair``
    (one uint8 A image, one B image): the 2x4 panel is stored
    in the result before training and after each epoch, then ``on_epoch(result)`` runs.
    """

    num_epochs: int = 10
    batch_size: int = 1
    seed: int = 0
    log_every: int = 100
    name: str = "cyclegan"
    lr_g: float = 1e-4
    lr_d: float = 2e-4
    decay_epochs: int = 0
    augment: bool = False
    augment_fill: str = "black"
    pool_size: int = 50
    panel_pair: tuple | None = None
    on_epoch: Callable | None = None

    LAB_PARAMS: ClassVar[tuple] = (*RunOptions.LAB_PARAMS, "lr_g", "lr_d", "decay_epochs", "pool_size",
                                   "augment_fill")


@dataclass(kw_only=True)
class CycleResult(RunResult):
    G_A2B: nn.Module
    G_B2A: nn.Module
    D_A: nn.Module
    D_B: nn.Module
    panels: dict = field(default_factory=dict)      # epoch -> uint8 (8, C, H, W), PANEL_TITLES order

    STATS: ClassVar[tuple] = TERMS
    SAVED: ClassVar[tuple] = (*RunResult.SAVED, "panels")   # images_seen: A and B images through a full step

    def epoch_means(self) -> dict:
        """Each term's mean per epoch: {term: [epoch 0 mean, epoch 1 mean, ...]} (report 004's Figures 6-7)."""
        epochs = self.history["epoch"]
        out = {}
        for key in TERMS:
            sums: dict[int, list] = {}
            for e, v in zip(epochs, self.history[key]):
                sums.setdefault(e, []).append(v)
            out[key] = [sum(v) / len(v) for _, v in sorted(sums.items())]
        return out

    def log_line(self, k: int) -> str:
        h = self.history
        return (f"[{h['epoch'][k]}/{self.num_epochs}][{h['iter'][k] % self.iters_per_epoch}/{self.iters_per_epoch}]\t"
                f"Loss_G: {h['total_loss'][k]:.4f} (gan {h['loss_gan_A2B'][k] + h['loss_gan_B2A'][k]:.4f} "
                f"cycle {h['loss_cycle_ABA'][k] + h['loss_cycle_BAB'][k]:.4f} "
                f"identity {h['loss_identity_A'][k] + h['loss_identity_B'][k]:.4f})\t"
                f"Loss_D_A: {h['loss_discrim_A'][k]:.4f}\tLoss_D_B: {h['loss_discrim_B'][k]:.4f}")


@torch.no_grad()
def panel_images(G_A2B: nn.Module, G_B2A: nn.Module, real_a: torch.Tensor, real_b: torch.Tensor) -> torch.Tensor:
    """Report 004's live 2x4 panel for one A image and one B image (float, 1 x C x H x W each):
    real A, replicate A = G_BA(a), fake A = G_BA(b), cycle A = G_BA(G_AB(a)); the same for B.
    Returned as uint8 (8, C, H, W) in that order."""
    fake_b, fake_a = G_A2B(real_a), G_B2A(real_b)
    row_a = [real_a, G_B2A(real_a), fake_a, G_B2A(fake_b)]
    row_b = [real_b, G_A2B(real_b), fake_b, G_A2B(fake_a)]
    return to_uint8(torch.cat(row_a + row_b)).cpu()


class CycleSteps:
    """One iteration of report 004's loop: a step of both generators on the whole objective, then
    a step of both discriminators (the CycleGAN code's ``backward_G`` and ``backward_D_basic``)."""

    def __init__(self, G_A2B, G_B2A, D_A, D_B, loss: CycleGANLoss, opts: CycleOptions, dev: torch.device):
        self.G_A2B, self.G_B2A, self.D_A, self.D_B, self.loss = G_A2B, G_B2A, D_A, D_B, loss
        self.optG = adam([*G_A2B.parameters(), *G_B2A.parameters()], opts.lr_g, opts.betas)
        self.optD = adam([*D_A.parameters(), *D_B.parameters()], opts.lr_d, opts.betas)
        self.schedulers = [torch.optim.lr_scheduler.LambdaLR(opt, linear_decay(opts.num_epochs, opts.decay_epochs))
                           for opt in (self.optG, self.optD)]
        self.pools = {"A": ImagePool(opts.pool_size, opts.seed + 3, dev), "B": ImagePool(opts.pool_size, opts.seed + 4, dev)}

    def parts(self) -> dict:
        """What a checkpoint keeps of the steps."""
        return {"G_A2B": self.G_A2B, "G_B2A": self.G_B2A, "D_A": self.D_A, "D_B": self.D_B, "optG": self.optG,
                "optD": self.optD, "schedulers": self.schedulers, "pools": self.pools}

    def update_G(self, real_a: torch.Tensor, real_b: torch.Tensor):
        """(1) Generators: one step on identity + adversarial + cycle terms (report 004's Eq. 1);
        D's weights get no gradient. Returns the six terms, their sum, and the fakes.

        Each generator takes its identity input and its translation input as one batch: InstanceNorm
        normalises every image alone, so each image gets what a pass of its own would give it, in
        fewer and larger operations (the small nets' steps are bound by per-operation overhead)."""
        G_A2B, G_B2A, loss, n = self.G_A2B, self.G_B2A, self.loss, real_a.size(0)
        self.optG.zero_grad(set_to_none=True)
        with frozen(self.D_A, self.D_B):
            same_b, fake_b = G_A2B(torch.cat([real_b, real_a])).split(n)
            same_a, fake_a = G_B2A(torch.cat([real_a, real_b])).split(n)
            identity_a, identity_b = loss.identity(same_a, real_a), loss.identity(same_b, real_b)
            gan_a2b, gan_b2a = loss.adversarial(self.D_B(fake_b)), loss.adversarial(self.D_A(fake_a))
            cycle_aba, cycle_bab = loss.cycle(G_B2A(fake_b), real_a), loss.cycle(G_A2B(fake_a), real_b)
            terms = [identity_a, identity_b, gan_a2b, gan_b2a, cycle_aba, cycle_bab]
            total = sum(terms[1:], terms[0])
            total.backward()
        self.optG.step()
        return [*terms, total], fake_a, fake_b

    def loss_D(self, D: nn.Module, pool: ImagePool, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """One discriminator's loss: real vs a fake from the pool (no gradient into G), both in one
        pass (InstanceNorm keeps the images apart, as in ``update_G``)."""
        out_real, out_fake = D(torch.cat([real, pool.query(fake)])).split(real.size(0))
        return self.loss.discriminator(out_real, out_fake)

    def update_D(self, real_a, real_b, fake_a, fake_b) -> list:
        """(2) Discriminators: one step of D_A and D_B on their losses' sum."""
        self.optD.zero_grad(set_to_none=True)
        loss_a = self.loss_D(self.D_A, self.pools["A"], real_a, fake_a)
        loss_b = self.loss_D(self.D_B, self.pools["B"], real_b, fake_b)
        (loss_a + loss_b).backward()
        self.optD.step()
        return [loss_a, loss_b]

    def step(self, real_a: torch.Tensor, real_b: torch.Tensor) -> torch.Tensor:
        """One iteration; returns the TERMS (on the device)."""
        g_terms, fake_a, fake_b = self.update_G(real_a, real_b)
        return torch.stack(g_terms + self.update_D(real_a, real_b, fake_a, fake_b)).detach()


def train_cyclegan(G_A2B: nn.Module, G_B2A: nn.Module, D_A: nn.Module, D_B: nn.Module, train_a: ImageData,
                   train_b: ImageData, loss: CycleGANLoss | None = None, options: CycleOptions | None = None,
                   **changes) -> CycleResult:
    """Train a CycleGAN on unpaired images of A and B; return a ``CycleResult``.

    ``options`` (a ``CycleOptions``), with ``changes`` applied, say how. An epoch is
    min(|A|, |B|) // batch_size iterations (report 004 zipped its two loaders); each draws a
    batch of A and a batch of B from per-epoch shuffles. Checkpoints and ``resume``/``stop_after``
    work as in ``train.train_gan``.
    """
    opts, loss = (options or CycleOptions()).but(**changes), loss or CycleGANLoss()
    dev = pick_device(opts.device)
    batch_size = min(opts.batch_size, len(train_a), len(train_b))
    iters_per_epoch = min(len(train_a), len(train_b)) // batch_size
    if iters_per_epoch < 1:
        raise ValueError(f"domains of {len(train_a)} and {len(train_b)} images hold no batch of {batch_size}")
    if not 0 <= opts.decay_epochs <= opts.num_epochs:
        raise ValueError(f"decay_epochs must be in [0, num_epochs={opts.num_epochs}], got {opts.decay_epochs}")
    torch.manual_seed(opts.seed)          # the global stream feeds the augmentation
    for net in (G_A2B, G_B2A, D_A, D_B):
        net.to(dev).train()
    steps = CycleSteps(G_A2B, G_B2A, D_A, D_B, loss, opts, dev)
    result = CycleResult(name=opts.name, G_A2B=G_A2B, G_B2A=G_B2A, D_A=D_A, D_B=D_B, num_epochs=opts.num_epochs,
                         iters_per_epoch=iters_per_epoch)
    checkpoint = Checkpoint(opts.checkpoint, _fingerprint(steps, train_a, train_b, opts, batch_size),
                            {**steps.parts(), "torch_rng": RandomState()}, result)
    loop = Loop(result, opts, checkpoint, shown=("total_loss", "loss_discrim_A", "loss_discrim_B"),
                advice=f"Lower the learning rates (lr_g={opts.lr_g}, lr_d={opts.lr_d})")
    # the panel shows test images at the size this pair of generators trains at
    panel_pair = (tuple(to_float(resize_images(im[None], train_a.image_shape[-1])).to(dev) for im in opts.panel_pair)
                  if opts.panel_pair else None)

    def take_panel(epoch: int) -> None:
        if panel_pair is not None:
            result.panels[epoch] = panel_images(G_A2B, G_B2A, *panel_pair)
        if opts.on_epoch is not None:
            loop.flush()
            opts.on_epoch(result)

    images_a, images_b = train_a.images.to(dev), train_b.images.to(dev)
    order_a = lru_cache(maxsize=1)(lambda epoch: epoch_order(len(train_a), opts.seed, epoch).to(dev))
    order_b = lru_cache(maxsize=1)(lambda epoch: epoch_order(len(train_b), opts.seed + 7, epoch).to(dev))
    start, end = loop.start(), loop.end()
    if start == 0:
        take_panel(0)
    for it in loop.iterations(start, end):
        real_a = to_float(images_a[batch_at(order_a, it, iters_per_epoch, batch_size)])
        real_b = to_float(images_b[batch_at(order_b, it, iters_per_epoch, batch_size)])
        if opts.augment:
            real_a, real_b = random_affine(real_a, opts.augment_fill), random_affine(real_b, opts.augment_fill)
        loop.record(it, steps.step(real_a, real_b), 2 * real_a.size(0))
        if (it + 1) % iters_per_epoch == 0:
            for sched in steps.schedulers:
                sched.step()
            take_panel((it + 1) // iters_per_epoch)
    loop.finish(start, end)
    return result


def _fingerprint(steps: CycleSteps, train_a: ImageData, train_b: ImageData, opts: CycleOptions,
                 batch_size: int) -> dict:
    """What a checkpoint must share to be resumed."""
    loss = steps.loss
    return {"architecture": architecture_hash(steps.G_A2B, steps.G_B2A, steps.D_A, steps.D_B),
            "datasets": [train_a.name, train_b.name], "num_images": [len(train_a), len(train_b)],
            "image_shape": list(train_a.image_shape), "batch_size": batch_size, "lr_g": opts.lr_g, "lr_d": opts.lr_d,
            "betas": list(opts.betas), "seed": opts.seed, "decay_epochs": opts.decay_epochs,
            "num_epochs": opts.num_epochs, "augment": opts.augment,
            "augment_fill": opts.augment_fill if opts.augment else None, "pool_size": opts.pool_size,
            "lambdas": [loss.lambda_cycle, loss.lambda_identity, loss.d_weight]}


@dataclass(frozen=True)
class Configuration:
    """What one of the lab's configurations ('resnet', 'unet_aug', ...) trains: its generator, whether its
    training batches are augmented, its image size and its epochs."""
    generator: str
    augment: bool
    image_size: int
    num_epochs: int
    decay_epochs: int


def configuration(name: str, image_size: int, num_epochs: int, decay_epochs: int, unet_epochs: int | None = None,
                  aug_image_size: int | None = None) -> Configuration:
    """The setting of configuration ``name``: report 004 trained its U-Net for fewer epochs than its ResNet
    (``unet_epochs``) and its augmented ResNet at a smaller size (``aug_image_size``); None: as the rest."""
    generator, augment = name.split("_")[0], name.endswith("_aug")
    if generator == "unet" and unet_epochs is not None:
        num_epochs, decay_epochs = unet_epochs, min(decay_epochs, unet_epochs)
    size = aug_image_size if augment and aug_image_size is not None else image_size
    return Configuration(generator, augment, size, num_epochs, decay_epochs)


def resolve_nulls(dataset: str, image_size: int | None, num_epochs: int | None,
                  decay_epochs: int | None) -> tuple[int, int, int]:
    """The lab's null parameters resolved: the rendered scenes train at 32 px for 8 epochs, photos at 64 px
    for 2 (a CPU's minutes); the learning rates decay over the second half."""
    image_size = image_size or (32 if dataset == "scenes" else 64)
    num_epochs = num_epochs or (8 if dataset == "scenes" else 2)
    return image_size, num_epochs, num_epochs // 2 if decay_epochs is None else decay_epochs
