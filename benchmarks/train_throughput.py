"""Training throughput: ganlib's loop vs the standard recipe, and vs the machine's peak.

    python benchmarks/train_throughput.py [--steps 12] [--repeats 2] [--threads 2] [--compile] [--bf16] [--device cuda]

For the tutorial DCGAN (ngf = ndf = 64, batch 128) at 64x64x3 and at 32x32x1 it prints

* ganlib img/s: ``ganlib.train.train_gan`` on uint8 images held in memory;
* recipe img/s: the PyTorch DCGAN tutorial's loop (a torchvision dataset with per-sample PIL
  transforms behind a DataLoader with 2 workers, ``.item()`` on every step);
* their ratio;
* FLOPs of one training step (D and G update, torch's FlopCounterMode) as ganlib runs it and as
  the recipe runs it (the recipe also computes D's weight gradients in G's step, then discards
  them), and the share of the machine's peak that each reaches: FLOPs per step x steps per second
  / peak. The peak is the fastest of the kernels torch has for the device, each timed alone (BLAS
  and oneDNN matmul, a large convolution; ``kernel_peaks``), and is printed with its name; a step
  that runs faster than all of them raises it, so a share never exceeds 1.

Each rate is the best of ``--repeats`` interleaved measurements (other processes on a shared
machine only ever slow a run down).
"""
from __future__ import annotations

import argparse
import contextlib
import time

import torch
import torchvision
import torchvision.transforms as T
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ganlib.data import ImageData
from ganlib.losses import VanillaLoss
from ganlib.nets import define_D, define_G
from ganlib.settings import seed_everything
from ganlib.train import frozen, train_gan

NZ, NGF, BATCH = 100, 64, 128


DEVICE = "cpu"
DTYPE = torch.float32      # bf16 with --bf16 (autocast around each loop)


def _sync() -> None:
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def _best_rate(flops: float, fn, repeats: int, inner: int = 1) -> float:
    """FLOP/s of ``fn`` (``flops`` per call), the best of ``repeats`` timings of ``inner`` calls."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        _sync()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        _sync()
        best = min(best, time.perf_counter() - t0)
    return flops * inner / best


@torch.no_grad()
def kernel_peaks(n: int = 4096, repeats: int = 6) -> dict[str, float]:
    """Measured FLOP/s of the fastest kernels torch has on this device, in the dtype the steps
    compute in: a BLAS matmul (MKL or OpenBLAS on a CPU, cuBLAS on a GPU), oneDNN's matmul (CPU),
    and a large 3x3 convolution (oneDNN or cuDNN), channels-last as the training loop runs it.
    No single one is the fastest everywhere: MKL's matmul does not take its fast path on AMD
    CPUs, where oneDNN's convolutions outrun it."""
    inner = 20 if DEVICE == "cuda" else 1
    n = n * 2 if DEVICE == "cuda" else n
    a, b = torch.randn(n, n, device=DEVICE, dtype=DTYPE), torch.randn(n, n, device=DEVICE, dtype=DTYPE)
    peaks = {"BLAS matmul": _best_rate(2 * n ** 3, lambda: a @ b, repeats, inner)}
    if DEVICE == "cpu" and torch.backends.mkldnn.is_available():
        am, bm = a.to_mkldnn(), b.to_mkldnn()
        peaks["oneDNN matmul"] = _best_rate(2 * n ** 3, lambda: torch._C._nn.mkldnn_linear(am, bm), repeats)
    batch, channels, size = (256 if DEVICE == "cuda" else 64), 256, 32
    x = torch.randn(batch, channels, size, size, device=DEVICE, dtype=DTYPE).contiguous(memory_format=torch.channels_last)
    conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False).to(DEVICE, DTYPE, memory_format=torch.channels_last)
    name = "cuDNN 3x3 convolution" if DEVICE == "cuda" else "oneDNN 3x3 convolution"
    peaks[name] = _best_rate(2 * batch * channels * channels * 9 * size * size, lambda: conv(x), repeats, inner)
    return peaks


def autocast():
    return torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=DTYPE == torch.bfloat16)


def step_flops(netG: nn.Module, netD: nn.Module, nc: int, size: int, freeze_d: bool) -> int:
    """FLOPs of one D update (real and fake batch) and one G update; ``freeze_d``: without D's
    weight gradients in G's update, as ganlib's loop runs it."""
    loss = VanillaLoss()
    real = torch.randn(BATCH, nc, size, size)
    with FlopCounterMode(display=False) as counter:
        fake = netG(torch.randn(BATCH, NZ, 1, 1))
        (loss.discriminator(netD(real), netD(fake.detach()))).backward()
        with frozen(netD) if freeze_d else contextlib.nullcontext():
            loss.generator(netD(fake)).backward()
    netG.zero_grad(set_to_none=True)
    netD.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def ganlib_rate(nc: int, size: int, steps: int, compile: bool = False) -> float:
    seed_everything(0)
    netG, netD = define_G("dcgan", NZ, NGF, nc, size), define_D("dcgan", NGF, nc, size)
    images = torch.randint(0, 256, (BATCH * (steps + 2), nc, size, size), dtype=torch.uint8)
    data = ImageData(images, None, "random", "benchmark")
    args = dict(nz=NZ, num_epochs=1, batch_size=BATCH, snapshot_every=0, verbose=False, log_every=50, device=DEVICE,
                compile=compile, bf16=DTYPE == torch.bfloat16)
    train_gan(netG, netD, data, VanillaLoss(), stop_after=2, **args)                  # warm-up
    run = train_gan(netG, netD, data, VanillaLoss(), stop_after=steps, **args)
    return run.images_per_s


