"""What SSIM to the true translation a perfect plain -> striped translator scores when its bands
do not fall exactly where the truth's do: an oracle that renders every test scene striped, with
the renderer's own objects, colours and floor, but its bands shifted or stretched.

    python benchmarks/cyclegan_ssim_oracle.py [--num-test 200] [--seed 0] [--stripe-period 1.24]

The scenes' bands are counted up from each object's base (``scenes._stripes``). An unpaired
CycleGAN learns that count only from D's judgement of how stripes look in its patches; the cycle
back to plain erases bands wherever they fall. This measures what the position alone costs, with
everything else perfect, against the untranslated input's SSIM (the cyclegan lab's bar): where bands
at a random position score below the input, a translation above it has placed its bands.
"""
from __future__ import annotations

import argparse
import contextlib

import numpy as np
import torch
from torchmetrics.functional.image import structural_similarity_index_measure

from ganlib import scenes


@contextlib.contextmanager
def bands(shift: float | None = 0.0, period: float = 1.0, seed: int = 5):
    """Render stripes shifted by ``shift`` of a band's period (None: a random shift per object)
    and with the period stretched by ``period``."""
    original, rng = scenes._stripes, np.random.default_rng(seed)

    def stripes(x, y, o, stripe_period):
        offset = rng.uniform() if shift is None else shift
        return original(x, y - offset * stripe_period * period * o["r"], o, stripe_period * period)

    scenes._stripes = stripes
    try:
        yield
    finally:
        scenes._stripes = original


def test_scenes(num_test: int, seed: int, stripe_period: float) -> dict[str, torch.Tensor]:
    """The cyclegan lab's test scenes (32 px, as the cpu profile draws them), float (N, 3, H, W) in [0, 1]."""
    arrays = scenes.render_domains(1, num_test, 32, seed, stripe_period=stripe_period)
    return {k: torch.from_numpy(arrays[k]).permute(0, 3, 1, 2).float() / 255 for k in ("testA", "testB")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--num-test", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--stripe-period", type=float, default=scenes.STRIPE_PERIOD)
    a = p.parse_args()
    torch.set_num_threads(1)            # render in this process, where the swapped stripes live

    truth = test_scenes(a.num_test, a.seed, a.stripe_period)
    ssim = lambda x: structural_similarity_index_measure(x, truth["testB"], data_range=1.0).item()
    print("| image, against the true translation | SSIM |\n|---|---|")
    print(f"| the untranslated input | {ssim(truth['testA']):.3f} |")
    for label, shift, period in (("bands where the truth's are", 0.0, 1.0),
                                 ("bands shifted by 0.1 of their period", 0.1, 1.0),
                                 ("bands shifted by a quarter period", 0.25, 1.0),
                                 ("bands shifted by half a period", 0.5, 1.0),
                                 ("bands shifted at random, per object", None, 1.0),
                                 ("bands 0.8 times as far apart", 0.0, 0.8),
                                 ("bands 1.25 times as far apart", 0.0, 1.25)):
        with bands(shift, period):
            oracle = test_scenes(a.num_test, a.seed, a.stripe_period)["testB"]
        print(f"| perfect objects and floor, {label} | {ssim(oracle):.3f} |")


if __name__ == "__main__":
    main()
