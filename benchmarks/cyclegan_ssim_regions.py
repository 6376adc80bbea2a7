"""Where a trained scenes translator plain -> striped loses SSIM to the true translation: on the
objects or on the floor (``translations.region_ssim``). Reads the checkpoints cyclegan runs leave.

    python benchmarks/cyclegan_ssim_regions.py reports/cyclegan/cpu/checkpoints/resnet.pt --generator resnet
    python benchmarks/cyclegan_ssim_regions.py --sweep reports/cyclegan/sweeps/cpu-seeds-wide-bands

One checkpoint: prints the SSIM of the untranslated input and of the translation on the whole image,
on the objects (every pixel within the SSIM window's reach of a pixel that stands out from the image's
floor, in the input or in the truth) and on the rest, and the SSIM of two composites: the
translation's objects on the input's floor, and the input's objects on the translation's floor. Pass
the run's own settings (``--seed``, ``--max-images``, ``--num-test``, ``--stripe-period``, the network
options) to score its test scenes.

A sweep: every run's translators, each on its own run's test scenes and settings (``run.json``), and
the spread across runs of each difference between two of them on the same scenes, as the verdicts'
margins take it.
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch

from ganlib import cyclegan, nets, registry, translations
from ganlib.settings import seed_everything


def test_scenes(seed: int, max_images: int, num_test: int, stripe_period: float | None):
    data = registry.load_unaligned("scenes", None, 32, max_images, num_test=num_test, seed=seed,
                                   stripe_period=stripe_period)
    return data.testA.images, data.testB.images


def load_G(checkpoint: Path, generator: str, ngf: int, n_blocks: int, n_down: int | None, padding: str = "zeros"):
    G = nets.define_G(generator, ngf=ngf, nc=3, image_size=32, n_blocks=n_blocks, n_down=n_down, padding=padding)
    G.load_state_dict(torch.load(checkpoint, weights_only=False)["G_A2B"])
    return G


def one_checkpoint(a: argparse.Namespace) -> None:
    seed_everything(a.seed, 2)
    inputs, truth = test_scenes(a.seed, a.max_images, a.num_test, a.stripe_period)
    translated = translations.translate(load_G(a.checkpoint, a.generator, a.ngf, a.n_blocks, a.n_down), inputs)
    x, y, t = (im.float() / 255 for im in (inputs, translated, truth))
    objects = translations.object_region(x, t)
    print(f"objects: {objects.float().mean():.0%} of the pixels\n| image | SSIM | on the objects | on the floor |\n|---|---|---|---|")
    for name, image in (("untranslated input", inputs), (a.generator, translated)):
        r = translations.region_ssim(image, truth, inputs)
        print(f"| {name} | {translations.ssim_map(image.float() / 255, t).mean():.3f} | {r['ssim_objects']:.3f} | "
              f"{r['ssim_floor']:.3f} |")
    for name, image in ((f"{a.generator}'s objects on the input's floor", torch.where(objects[:, None], y, x)),
                        (f"the input's objects on {a.generator}'s floor", torch.where(objects[:, None], x, y))):
        print(f"| {name} | {translations.ssim_map(image, t).mean():.3f} | | |")


def sweep(folder: Path) -> None:
    runs = {}
    for run in sorted(p.parent for p in folder.glob("*/run.json")):
        p = json.loads((run / "run.json").read_text())["parameters"]
        seed_everything(p["seed"], 2)
        inputs, truth = test_scenes(p["seed"], p["max_images"], p["num_test"], p.get("stripe_period"))
        scores = {"input": translations.region_ssim(inputs, truth, inputs)}
        for config in p["configs"]:
            G = load_G(run / "checkpoints" / f"{config}.pt", cyclegan.configuration(config, 32, 1, 0).generator,
                       p["ngf"], p["n_blocks"], p["n_down"], p["padding"])
            scores[config] = translations.region_ssim(translations.translate(G, inputs), truth, inputs)
        runs[run.name] = scores
        print(run.name, {c: f"objects {s['ssim_objects']:.3f}, floor {s['ssim_floor']:.3f}" for c, s in scores.items()})
    names = list(next(iter(runs.values())))
    for region in ("ssim_objects", "ssim_floor"):
        print(f"\n| {region}: difference, per run | mean | std |\n|---|---|---|")
        for i, a in enumerate(names):
            for b in names[:i]:
                d = [s[a][region] - s[b][region] for s in runs.values()]
                print(f"| {a} - {b}: {', '.join(f'{v:+.4f}' for v in d)} | {statistics.mean(d):+.4f} | "
                      f"{statistics.stdev(d):.4f} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", nargs="?", type=Path)
    p.add_argument("--sweep", type=Path, help="a cyclegan sweep's folder, its runs' checkpoints kept")
    p.add_argument("--generator", default="resnet", choices=("resnet", "unet"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-images", type=int, default=1500)
    p.add_argument("--num-test", type=int, default=200)
    p.add_argument("--stripe-period", type=float, default=None, help="the run's stripe_period (default: the lab's)")
    p.add_argument("--ngf", type=int, default=16)
    p.add_argument("--n-blocks", type=int, default=6)
    p.add_argument("--n-down", type=int, default=None)
    a = p.parse_args()
    if (a.checkpoint is None) == (a.sweep is None):
        p.error("give one checkpoint or --sweep")
    sweep(a.sweep) if a.sweep else one_checkpoint(a)


if __name__ == "__main__":
    main()
