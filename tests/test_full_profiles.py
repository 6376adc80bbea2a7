"""Every lab's ``full`` profile, end to end on the CPU with tiny overrides.

A GPU user's ``--profile full`` takes code paths that the smoke and cpu profiles never do: 64 px
conditional nets, report 003's small inversion nets, the 256 px ResNet-9 with three-layer patch
discriminators, the 4,096-wide MLP, image folders under the data root. Here each full profile runs
with its networks, image sizes and losses as they are, but a few images, one epoch of at least two
iterations per configuration and small evaluations. Photos the runs would fetch from Kaggle are
stood in for by rendered scenes written as JPEG files in the registry's layout, so the same loaders
read them.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from ganlib import scenes

# lab -> overrides that shrink the run, never its image sizes, layers or losses (cyclegan's ResNet-9 at
# 256 px is narrowed: at full width its first iterations take minutes on two cores)
TINY = {
    "dcgan": {"max_images": 16, "num_epochs": 1, "batch_size": 8, "n_eval": 100},
    "mnist": {"dataset": "mnist10k", "max_images": 256, "num_epochs": 1, "n_eval": 100},
    "cgan": {"max_images": 16, "num_epochs": 1, "batch_size": 8, "eval_seeds": 2},
    "inversion": {"max_images": 32, "milestones": [1], "inversion_steps": 3, "n_scores": 2},
    "cyclegan": {"max_images": 2, "num_epochs": 1, "unet_epochs": 1, "judge_epochs": 1, "ngf": 8, "ndf": 8},
}
# what only the full profile runs, read from the run's parameters (p) and metrics (m)
FULL_ONLY = {
    "dcgan": lambda p, m: m["image_size"] == 64 and set(m["datasets"]) == {"cars", "cats"},
    "mnist": lambda p, m: (p["mlp_hidden"] == 4096 and "mlp_nz100" in m["runs"] and m["study1_image_size"] == 64
                           and "dcgan_nz100_28px" in m["runs"]),
    "cgan": lambda p, m: m["image_size"] == 64 and len(m["configs"]) == 7,
    "inversion": lambda p, m: p["arch"] == "small" and m["dataset"] == "carrot_cake",
    "cyclegan": lambda p, m: (m["image_size"] == 256 and m["domains"] == ["horse", "zebra"] and len(m["configs"]) == 3
                              and m["configs"]["resnet_aug"]["train_image_size"] == 128),
}


def write_jpegs(folder: Path, images) -> None:
    folder.mkdir(parents=True)
    for k, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{k:03d}.jpg", quality=95)


@pytest.fixture(scope="module")
def photo_root(tmp_path_factory):
    """A data root holding cars, cats, carrot_cake and horse2zebra in their registry layouts."""
    root = tmp_path_factory.mktemp("datasets")
    write_jpegs(root / "cars" / "cars_train", scenes.render_variety("one", 16, 64, seed=1))
    write_jpegs(root / "cats" / "dataset" / "training_set" / "cats", scenes.render_variety("many", 16, 64, seed=2))
    write_jpegs(root / "carrot_cake" / "food-101" / "images" / "carrot_cake", scenes.render_variety("close", 32, 64, seed=3))
    for split, images in scenes.render_domains(2, 2, 64, seed=4).items():
        write_jpegs(root / "horse2zebra" / split, images)
    return root


@pytest.mark.parametrize("lab", TINY)
def test_the_full_profile_runs_end_to_end(lab, photo_root, tmp_path):
    overrides = {**TINY[lab], "device": "cpu", "num_threads": 2}
    if lab not in ("mnist", "cgan"):   # those two read the data root the rest of the suite uses
        overrides["data_root"] = str(photo_root)
    args = [a for name, value in overrides.items()
            for a in ("-p", name, value if isinstance(value, str) else json.dumps(value))]
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "ganlib", "run", lab, "--profile", "full", *args, "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    first_line = res.stdout.splitlines()[0]     # the photos here are the registry's; mnist10k and the scenes are not
    assert first_line.startswith("stand-in for the report's data: " if lab in ("mnist", "cgan") else "running ")
    params = json.loads((out / "run.json").read_text())["parameters"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert FULL_ONLY[lab](params, metrics), "the run did not take the full profile's own path"
    assert list((out / "figures").glob("*.png"))
