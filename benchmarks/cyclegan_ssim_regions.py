"""Where a trained scenes translator plain -> striped loses SSIM to the true translation: on the
objects or on the floor. Reads the checkpoint a cyclegan run leaves in its folder.

    python benchmarks/cyclegan_ssim_regions.py reports/cyclegan/cpu/checkpoints/resnet.pt --generator resnet

Prints the mean SSIM map of the untranslated input and of the translation over the objects (every
pixel within the SSIM window's reach of a pixel that stands out from the image's floor, in the input
or in the truth) and over the rest, and the SSIM of two composites: the translation's objects on the
input's floor, and the input's objects on the translation's floor. Pass the run's own settings
(``--seed``, ``--max-images``, ``--num-test``, ``--stripe-period``, the network options) to score its test scenes.
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torchmetrics.functional.image import structural_similarity_index_measure

from ganlib import nets, registry, translations
from ganlib.settings import seed_everything


def ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-pixel SSIM of two float batches in [0, 1], averaged over channels: (N, H, W)."""
    _, full = structural_similarity_index_measure(x, y, data_range=1.0, return_full_image=True)
    return full.mean(1)


def object_region(x: torch.Tensor, truth: torch.Tensor, threshold: float = 0.08, reach: int = 5) -> torch.Tensor:
    """Pixels that stand out from the image's median (the floor) in the input or the truth, widened
    by ``reach`` pixels, the distance over which SSIM's window mixes object and floor: bool (N, H, W)."""
    def stands_out(a: torch.Tensor) -> torch.Tensor:
        median = a.flatten(2).median(-1).values[..., None, None]
        return (a - median).abs().amax(1) > threshold
    region = (stands_out(x) | stands_out(truth)).float()[:, None]
    return F.max_pool2d(region, reach, 1, reach // 2)[:, 0] > 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint")
    p.add_argument("--generator", default="resnet", choices=("resnet", "unet"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-images", type=int, default=1500)
    p.add_argument("--num-test", type=int, default=200)
    p.add_argument("--stripe-period", type=float, default=None, help="the run's stripe_period (default: the lab's)")
    p.add_argument("--ngf", type=int, default=16)
    p.add_argument("--n-blocks", type=int, default=6)
    p.add_argument("--n-down", type=int, default=None)
    a = p.parse_args()

    seed_everything(a.seed, 2)
    data = registry.load_unaligned("scenes", None, 32, a.max_images, num_test=a.num_test, seed=a.seed,
                                   stripe_period=a.stripe_period)
    G = nets.define_G(a.generator, ngf=a.ngf, nc=3, image_size=32, n_blocks=a.n_blocks, n_down=a.n_down)
    G.load_state_dict(torch.load(a.checkpoint, weights_only=False)["G_A2B"])
    x, truth = (d.images.float() / 255 for d in (data.testA, data.testB))
    y = translations.translate(G, data.testA.images).float() / 255
    objects = object_region(x, truth)
    print(f"objects: {objects.float().mean():.0%} of the pixels\n| image | SSIM | on the objects | on the floor |\n|---|---|---|---|")
    for name, image in (("untranslated input", x), (a.generator, y)):
        m = ssim_map(image, truth)
        print(f"| {name} | {m.mean():.3f} | {m[objects].mean():.3f} | {m[~objects].mean():.3f} |")
    for name, image in ((f"{a.generator}'s objects on the input's floor", torch.where(objects[:, None], y, x)),
                        (f"the input's objects on {a.generator}'s floor", torch.where(objects[:, None], x, y))):
        print(f"| {name} | {ssim_map(image, truth).mean():.3f} | | |")


if __name__ == "__main__":
    main()