def recipe_rate(nc: int, size: int, steps: int) -> float:
    """The PyTorch DCGAN tutorial's loop, as the reports ran it."""
    seed_everything(0)
    netG, netD = define_G("dcgan", NZ, NGF, nc, size).to(DEVICE), define_D("dcgan", NGF, nc, size).to(DEVICE)
    transform = T.Compose([T.Resize(size), T.CenterCrop(size), T.ToTensor(), T.Normalize([0.5] * nc, [0.5] * nc)])
    dataset = torchvision.datasets.FakeData(BATCH * (steps + 2), (nc, size, size), transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=2,
                                         pin_memory=DEVICE == "cuda")
    criterion = nn.BCEWithLogitsLoss()
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    t0, seen = None, 0
    for i, (real, _) in enumerate(loader):
        if i == 2:                                  # after warm-up, as for ganlib
            _sync()
            t0, seen = time.perf_counter(), 0
        real = real.to(DEVICE)
        b = real.size(0)
        with autocast():
            seen += _recipe_step(netG, netD, optG, optD, criterion, real, b)
    _sync()
    return seen / (time.perf_counter() - t0)


def _recipe_step(netG, netD, optG, optD, criterion, real, b) -> int:
    """One step of the tutorial: D on a real batch, then on a fake batch, then G; .item() on every value."""
    netD.zero_grad()
    label = torch.full((b,), 1.0, device=DEVICE)
    output = netD(real).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()
    fake = netG(torch.randn(b, NZ, 1, 1, device=DEVICE))
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
    return b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12, help="timed training steps per measurement at 64 px "
                        "(4x as many at 32 px, whose steps are shorter)")
    parser.add_argument("--repeats", type=int, default=2, help="measurements per rate; the best is kept")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (native on recent GPUs and on CPUs with avx512_bf16 or AMX); the peak is then bf16's")
    parser.add_argument("--compile", action="store_true", help="ganlib's loop with torch.compile (compile time "
                        "is left out: it falls in the warm-up)")
    args = parser.parse_args()
    global DEVICE, DTYPE
    DEVICE, DTYPE = args.device, torch.bfloat16 if args.bf16 else torch.float32
    torch.set_num_threads(args.threads)
    peaks = kernel_peaks()
    kernel, peak = max(peaks.items(), key=lambda kv: kv[1])
    where = (torch.cuda.get_device_name() if DEVICE == "cuda"
             else f"{args.threads} threads, {torch.backends.cpu.get_cpu_capability()} kernels")
    dtype = "bf16" if args.bf16 else "fp32"
    print(f"{dtype} kernel rates ({where}): " + ", ".join(f"{k} {v / 1e9:.1f}" for k, v in peaks.items()) + " GFLOP/s")
    print(f"peak: {kernel}, {peak / 1e9:.1f} GFLOP/s")
    print(f"{'size':<10}{'ganlib img/s':>14}{'recipe img/s':>14}{'ratio':>8}"
          f"{'GFLOP/step':>12}{'share of peak':>15}{'recipe GFLOP':>14}{'recipe share':>14}")
    for nc, size, steps in ((3, 64, args.steps), (1, 32, 4 * args.steps)):
        nets = define_G("dcgan", NZ, NGF, nc, size), define_D("dcgan", NGF, nc, size)
        flops, recipe_flops = step_flops(*nets, nc, size, True), step_flops(*nets, nc, size, False)
        ours = theirs = 0.0
        for _ in range(args.repeats):
            ours = max(ours, ganlib_rate(nc, size, steps, args.compile))
            theirs = max(theirs, recipe_rate(nc, size, steps))
        rates = flops * ours / BATCH, recipe_flops * theirs / BATCH
        if max(rates) > peak:   # a step outran every kernel timed alone: it is the best measure of the limit
            peak = max(rates)
            print(f"(peak raised to {peak / 1e9:.1f} GFLOP/s: a training step at {size} px ran faster than the "
                  "kernels timed alone)")
        share, recipe_share = rates[0] / peak, rates[1] / peak
        print(f"{size}x{size}x{nc:<4}{ours:>14.0f}{theirs:>14.0f}{ours / theirs:>8.2f}{flops / 1e9:>12.1f}"
              f"{share:>15.2f}{recipe_flops / 1e9:>14.1f}{recipe_share:>14.2f}", flush=True)


if __name__ == "__main__":
    main()
