"""How far the dcgan lab's DCGAN gets on a scene set, iteration by iteration: FD to held-out scenes
over the real-vs-real floor (the learned-check's measure), sample diversity and D's accuracy,
every ``--every`` iterations of one training run.

    python benchmarks/dcgan_steps.py --scene-zoom 2.5 --batch-size 32 --lr-step 3000 --num-epochs 80 --every 1500

The dcgan cpu profile's object size, learning-rate schedule and length were chosen by these curves
(docs/experiments.md, "dcgan: what keeps the scenes from being learnt"); the seed sweep of the
profile then measured the spread. ``--batch-size`` and ``--max-images`` (training scenes) trade steps
against images per step and scenes seen.

Three options try to keep D from overpowering G: ``--lr-d`` sets D's learning rate apart from G's,
``--real-label 0.9`` smooths D's target for real images, ``--instance-noise 0.2`` blurs D's inputs
with noise that fades out. ``--ema 0.99`` also scores an exponential moving average of G's weights,
updated every 10 iterations (0.99 per 10 iterations is about 0.999 per iteration), beside the
trained G of the same run:

    python benchmarks/dcgan_steps.py --scene-zoom 2.5 --lr-step 1500 --num-epochs 80 --every 750 --ema 0.99
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from ganlib import judges, losses, metrics, nets, registry, train
from ganlib.settings import seed_everything


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="scenes_one", choices=sorted(registry.SCENE_SETS))
    p.add_argument("--scene-zoom", type=float, default=1.0)
    p.add_argument("--image-size", type=int, default=32, choices=(32, 64))
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--lr-d", type=float, default=None, help="D's learning rate (default: --lr, as in the report)")
    p.add_argument("--lr-step", type=int, default=500)
    p.add_argument("--lr-gamma", type=float, default=0.6)
    p.add_argument("--num-epochs", type=int, default=15)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--max-images", type=int, default=6000, help="training scenes (the lab's max_images)")
    p.add_argument("--every", type=int, default=500, help="measure every N iterations")
    p.add_argument("--seed", type=int, default=999)
    p.add_argument("--num-threads", type=int, default=1)
    p.add_argument("--real-label", type=float, default=1.0, help="D's target for real images (0.9: one-sided label smoothing)")
    p.add_argument("--instance-noise", type=float, default=0.0,
                   help="std of Gaussian noise added to D's inputs, falling linearly to 0 over training")
    p.add_argument("--ema", type=float, default=0.0, help="also score a moving average of G (decay per 10 iterations)")
    a = p.parse_args()

    seed_everything(a.seed, a.num_threads)
    data = registry.load_images(a.dataset, None, a.image_size, a.max_images, seed=a.seed, scene_zoom=a.scene_zoom)
    heldout = registry.load_images(a.dataset, None, a.image_size, 1000, seed=a.seed + 1, scene_zoom=a.scene_zoom).images
    judge = judges.load_iclevr_evaluator().net
    floor = metrics.frechet_distance(judge, heldout, data.images[:1000])
    real_diversity = metrics.pixel_diversity(heldout)
    start = time.perf_counter()
    print(f"{a.dataset}, objects x{a.scene_zoom:g}, {a.image_size} px: floor {floor:.1f}\n"
          "| iteration | G | FD | FD / floor | diversity / real's | D's accuracy, last 100 iterations | seconds |\n"
          "|---|---|---|---|---|---|---|")
    ema = None

    def score(name: str, netG, iteration: int, d_accuracy: float) -> None:   # sampling draws on its own generator
        samples = train.sample(netG, 1000, 100, seed=a.seed + 1)
        fd = metrics.frechet_distance(judge, heldout, samples)
        print(f"| {iteration} | {name} | {fd:.1f} | {fd / floor:.1f}x | "
              f"{metrics.pixel_diversity(samples) / real_diversity:.2f} | {d_accuracy:.3f} | "
              f"{time.perf_counter() - start:.0f} |", flush=True)

    def measure(result) -> None:      # called at each snapshot
        nonlocal ema
        iteration = max(result.snapshots)
        if a.ema:
            ema = ema or AveragedModel(result.netG, multi_avg_fn=get_ema_multi_avg_fn(a.ema))
            ema.update_parameters(result.netG)
            for old in [k for k in result.snapshots if k != iteration]:   # one per 10 iterations: keep the last
                del result.snapshots[old]
        if iteration == 0 or iteration % a.every:
            return
        d_accuracy = (result.final("acc_real", 100) + result.final("acc_fake", 100)) / 2
        score("trained", result.netG, iteration, d_accuracy)
        if ema is not None:
            score(f"average ({a.ema:g} per 10)", ema.module, iteration, d_accuracy)

    seed_everything(a.seed, a.num_threads)
    netG = nets.define_G("dcgan", nz=100, ngf=32, nc=3, image_size=a.image_size)
    netD = nets.define_D("dcgan", ndf=32, nc=3, image_size=a.image_size)
    if a.instance_noise:
        iterations = a.num_epochs * train.iterations_per_epoch(len(data), a.batch_size)
        netD = InstanceNoise(netD, a.instance_noise, calls=3 * iterations)   # D runs 3 times an iteration
    options = train.TrainOptions(nz=100, lr=a.lr, lr_d=a.lr_d, lr_step=a.lr_step, lr_gamma=a.lr_gamma,
                                 num_epochs=a.num_epochs,
                                 batch_size=a.batch_size, seed=a.seed, device="cpu", snapshot_every=10 if a.ema else a.every,
                                 on_snapshot=measure, log_every=10 ** 6, verbose=False)
    train.train_gan(netG, netD, data, SmoothedLoss(a.real_label), options)


class InstanceNoise(nn.Module):
    """D behind Gaussian noise on its inputs (instance noise, Sonderby et al., 2017): the noise blurs
    real and fake alike, so that D cannot separate them perfectly early on; its std falls linearly
    from ``sigma`` to 0 over ``calls`` training forwards."""

    def __init__(self, netD: nn.Module, sigma: float, calls: int):
        super().__init__()
        self.netD, self.sigma, self.calls, self.done = netD, sigma, calls, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            std = self.sigma * max(0.0, 1 - self.done / self.calls)
            self.done += 1
            x = x + std * torch.randn_like(x)
        return self.netD(x)


class SmoothedLoss(losses.VanillaLoss):
    """The vanilla loss with D's target for real images at ``real_label`` (one-sided label smoothing,
    Salimans et al., 2016); G's target stays 1."""

    def __init__(self, real_label: float = 1.0):
        self.real_label = real_label

    def discriminator(self, real_out, fake_out, condition=None):
        return (F.binary_cross_entropy_with_logits(real_out, torch.full_like(real_out, self.real_label))
                + F.binary_cross_entropy_with_logits(fake_out, torch.zeros_like(fake_out)))


if __name__ == "__main__":
    main()
