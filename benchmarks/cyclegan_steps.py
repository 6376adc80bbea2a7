"""How many CycleGAN updates a minute of CPU buys, by batch size: the cpu profile's nets (ngf 16,
ndf 32, 32 px) are small enough that per-operation overhead, not arithmetic, bounds a step.

    python benchmarks/cyclegan_steps.py [--generator resnet] [--batches 1 2 4 8] [--threads 2] [--seconds 20]
                                        [--d-layers 3] [--compile]

Prints, per batch size, iterations per second and images per second (A and B images through a
full step: both generators' update, then both discriminators'), each the mean of one timed pass
over enough random images to last about ``--seconds``. ``--compile`` wraps the four nets in
``torch.compile`` and also prints how long the first steps took (the compilation).
"""
from __future__ import annotations

import argparse
import time

import torch

from ganlib import cyclegan, nets
from ganlib.data import ImageData
from ganlib.settings import seed_everything


def rate(generator: str, batch_size: int, seconds: float, size: int = 32,
         d_layers: int = 3, compile: bool = False) -> tuple[float, float, float]:
    """(iterations / s, images / s, warm-up seconds) of ``train_cyclegan`` at ``batch_size``."""
    def data(n: int, name: str) -> ImageData:
        return ImageData(torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8), None, name, "random")

    def run(iterations: int) -> float:
        seed_everything(0, None)
        G = [nets.define_G(generator, ngf=16, nc=3, image_size=size, n_blocks=6) for _ in "AB"]
        D = [nets.define_D("patch", ndf=32, nc=3, image_size=size, n_layers=d_layers) for _ in "AB"]
        if compile:
            G, D = [torch.compile(net) for net in G], [torch.compile(net) for net in D]
        n = iterations * batch_size
        start = time.perf_counter()
        cyclegan.train_cyclegan(*G, *D, data(n, "A"), data(n, "B"), num_epochs=1, batch_size=batch_size,
                                verbose=False, device="cpu", log_every=10 ** 9)
        return time.perf_counter() - start

    warm_up = run(5)                                        # compiled: the compilation
    per_iteration = run(5) / 5
    iterations = max(10, int(seconds / per_iteration))
    elapsed = run(iterations)
    return iterations / elapsed, 2 * iterations * batch_size / elapsed, warm_up


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generator", default="resnet", choices=("resnet", "unet"))
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--d-layers", type=int, default=3, help="the patch discriminator's stride-2 layers")
    ap.add_argument("--compile", action="store_true", help="torch.compile the nets")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    how = f"{args.generator}, D of {args.d_layers} layers{', compiled' if args.compile else ''}"
    print(f"| {how}, batch | iterations / s | images / s | first 5 steps (s) |\n|---|---|---|---|")
    for b in args.batches:
        its, imgs, warm_up = rate(args.generator, b, args.seconds, d_layers=args.d_layers, compile=args.compile)
        print(f"| {b} | {its:.1f} | {imgs:.0f} | {warm_up:.1f} |", flush=True)


if __name__ == "__main__":
    main()
