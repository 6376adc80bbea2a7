"""What an FD-over-floor ratio looks like: real images blurred step by step, each step's FD to
held-out real images divided by the real-vs-real floor, drawn side by side.

    python benchmarks/fd_calibration.py          # writes docs/figures/fd_calibration_<set>.png

The learned-checks' thresholds in ``ganlib/verdicts.py`` (DIGITS_FD_RATIO, SCENES_FD_RATIO) were
chosen by these figures and by the labs' own samples on both sides of them.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torchvision.transforms.functional as TF

from ganlib import judges, metrics, registry, viz

OUT = Path(__file__).resolve().parent.parent / "docs" / "figures"
BLURS = (0, 0.7, 1.0, 1.5, 2.0, 3.0)     # Gaussian blur sigma, in pixels


def real_sets(name: str, n: int = 1000) -> tuple[torch.Tensor, torch.Tensor, torch.nn.Module]:
    """Held-out and reference real images (uint8) and the judge whose features the FD uses."""
    if name == "mnist10k":
        reference, heldout = judges.mnist_judge_splits()
        return heldout.images[:n], reference.images[:n], judges.load_mnist_judge()
    heldout = registry.load_images(name, None, 32, n, seed=1000).images
    reference = registry.load_images(name, None, 32, n, seed=999).images
    return heldout, reference, judges.load_iclevr_evaluator().net


def blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    if sigma == 0:
        return images
    size = 2 * int(3 * sigma) + 1
    return TF.gaussian_blur(images.float(), kernel_size=size, sigma=sigma).round().clamp(0, 255).to(torch.uint8)


def calibrate(name: str) -> dict:
    heldout, reference, judge = real_sets(name)
    floor = metrics.frechet_distance(judge, heldout, reference)
    ratios, grids = {}, {}
    for sigma in BLURS:
        images = blur(reference, sigma)
        ratios[sigma] = metrics.frechet_distance(judge, heldout, images) / floor
        grids[f"blur {sigma} px: {ratios[sigma]:.1f}x the floor"] = images[:16]
    OUT.mkdir(parents=True, exist_ok=True)
    viz.grids_side_by_side(grids, nrow=4).savefig(OUT / f"fd_calibration_{name}.png", dpi=70, bbox_inches="tight")
    return ratios


if __name__ == "__main__":
    for name in ("mnist10k", "scenes_one", "scenes_close"):
        print(name, {s: round(r, 1) for s, r in calibrate(name).items()})
