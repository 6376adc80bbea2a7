"""Training throughput: ganlib's loop vs the standard recipe, and vs the machine's matmul peak.

    python benchmarks/train_throughput.py [--steps 12] [--threads 2]

For the tutorial DCGAN (ngf = ndf = 64, batch 128) at 64x64x3 and at 32x32x1 it prints

* ganlib img/s: ``ganlib.train.train_gan`` on uint8 images held in memory;
* recipe img/s: the PyTorch DCGAN tutorial's loop (a torchvision dataset with per-sample PIL
  transforms behind a DataLoader with 2 workers, ``.item()`` on every step);
* their ratio;
* FLOPs of one training step (D and G update, torch's FlopCounterMode) and the share of the
  fp32 matmul peak measured here (a 4096 x 4096 matmul) that the step reaches.
"""
from __future__ import annotations

import argparse
import time

import torch
import torchvision
import torchvision.transforms as T
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ganlib.data import ImageData, to_float
from ganlib.losses import VanillaLoss
from ganlib.nets import define_D, define_G
from ganlib.settings import seed_everything
from ganlib.train import train_gan

NZ, NGF, BATCH = 100, 64, 128


def matmul_peak(n: int = 4096, repeats: int = 5) -> float:
    """Measured fp32 matmul FLOP/s on this machine."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n ** 3 * repeats / (time.perf_counter() - t0)


def step_flops(netG: nn.Module, netD: nn.Module, nc: int, size: int) -> int:
    """FLOPs of one D update (real and fake batch) and one G update."""
    loss = VanillaLoss()
    real = torch.randn(BATCH, nc, size, size)
    with FlopCounterMode(display=False) as counter:
        fake = netG(torch.randn(BATCH, NZ, 1, 1))
        (loss.discriminator(netD(real), netD(fake.detach()))).backward()
        loss.generator(netD(fake)).backward()
    netG.zero_grad(set_to_none=True)
    netD.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def ganlib_rate(nc: int, size: int, steps: int) -> float:
    seed_everything(0)
    netG, netD = define_G("dcgan", NZ, NGF, nc, size), define_D("dcgan", NGF, nc, size)
    images = torch.randint(0, 256, (BATCH * (steps + 2), nc, size, size), dtype=torch.uint8)
    data = ImageData(images, None, "random", "benchmark")
    args = dict(nz=NZ, num_epochs=1, batch_size=BATCH, snapshot_every=0, verbose=False, log_every=50)
    train_gan(netG, netD, data, VanillaLoss(), stop_after=2, **args)                  # warm-up
    run = train_gan(netG, netD, data, VanillaLoss(), stop_after=steps, **args)
    return run.images_per_s


def recipe_rate(nc: int, size: int, steps: int) -> float:
    """The PyTorch DCGAN tutorial's loop, as the reports ran it."""
    seed_everything(0)
    netG, netD = define_G("dcgan", NZ, NGF, nc, size), define_D("dcgan", NGF, nc, size)
    transform = T.Compose([T.Resize(size), T.CenterCrop(size), T.ToTensor(), T.Normalize([0.5] * nc, [0.5] * nc)])
    dataset = torchvision.datasets.FakeData(BATCH * (steps + 2), (nc, size, size), transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=2)
    criterion = nn.BCEWithLogitsLoss()
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    t0, seen = None, 0
    for i, (real, _) in enumerate(loader):
        if i == 2:                                  # after warm-up, as for ganlib
            t0, seen = time.perf_counter(), 0
        b = real.size(0)
        netD.zero_grad()
        label = torch.full((b,), 1.0)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        fake = netG(torch.randn(b, NZ, 1, 1))
        label.fill_(0.0)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        optD.step()
        netG.zero_grad()
        label.fill_(1.0)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optG.step()
        _ = (errD_real + errD_fake).item(), errG.item(), D_x, D_G_z1, D_G_z2
        seen += b
    return seen / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12, help="timed training steps per measurement")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    peak = matmul_peak()
    print(f"fp32 matmul peak here: {peak / 1e9:.1f} GFLOP/s ({args.threads} threads)")
    print(f"{'size':<10}{'ganlib img/s':>14}{'recipe img/s':>14}{'ratio':>8}{'GFLOP/step':>12}{'share of peak':>15}")
    for nc, size in ((3, 64), (1, 32)):
        flops = step_flops(define_G("dcgan", NZ, NGF, nc, size), define_D("dcgan", NGF, nc, size), nc, size)
        ours = ganlib_rate(nc, size, args.steps)
        theirs = recipe_rate(nc, size, args.steps)
        share = flops * ours / BATCH / peak
        print(f"{size}x{size}x{nc:<4}{ours:>14.0f}{theirs:>14.0f}{ours / theirs:>8.2f}{flops / 1e9:>12.1f}{share:>15.2f}",
              flush=True)


if __name__ == "__main__":
    main()
