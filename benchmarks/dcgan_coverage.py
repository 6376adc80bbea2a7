"""The dcgan lab's scores of finished runs, recomputed from the generators their checkpoints hold: FD and
its floor, and precision and recall with their floors, as the lab computes them (its ``n_eval`` held-out
and reference scenes, its noise seed). For runs made before the lab measured precision and recall.

    python benchmarks/dcgan_coverage.py reports/dcgan/sweeps/cpu-b32-seeds-more/seed-*

Each folder needs ``run.json`` (the run's parameters) and ``checkpoints/<dataset>.pt``. The FD it prints
matches the run's metrics.json when the thread count and processor are the run's.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from ganlib import judges, metrics, nets, registry, train


def rescore(folder: Path, judge) -> dict:
    p = json.loads((folder / "run.json").read_text())["parameters"]
    torch.set_num_threads(p["num_threads"] if isinstance(p["num_threads"], int) else torch.get_num_threads())
    scores = {}
    for name in p["datasets"]:
        netG = nets.define_G("dcgan", nz=p["nz"], ngf=p["ngf"], nc=3, image_size=p["image_size"])
        netG.load_state_dict(torch.load(folder / "checkpoints" / f"{name}.pt", weights_only=False)["netG"])
        load = lambda seed: registry.load_images(name, None, p["image_size"], p["n_eval"], seed=seed,
                                                 scene_zoom=p["scene_zoom"]).images
        heldout, reference = load(p["seed"] + 1), load(p["seed"])      # the lab's first n_eval training scenes
        samples = train.sample(netG, p["n_eval"], p["nz"], seed=p["seed"] + 1)   # G as the lab leaves it
        scores[name] = {**metrics.sample_scores(judge, samples, heldout, reference),
                        **metrics.coverage_scores(judge, samples, heldout, reference)}
    return scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    args = ap.parse_args()
    judge = judges.load_iclevr_evaluator().net
    for folder in args.folders:
        for name, s in rescore(folder, judge).items():
            print(f"{folder.name} {name}: FD {s['frechet_distance']:.2f} (floor {s['frechet_floor']:.2f}), "
                  f"recall {s['recall']:.3f} (floor {s['recall_floor']:.3f}), precision {s['precision']:.3f} "
                  f"(floor {s['precision_floor']:.3f})", flush=True)


if __name__ == "__main__":
    main()
