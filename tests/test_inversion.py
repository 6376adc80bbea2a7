"""Latent inversion (report 003): recovering z, interpolation, targets from files."""
import math

import pytest
import torch

from ganlib import nets
from ganlib.data import DataError
from ganlib.data import ImageData
from ganlib.inversion import (invert, lerp, load_target, milestone_images, snapshot_options, reconstruction_scores, render,
                              slerp, sweep)
from ganlib.losses import VanillaLoss
from ganlib.train import TrainOptions, train_gan


def test_inversion_recovers_a_known_z_of_a_fixed_random_generator():
    torch.manual_seed(0)
    netG = nets.define_G("small", nz=16, nc=3, image_size=32)
    z_true = torch.randn(16)
    with torch.no_grad():
        target = netG(z_true.unsqueeze(0))[0]
    fit = invert(netG, target, nz=16, steps=300, optimizer="adam", lr=0.05, restarts=4, seed=1)
    start = fit.history[0]
    assert fit.loss < 1e-3 * start                        # the image is reproduced ...
    assert torch.allclose(fit.z, z_true, atol=0.05)      # ... by the very z that made it
    assert fit.history[0] == max(fit.history)            # the random start is the worst
    assert set(fit.snapshots) >= {0, 300} and fit.image.shape == (3, 32, 32)
    assert all(p.requires_grad for p in netG.parameters()) and netG.training   # G left as it was


def test_sgd_with_momentum_is_the_default_and_lowers_the_error():
    torch.manual_seed(0)
    netG = nets.define_G("small", nz=8, nc=3, image_size=32)
    target = torch.rand(3, 32, 32) * 2 - 1
    fit = invert(netG, target, nz=8, steps=50, lr=1e-4, restarts=2)
    assert fit.history[-1] < fit.history[0]
    with pytest.raises(ValueError, match="'sgd' or 'adam'"):
        invert(netG, target, nz=8, optimizer="lbfgs")


def test_slerp_keeps_the_norm_and_ends_at_both_vectors():
    z0, z1 = torch.tensor([3.0, 0.0]), torch.tensor([0.0, 3.0])
    path = slerp(z0, z1, [0, 0.5, 1])
    assert torch.allclose(path[0], z0) and torch.allclose(path[-1], z1)
    assert torch.allclose(path.norm(dim=1), torch.full((3,), 3.0))
    assert torch.allclose(path[1], torch.tensor([3 / math.sqrt(2), 3 / math.sqrt(2)]))
    assert torch.allclose(lerp(z0, z1, [0.5])[0], torch.tensor([1.5, 1.5]))      # lerp cuts the corner
    assert torch.allclose(slerp(z0, 2 * z0, [0.5])[0], 1.5 * z0)                 # parallel: lerp


def test_target_of_another_size_is_resized_with_a_note(tmp_path, capsys):
    from PIL import Image
    Image.new("RGB", (64, 48), (255, 0, 0)).save(tmp_path / "red.png")
    target = load_target(tmp_path / "red.png", 32)
    assert target.shape == (3, 32, 32) and target[0].min() == 1 and target[1].max() == -1
    assert "red.png is 64x48; resized and centre-cropped to 32x32" in capsys.readouterr().out


def test_target_that_is_not_an_image_names_the_file(tmp_path):
    (tmp_path / "notes.png").write_text("hello")
    with pytest.raises(DataError, match="notes.png is not a readable image"):
        load_target(tmp_path / "notes.png", 32)
    with pytest.raises(DataError, match="missing.png does not exist"):
        load_target(tmp_path / "missing.png", 32)


def test_reconstruction_scores():
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0)) - 0.5     # some texture
    scores = reconstruction_scores(x + 0.1, x)
    assert scores["mse"] == pytest.approx(0.01)
    assert scores["psnr"] == pytest.approx(10 * math.log10(4 / 0.01), rel=1e-5)
    assert scores["ssim"] > 0.95                     # a small uniform shift keeps the structure
    assert reconstruction_scores(-x, x)["ssim"] < 0  # the structure inverted


def test_the_object_error_sees_what_the_background_hides():
    """A fit that gets the background right and the object wrong: good PSNR, large error inside the object."""
    target = -torch.ones(1, 3, 32, 32)
    mask = torch.zeros(1, 32, 32, dtype=torch.bool)
    mask[:, 12:20, 12:20] = True                     # a small object: 1/16 of the image
    target[:, :, 12:20, 12:20] = 1.0
    background_only = -torch.ones(1, 3, 32, 32)
    scores = reconstruction_scores(background_only, target, mask)
    assert scores["object_mse"] == pytest.approx(4.0)                 # (1 - (-1))^2 inside
    assert scores["mse"] == pytest.approx(4.0 / 16)
    assert reconstruction_scores(target, target, mask)["object_mse"] == 0.0


