"""CycleGAN: unpaired translation between two image domains A and B (report 004 part 2).

``train_cyclegan`` trains G_A2B, G_B2A, D_A and D_B as report 004's loop did (one G step on
the whole objective of ``losses.CycleGANLoss``, then one step of each D), with what the
CycleGAN authors' code adds: a pool of 50 past fakes for D, linear learning-rate decay,
and optional RandomAffine augmentation (report 004's). Like ``train.train_gan`` it is
seeded and bitwise repeatable on the CPU, checkpoints atomically, resumes exactly and stops
on a non-finite loss.

Scoring (``paired_scores``, ``domain_rate``): where the test split is paired (rendered
scenes) each translation is compared with the image it should have produced (L1, PSNR,
SSIM); everywhere, a judge says which domain a translation looks like.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from . import ui
from .data import ImageData, to_float, to_uint8
from .losses import CycleGANLoss
from .settings import pick_device
from .train import (CheckpointMismatch, TrainingDiverged, _load_checkpoint, _load_state_dicts, _pull_stats,
                    _save_atomic, _state_dicts, epoch_order, frozen)

# per iteration, named as in report 004's code
TERMS = ("loss_identity_A", "loss_identity_B", "loss_gan_A2B", "loss_gan_B2A", "loss_cycle_ABA", "loss_cycle_BAB",
         "total_loss", "loss_discrim_A", "loss_discrim_B")
PANEL_TITLES = ("real A", "replicate A", "fake A", "cycle A", "real B", "replicate B", "fake B", "cycle B")

__all__ = ["ImagePool", "CycleResult", "train_cyclegan", "translate", "panel_images", "paired_scores",
           "domain_rate", "random_affine", "linear_decay", "CheckpointMismatch", "TrainingDiverged"]


class ImagePool:
    """A buffer of up to ``size`` past fakes (Shrivastava et al., 2017; the CycleGAN code's
    ImagePool). D sees, for each image of a batch, either the new fake (and the pool keeps
    it) or, half the time once the pool is full, an older fake it swaps out: D then cannot
    chase only G's latest mode. Its random stream is its own, so a resumed run draws alike."""

    def __init__(self, size: int = 50, seed: int = 0):
        self.size = size
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

    def load_state_dict(self, state: dict, device) -> None:
        self.images = [im.to(device) for im in state["images"]]
        self.gen.set_state(state["rng"])


def random_affine(batch: torch.Tensor) -> torch.Tensor:
    """Report 004's augmentation, one draw per image: ``RandomAffine(degrees=(-30, 30),
    translate=(0.1, 0.3), scale=(0.8, 1.2))``, the uncovered corners black as with PIL images.
    Draws from torch's global stream (saved in checkpoints)."""
    from torchvision.transforms import v2

    affine = v2.RandomAffine(degrees=(-30, 30), translate=(0.1, 0.3), scale=(0.8, 1.2), fill=-1.0)
    return torch.stack([affine(image) for image in batch])


def linear_decay(num_epochs: int, decay_epochs: int):
    """Learning-rate factor of each epoch (0-based): 1 for the first num_epochs - decay_epochs
    epochs, then falling by 1 / (decay_epochs + 1) per epoch (the CycleGAN code's 'linear')."""
    keep = num_epochs - decay_epochs
    return lambda epoch: 1.0 - max(0, epoch + 1 - keep) / (decay_epochs + 1)


@dataclass
class CycleResult:
    name: str
    G_A2B: nn.Module
    G_B2A: nn.Module
    D_A: nn.Module
    D_B: nn.Module
    num_epochs: int
    iters_per_epoch: int
    history: dict = field(default_factory=lambda: {k: [] for k in ("iter", "epoch", *TERMS)})
    panels: dict = field(default_factory=dict)      # epoch -> uint8 (8, C, H, W), PANEL_TITLES order
    seconds: float = 0.0
    images_seen: int = 0                            # training images through a full step (A and B)
    finished: bool = False

    @property
    def images_per_s(self) -> float:
        return self.images_seen / self.seconds if self.seconds > 0 else float("nan")

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


