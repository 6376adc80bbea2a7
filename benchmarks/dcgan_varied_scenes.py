"""``benchmarks/dcgan_steps.py`` on a more varied stand-in for report 000's cats: the 'many' scenes
(1-3 objects of any shape and colour) with each scene's objects scaled by its own factor and its
floor tinted by its own colour, as photos of cats vary in size and backdrop where stock photos of
cars do not. Takes dcgan_steps.py's options:

    python benchmarks/dcgan_varied_scenes.py --dataset scenes_many --scene-zoom 2.5 --batch-size 32 \
        --lr-step 3000 --num-epochs 64 --every 1504 --seed 999

Measured and not adopted (docs/experiments.md, "dcgan: a more varied stand-in").
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np

from ganlib import scenes

SCALE = (0.6, 1.4)          # each scene's objects: the set's zoom times a factor drawn from this range
TINT = (0.75, 1.25)         # each floor's red, green and blue: times a factor drawn from this range
plain_floor, plain_variety = scenes._floor, scenes.render_variety


def tinted_floor(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.clip(plain_floor(rng, n) * rng.uniform(*TINT, size=3), 0, 1)


def render_variety(kind: str, n: int, size: int = 64, seed: int = 0, with_masks: bool = False, zoom=None):
    """As ``scenes.render_variety``, but the 'many' scenes vary in scale and floor too."""
    if kind != "many":
        return plain_variety(kind, n, size, seed, with_masks, zoom)
    rng = np.random.default_rng([seed, 7])
    label_lists = [list(rng.choice(scenes.OBJECT_NAMES, size=rng.integers(1, 4), replace=False)) for _ in range(n)]
    zooms = rng.uniform(*SCALE, n) * (zoom or 1.0)
    jobs = [(labels, f"many_{k:06d}_0.png", seed, size, "plain", z, scenes.STRIPE_PERIOD)
            for k, (labels, z) in enumerate(zip(label_lists, zooms))]
    scenes._floor = tinted_floor
    try:
        drawn = scenes.render_jobs(jobs, workers=1)      # in this process, where the tinted floor is
    finally:
        scenes._floor = plain_floor
    images = np.stack([image for image, _ in drawn])
    return (images, np.stack([mask for _, mask in drawn])) if with_masks else images


if __name__ == "__main__":
    scenes.render_variety = render_variety
    sys.argv[0] = str(Path(__file__).with_name("dcgan_steps.py"))
    runpy.run_path(sys.argv[0], run_name="__main__")