def test_milestone_samples_exist_when_the_batch_does_not_divide_the_images():
    # 50 images at batch 16: epochs of 4 iterations (the last batch holds 2 images), not 50 // 16 = 3
    images = torch.randint(0, 256, (50, 3, 32, 32), dtype=torch.uint8)
    data = ImageData(images, None, "fifty", "random")
    milestones = [1, 2, 3]
    run = train_gan(nets.define_G("small", nz=8, nc=3, image_size=32), nets.define_D("small", nc=3, image_size=32),
                    data, VanillaLoss(), nz=8, num_epochs=max(milestones), batch_size=16, n_fixed=4, verbose=False,
                    **snapshot_options(len(data), 16, milestones, snapshot_every=None))
    assert run.iters_per_epoch == 4
    samples = milestone_images(run, milestones)
    assert list(samples) == ["epoch 1", "epoch 2", "epoch 3"]
    assert samples["epoch 3"].shape == (4, 3, 32, 32)
    assert torch.equal(samples["epoch 3"], run.snapshots[max(run.snapshots)])   # the last is the final G


def test_snapshot_every_adds_snapshots_beside_the_milestones():
    milestones = [2, 5]                        # epochs of 4 iterations: milestones after iterations 8 and 20
    assert snapshot_options(50, 16, milestones, None) == {"snapshot_at": (8, 20), "snapshot_every": 4}
    assert snapshot_options(50, 16, milestones, 3) == {"snapshot_at": (8, 20)}   # the parameter's 3 stays
    data = ImageData(torch.randint(0, 256, (50, 3, 32, 32), dtype=torch.uint8), None, "fifty", "random")
    options = TrainOptions.from_params({"snapshot_every": 6, "lr_g": 1e-4}, nz=8, num_epochs=5, batch_size=16,
                                       n_fixed=2, verbose=False, **snapshot_options(50, 16, milestones, 6))
    run = train_gan(nets.define_G("small", nz=8, nc=3, image_size=32), nets.define_D("small", nc=3, image_size=32),
                    data, VanillaLoss(), options)
    assert sorted(run.snapshots) == [0, 6, 8, 12, 18, 20]
    assert list(milestone_images(run, milestones)) == ["epoch 2", "epoch 5"]
    with pytest.raises(ValueError, match="parameter snapshot_every gives option snapshot_every"):
        TrainOptions.from_params({"snapshot_every": 6}, snapshot_every=4)


def test_sweep_sets_one_coordinate_and_render_keeps_the_generator_in_training_mode():
    netG = nets.define_G("small", nz=8, nc=3, image_size=32)
    z = torch.zeros(8)
    images = sweep(netG, z, 3, torch.linspace(-3, 3, 5))
    assert images.shape == (5, 3, 32, 32) and images.dtype == torch.uint8
    assert not torch.equal(images[0], images[-1])                              # coordinate 3 moved the image
    assert torch.equal(images[2], render(netG, z[None])[0])                    # value 0 leaves z as it was
    assert netG.training


def test_each_slider_of_the_latent_explorer_changes_the_image():
    from ganlib.explorer import LatentExplorer

    torch.manual_seed(0)
    explorer = LatentExplorer(nets.define_G("small", nz=8, nc=3, image_size=32), torch.zeros(8), coordinates=range(4))
    explorer.redraw()
    for k, slider in enumerate(explorer.sliders):
        before = explorer.image.clone()
        slider.value = 2.5                      # as a user drags it: the widget's observer redraws
        assert not torch.equal(explorer.image, before), f"slider z[{k}] did not change the image"
        assert explorer.current_z()[k] == 2.5


def test_the_reading_gives_every_score_in_and_out_of_domain_on_smoke_numbers():
    import json
    import re
    from pathlib import Path
    from ganlib import readings

    metrics = json.loads((Path(__file__).parent / "golden" / "inversion.json").read_text())["metrics"]
    text = readings.reading("inversion", metrics)
    for name in ("held-out in-domain", "training images (as the report inverted)", "out-of-domain (mnist10k)",
                 "the cat photo", "The generator itself"):
        assert name in text
    assert len(re.findall(r"SSIM \d", text)) == 4
    assert len(re.findall(r"error inside the object \d", text)) == 2     # training images and the photo: no mask
    assert "None" not in text and "nan" not in text
    assert re.search(r"\*\*(reproduced|partly|not reproduced|inconclusive|not learnt)\*\*", text)