def train_cyclegan(G_A2B: nn.Module, G_B2A: nn.Module, D_A: nn.Module, D_B: nn.Module, train_a: ImageData,
                   train_b: ImageData, loss: CycleGANLoss | None = None, *, num_epochs: int = 10,
                   batch_size: int = 1, lr_g: float = 1e-4, lr_d: float = 2e-4,
                   betas: tuple[float, float] = (0.5, 0.999), decay_epochs: int = 0, augment: bool = False,
                   pool_size: int = 50, seed: int = 0, device: str = "cpu", log_every: int = 100,
                   panel_pair: tuple[torch.Tensor, torch.Tensor] | None = None, on_epoch=None,
                   checkpoint: str | Path | None = None, checkpoint_every: int = 500, resume: bool = False,
                   stop_after: int | None = None, name: str = "cyclegan", verbose: bool = True) -> CycleResult:
    """Train a CycleGAN on unpaired images of A and B; return a ``CycleResult``.

    An epoch is min(|A|, |B|) // batch_size iterations (report 004 zipped its two loaders);
    each draws a batch of A and a batch of B from per-epoch shuffles. ``decay_epochs``: the
    learning rates stay for num_epochs - decay_epochs epochs, then fall linearly towards 0
    (the CycleGAN code's 'linear' policy). ``augment``: ``random_affine`` on every training
    batch. ``panel_pair`` (one uint8 A image, one B image): the 2x4 panel is stored in
    ``result.panels`` before training and after each epoch, then ``on_epoch(result)`` runs.
    Checkpoints and ``resume``/``stop_after`` work as in ``train.train_gan``.
    """
    loss = loss or CycleGANLoss()
    dev = pick_device(device)
    n = min(len(train_a), len(train_b))
    batch_size = min(batch_size, n)
    iters_per_epoch = n // batch_size
    if iters_per_epoch < 1:
        raise ValueError(f"domains of {len(train_a)} and {len(train_b)} images hold no batch of {batch_size}")
    total = num_epochs * iters_per_epoch
    if not 0 <= decay_epochs <= num_epochs:
        raise ValueError(f"decay_epochs must be in [0, num_epochs={num_epochs}], got {decay_epochs}")
    nets = {"G_A2B": G_A2B, "G_B2A": G_B2A, "D_A": D_A, "D_B": D_B}
    arch = hashlib.sha1("".join(repr(net) for net in nets.values()).encode()).hexdigest()[:12]
    fingerprint = {"architecture": arch, "datasets": [train_a.name, train_b.name],
                   "num_images": [len(train_a), len(train_b)], "image_shape": list(train_a.image_shape),
                   "batch_size": batch_size, "lr_g": lr_g, "lr_d": lr_d, "betas": list(betas), "seed": seed,
                   "decay_epochs": decay_epochs, "num_epochs": num_epochs, "augment": augment,
                   "pool_size": pool_size, "lambdas": [loss.lambda_cycle, loss.lambda_identity, loss.d_weight]}

    torch.manual_seed(seed)          # the global stream feeds the augmentation
    for net in nets.values():
        net.to(dev).train()
    optG = torch.optim.Adam(list(G_A2B.parameters()) + list(G_B2A.parameters()), lr=lr_g, betas=betas)
    optD = torch.optim.Adam(list(D_A.parameters()) + list(D_B.parameters()), lr=lr_d, betas=betas)
    schedulers = [torch.optim.lr_scheduler.LambdaLR(opt, linear_decay(num_epochs, decay_epochs)) for opt in (optG, optD)]
    parts = {**nets, "optG": optG, "optD": optD, "schedulers": schedulers}
    pools = {"A": ImagePool(pool_size, seed + 3), "B": ImagePool(pool_size, seed + 4)}
    result = CycleResult(name, G_A2B, G_B2A, D_A, D_B, num_epochs, iters_per_epoch)
    start = 0

    checkpoint = Path(checkpoint) if checkpoint else None
    if checkpoint and resume and checkpoint.exists():
        ckpt = _load_checkpoint(checkpoint, fingerprint)
        _load_state_dicts(ckpt, parts)
        for key, pool in pools.items():
            pool.load_state_dict(ckpt["pools"][key], dev)
        torch.set_rng_state(ckpt["torch_rng"])
        result.history, result.panels = ckpt["history"], ckpt["panels"]
        result.seconds, result.images_seen = ckpt["seconds"], ckpt["images_seen"]
        start = ckpt["iteration"]
        if verbose:
            print(f"[{name}] resumed from {checkpoint.name} at iteration {start}/{total}")

    def save_checkpoint(iteration: int) -> None:
        if checkpoint:
            _save_atomic({"fingerprint": fingerprint, "iteration": iteration, **_state_dicts(parts),
                          "pools": {key: pool.state_dict() for key, pool in pools.items()},
                          "torch_rng": torch.get_rng_state(), "history": result.history, "panels": result.panels,
                          "seconds": result.seconds, "images_seen": result.images_seen}, checkpoint)

    if panel_pair is not None:
        panel_pair = tuple(to_float(im[None]).to(dev) for im in panel_pair)

    def take_panel(epoch: int) -> None:
        if panel_pair is not None:
            result.panels[epoch] = panel_images(G_A2B, G_B2A, *panel_pair)
        if on_epoch is not None:
            on_epoch(result)

    images_a, images_b = train_a.images.to(dev), train_b.images.to(dev)
    pending: list[tuple[int, torch.Tensor]] = []

    def flush() -> None:
        if not pending:
            return
        advice = (f"Lower the learning rates (lr_g={lr_g}, lr_d={lr_d}); "
                  + (f"the last good checkpoint is {checkpoint}" if checkpoint else "no checkpoint was kept"))
        for it, row in _pull_stats(pending, TERMS, ("total_loss", "loss_discrim_A", "loss_discrim_B"), name,
                                   iters_per_epoch, advice):
            for key, v in zip(("iter", "epoch", *TERMS), (it, it // iters_per_epoch, *row)):
                result.history[key].append(v)
            i = it % iters_per_epoch
            if verbose and (i % log_every == 0 or i == iters_per_epoch - 1):
                print(result.log_line(len(result.history["iter"]) - 1))
        pending.clear()

    if start == 0:
        take_panel(0)
    end = total if stop_after is None else min(total, stop_after)
    bar = ui.progress(total, desc=name, initial=start, disable=not verbose)
    t0 = time.perf_counter()
    order_epoch = -1
    for it in range(start, end):
        epoch, i = divmod(it, iters_per_epoch)
        if epoch != order_epoch:
            order_a = epoch_order(len(train_a), seed, epoch).to(dev)
            order_b = epoch_order(len(train_b), seed + 7, epoch).to(dev)
            order_epoch = epoch
        real_a = to_float(images_a[order_a[i * batch_size:(i + 1) * batch_size]])
        real_b = to_float(images_b[order_b[i * batch_size:(i + 1) * batch_size]])
        if augment:
            real_a, real_b = random_affine(real_a), random_affine(real_b)

        # (1) Generators: one step on identity + adversarial + cycle terms (report 004's Eq. 1)
        optG.zero_grad(set_to_none=True)
        with frozen(D_A, D_B):   # as the CycleGAN code: no weight gradients for D in G's step
            loss_identity_A = loss.identity(G_B2A(real_a), real_a)
            loss_identity_B = loss.identity(G_A2B(real_b), real_b)
            fake_b, fake_a = G_A2B(real_a), G_B2A(real_b)
            loss_gan_A2B = loss.adversarial(D_B(fake_b))
            loss_gan_B2A = loss.adversarial(D_A(fake_a))
            loss_cycle_ABA = loss.cycle(G_B2A(fake_b), real_a)
            loss_cycle_BAB = loss.cycle(G_A2B(fake_a), real_b)
            total_loss = (loss_identity_A + loss_identity_B + loss_gan_A2B + loss_gan_B2A
                          + loss_cycle_ABA + loss_cycle_BAB)
            total_loss.backward()
        optG.step()

        # (2) Discriminators: real vs a fake from the pool (G's fakes, no gradient into G)
        optD.zero_grad(set_to_none=True)
        loss_discrim_A = loss.discriminator(D_A(real_a), D_A(pools["A"].query(fake_a)))
        loss_discrim_B = loss.discriminator(D_B(real_b), D_B(pools["B"].query(fake_b)))
        (loss_discrim_A + loss_discrim_B).backward()
        optD.step()

        pending.append((it, torch.stack([loss_identity_A, loss_identity_B, loss_gan_A2B, loss_gan_B2A,
                                         loss_cycle_ABA, loss_cycle_BAB, total_loss, loss_discrim_A,
                                         loss_discrim_B]).detach()))
        result.images_seen += 2 * real_a.size(0)
        bar.update(1)
        done = it + 1
        if done % log_every == 0 or done == end or (checkpoint_every and done % checkpoint_every == 0):
            flush()
        if done % iters_per_epoch == 0:
            for sched in schedulers:
                sched.step()
            flush()
            take_panel(done // iters_per_epoch)
        if checkpoint_every and done % checkpoint_every == 0 and done != end:
            result.seconds += time.perf_counter() - t0
            t0 = time.perf_counter()
            save_checkpoint(done)
    bar.close()
    flush()
    result.seconds += time.perf_counter() - t0
    result.finished = end == total
    if end > start or not checkpoint or not checkpoint.exists():
        save_checkpoint(end)
    return result


@torch.no_grad()
def translate(G: nn.Module, images_uint8: torch.Tensor, batch_size: int = 50) -> torch.Tensor:
    """G applied to uint8 images, as uint8."""
    dev = next(G.parameters()).device
    return torch.cat([to_uint8(G(to_float(images_uint8[k:k + batch_size].to(dev)))).cpu()
                      for k in range(0, len(images_uint8), batch_size)])


def paired_scores(output_uint8: torch.Tensor, target_uint8: torch.Tensor) -> dict:
    """How close each output is to the image it should have been: mean per-image L1 (on
    [0, 1] values), PSNR (dB) and SSIM, by torchmetrics."""
    from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

    x, y = output_uint8.float() / 255, target_uint8.float() / 255
    psnr = peak_signal_noise_ratio(x, y, data_range=1.0, reduction="none", dim=(1, 2, 3))
    ssim = structural_similarity_index_measure(x, y, data_range=1.0)
    return {"l1": (x - y).abs().mean().item(), "psnr": psnr.mean().item(), "ssim": ssim.item()}


def domain_rate(judge: nn.Module, images_uint8: torch.Tensor, target: str) -> float:
    """Share of images that the A-vs-B judge puts in domain ``target`` ('A' or 'B')."""
    from .judges import prob_b

    p = prob_b(judge, images_uint8)
    return ((p >= 0.5) if target == "B" else (p < 0.5)).float().mean().item()
