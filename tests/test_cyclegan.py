"""CycleGAN (report 004 part 2): networks, loss, image pool, training loop, two-domain data, scores."""
import math

import numpy as np
import pytest
import torch

from ganlib import cyclegan, judges, nets, scenes, translations
from ganlib.data import DataError, ImageData
from ganlib.image_nets import ResnetBlock
from ganlib.registry import load_unaligned
from ganlib.losses import CycleGANLoss
from ganlib.train import CheckpointMismatch, TrainingDiverged


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("name", ["resnet", "unet"])
def test_generators_map_an_image_to_an_image_of_the_same_size(name, size):
    torch.manual_seed(0)
    G = nets.define_G(name, ngf=8, nc=3, image_size=size, n_blocks=2)
    y = G(torch.randn(2, 3, size, size))
    assert y.shape == (2, 3, size, size) and y.min() >= -1 and y.max() <= 1


def test_resnet_generator_pads_as_asked_and_unet_needs_a_power_of_two():
    G = nets.define_G("resnet", ngf=8, image_size=32, n_blocks=1, padding="reflect")
    assert G.main[0].padding_mode == "reflect" and isinstance(G.main[-2], torch.nn.Conv2d)
    assert isinstance(nets.define_G("resnet", ngf=8, image_size=32, n_blocks=1).main[-2], torch.nn.ConvTranspose2d)
    with pytest.raises(ValueError, match="power-of-two"):
        nets.define_G("unet", ngf=8, image_size=48)
    with pytest.raises(ValueError, match="divisible by 4"):
        nets.define_G("resnet", ngf=8, image_size=30)


def test_the_resnet_generators_blocks_work_at_a_quarter_of_the_image_from_64_px_and_at_half_below():
    def block_side(G, size):
        sides = []
        block = next(m for m in G.modules() if isinstance(m, ResnetBlock))
        block.register_forward_hook(lambda module, inputs, out: sides.append(out.shape[-1]))
        G(torch.zeros(1, 3, size, size))
        return sides[0]
    # the report's two stride-2 convs: its 256 px images reach the blocks at 64 px
    assert block_side(nets.define_G("resnet", ngf=4, image_size=256, n_blocks=2), 256) == 64
    # by image size: two from 64 px; one at 32 px, where two would leave 4 px cells, wider than a stripe
    assert [block_side(nets.define_G("resnet", ngf=4, image_size=s, n_blocks=2, n_down=None), s)
            for s in (32, 64)] == [16, 16]
    with pytest.raises(ValueError, match="1 to 3 stride-2"):
        nets.define_G("resnet", ngf=4, image_size=32, n_down=0)


def test_patch_discriminator_scores_a_map_of_patches():
    D = nets.define_D("patch", ndf=8, nc=3, image_size=64)
    assert D(torch.randn(2, 3, 64, 64)).shape == (2, 1, 6, 6)
    assert D(torch.randn(1, 3, 256, 256)).shape == (1, 1, 30, 30)     # the 70 x 70 PatchGAN's 30 x 30 map


@pytest.mark.parametrize("net", [
    lambda: nets.define_G("resnet", ngf=8, nc=3, image_size=32, n_blocks=2, n_down=None),
    lambda: nets.define_G("unet", ngf=8, nc=3, image_size=32),
    lambda: nets.define_D("patch", ndf=8, nc=3, image_size=32, n_layers=None)], ids=["resnet", "unet", "patch"])
def test_cyclegan_nets_treat_each_image_alone_so_a_step_may_pass_two_batches_as_one(net):
    # CycleSteps passes identity and translation inputs (and D's real and fake ones) as one batch:
    # right only while every norm normalises each image alone (InstanceNorm, not BatchNorm)
    torch.manual_seed(0)
    model, x, y = net().train(), torch.randn(3, 3, 32, 32), torch.randn(3, 3, 32, 32)
    together = model(torch.cat([x, y]))
    torch.testing.assert_close(together[:3], model(x), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(together[3:], model(y), rtol=1e-4, atol=1e-5)


def test_cyclegan_loss_terms_by_hand():
    loss = CycleGANLoss(lambda_cycle=10, lambda_identity=5, d_weight=5)
    assert loss.adversarial(torch.tensor([0.0, 2.0])).item() == pytest.approx(1.0)        # ((0-1)^2 + (2-1)^2) / 2
    assert loss.cycle(torch.tensor([0.5, 0.0]), torch.tensor([0.0, 0.0])).item() == pytest.approx(2.5)
    assert loss.identity(torch.tensor([1.0]), torch.tensor([0.8])).item() == pytest.approx(1.0)
    # 5 * [(0.5 - 1)^2 + 0.5^2] = 2.5
    assert loss.discriminator(torch.tensor([0.5]), torch.tensor([0.5])).item() == pytest.approx(2.5)


def test_image_pool_fills_then_swaps_half_the_time_and_is_seeded():
    pool = cyclegan.ImagePool(size=4, seed=0)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first), first)                    # filling: fakes pass through
    new = torch.arange(100.0, 300.0).view(200, 1, 1, 1)
    out = pool.query(new)
    swapped = out != new
    assert 60 < swapped.sum().item() < 140                          # about half come from the pool ...
    assert set(out[swapped].tolist()) <= set(range(0, 300))         # ... older fakes, never made-up ones
    assert (out[swapped] < new[swapped]).all()
    again = cyclegan.ImagePool(size=4, seed=0)
    again.query(first)
    assert torch.equal(again.query(new), out)
    assert torch.equal(cyclegan.ImagePool(size=0).query(new), new)


def _nets(size=32):
    torch.manual_seed(0)
    return (nets.define_G("resnet", ngf=4, image_size=size, n_blocks=1), nets.define_G("unet", ngf=4, image_size=size),
            nets.define_D("patch", ndf=4, image_size=size), nets.define_D("patch", ndf=4, image_size=size))


def _domains(n=12, size=32):
    g = torch.Generator().manual_seed(0)
    a = ImageData(torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=g), None, "a", "random")
    b = ImageData(torch.randint(0, 256, (n + 3, 3, size, size), dtype=torch.uint8, generator=g), None, "b", "random")
    return a, b


def test_augmentation_moves_each_image_and_fills_the_uncovered_corners_as_asked():
    gray = torch.zeros(8, 3, 32, 32)                            # mid-gray in [-1, 1]
    torch.manual_seed(0)
    black = cyclegan.random_affine(gray, "black")
    torch.manual_seed(0)
    mirrored = cyclegan.random_affine(gray, "reflect")
    assert black.shape == gray.shape
    assert (black == -1).all(1).flatten(1).any(1).all()      # every image has uncovered corners, black
    assert (mirrored == 0).all()                               # mirrored gray is gray: no black to learn
    torch.manual_seed(0)
    assert torch.equal(cyclegan.random_affine(gray, "black"), black)    # one draw per image, seeded


def test_stopped_and_resumed_training_equals_an_uninterrupted_run(tmp_path):
    a, b = _domains()
    kw = dict(num_epochs=3, batch_size=2, decay_epochs=2, augment=True, pool_size=3, verbose=False,
              checkpoint_every=4, panel_pair=(a.images[0], b.images[0]))
    whole = cyclegan.train_cyclegan(*_nets(), a, b, checkpoint=tmp_path / "whole.pt", **kw)
    cyclegan.train_cyclegan(*_nets(), a, b, checkpoint=tmp_path / "part.pt", stop_after=7, **kw)
    resumed = cyclegan.train_cyclegan(*_nets(), a, b, checkpoint=tmp_path / "part.pt", resume=True, **kw)
    assert whole.finished and resumed.finished and whole.iters_per_epoch == 6
    for x, y in zip(whole.G_B2A.state_dict().values(), resumed.G_B2A.state_dict().values()):
        assert torch.equal(x, y)
    assert whole.history == resumed.history
    assert sorted(whole.panels) == [0, 1, 2, 3] and whole.panels[3].shape == (8, 3, 32, 32)
    assert all(torch.equal(whole.panels[k], resumed.panels[k]) for k in whole.panels)
    means = whole.epoch_means()
    assert len(means["total_loss"]) == 3 and means["loss_cycle_ABA"][0] > 0
    with pytest.raises(CheckpointMismatch, match="batch_size"):
        cyclegan.train_cyclegan(*_nets(), a, b, checkpoint=tmp_path / "part.pt", resume=True,
                                **{**kw, "batch_size": 3})


def test_learning_rates_decay_linearly_over_the_last_epochs(tmp_path):
    factor = cyclegan.linear_decay(num_epochs=4, decay_epochs=2)
    assert [round(factor(e), 3) for e in range(4)] == [1.0, 1.0, 0.667, 0.333]
    a, b = _domains()
    cyclegan.train_cyclegan(*_nets(), a, b, num_epochs=4, batch_size=6, decay_epochs=2, lr_g=0.3, lr_d=0.6,
                            verbose=False, checkpoint=tmp_path / "c.pt")
    ckpt = torch.load(tmp_path / "c.pt", weights_only=True)
    assert [g["lr"] for g in ckpt["optG"]["param_groups"]] == [pytest.approx(0.3 * factor(4))]
    assert [g["lr"] for g in ckpt["optD"]["param_groups"]] == [pytest.approx(0.6 * factor(4))]
    with pytest.raises(ValueError, match="decay_epochs"):
        cyclegan.train_cyclegan(*_nets(), a, b, num_epochs=2, decay_epochs=3, verbose=False)


def test_each_configuration_trains_at_its_own_size_and_epochs_as_report_004_did():
    full = dict(image_size=256, num_epochs=30, decay_epochs=0, unet_epochs=10, aug_image_size=128)
    assert cyclegan.configuration("resnet", **full) == cyclegan.Configuration("resnet", False, 256, 30, 0)
    assert cyclegan.configuration("unet", **full) == cyclegan.Configuration("unet", False, 256, 10, 0)
    assert cyclegan.configuration("resnet_aug", **full) == cyclegan.Configuration("resnet", True, 128, 30, 0)
    # null: as the rest; the U-Net's decay never outlasts its epochs
    assert cyclegan.configuration("unet_aug", 32, 6, 3) == cyclegan.Configuration("unet", True, 32, 6, 3)
    assert cyclegan.configuration("unet", 32, 6, 3, unet_epochs=2).decay_epochs == 2
    assert cyclegan.resolve_nulls("scenes", None, None, None) == (32, 8, 4)
    assert cyclegan.resolve_nulls("horse2zebra", None, None, 0) == (64, 2, 0)


def test_a_generator_trained_smaller_translates_at_the_images_own_size():
    seen = []
    G = torch.nn.Conv2d(3, 3, 1)
    G.register_forward_hook(lambda m, x, y: seen.append(x[0].shape[-1]))
    out = translations.translate(translations.AtSize(G, 16), torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8))
    assert out.shape == (2, 3, 32, 32) and out.dtype == torch.uint8 and seen == [16]


def test_a_nan_loss_stops_training_with_a_clear_message():
    a, b = _domains()
    with pytest.raises(TrainingDiverged, match="not finite at epoch 0, iteration 0"):
        cyclegan.train_cyclegan(*_nets(), a, b, CycleGANLoss(lambda_cycle=float("nan")), num_epochs=1,
                                batch_size=4, verbose=False)


def test_paired_scores_by_hand_and_domain_rate():
    target = torch.full((2, 3, 32, 32), 100, dtype=torch.uint8)
    scores = translations.paired_scores(target + 51, target)              # off by 0.2 everywhere
    assert scores["l1"] == pytest.approx(0.2)
    assert scores["psnr"] == pytest.approx(20 * math.log10(1 / 0.2), abs=1e-3)
    assert translations.paired_scores(target, target)["ssim"] == pytest.approx(1.0)

    class Always(torch.nn.Module):        # a judge that calls everything B
        def forward(self, x):
            return torch.full((x.size(0),), 5.0)
    assert judges.domain_rate(Always(), target, "B") == 1.0 and judges.domain_rate(Always(), target, "A") == 0.0


def test_region_ssim_tells_a_distorted_floor_from_distorted_objects():
    floor = torch.full((2, 3, 32, 32), 120, dtype=torch.uint8)
    plain = floor.clone()
    plain[:, 0, 4:12, 4:12] = 230                                         # a red object in one corner
    striped = plain.clone()
    striped[:, :, 6:8, 4:12] = 20                                         # the truth: a dark band across it
    noise = torch.randint(-40, 41, (2, 3, 12, 12), generator=torch.Generator().manual_seed(0))
    noisy_floor = striped.clone()
    noisy_floor[:, :, 20:, 20:] = (120 + noise).to(torch.uint8)           # far from the object: only the floor moves
    scores = translations.region_ssim(noisy_floor, striped, plain)
    assert scores["ssim_floor"] < 0.9 and scores["ssim_objects"] > 0.999
    scores = translations.region_ssim(plain, striped, plain)             # the band missing: only the object moves
    assert scores["ssim_objects"] < 0.5 and scores["ssim_floor"] > 0.97    # SSIM's window reaches a little beyond


def test_rendered_domains_pair_each_test_scene_in_both_styles():
    d = scenes.render_domains(4, 6, size=32, seed=0)
    assert {k: v.shape for k, v in d.items()} == {"trainA": (4, 32, 32, 3), "trainB": (4, 32, 32, 3),
                                                  "testA": (6, 32, 32, 3), "testB": (6, 32, 32, 3)}
    differs = (d["testA"] != d["testB"]).any(-1)
    assert differs.any(axis=(1, 2)).all()                 # every test pair differs (the stripes) ...
    assert differs.mean() < 0.35                          # ... on the objects only, not the floor
    assert d["testB"].astype(int).sum() < d["testA"].astype(int).sum()     # the stripes are dark
    again = scenes.render_domains(4, 6, size=32, seed=0)
    assert all(np.array_equal(d[k], again[k]) for k in d)
    more = scenes.render_domains(9, 6, size=32, seed=0)             # more training scenes, same test pairs
    assert np.array_equal(more["testA"], d["testA"]) and np.array_equal(more["trainA"][:4], d["trainA"])
    with pytest.raises(ValueError, match="scene style"):
        scenes.render_scene(["red cube"], np.random.default_rng(0), 32, style="dotted")


def test_stripe_period_sets_how_many_bands_an_object_carries():
    def draw(style, **kw):
        return scenes.render_scene(["yellow cylinder"], np.random.default_rng(4), 64, style, zoom=4.0,
                                   with_mask=True, **kw)
    plain, mask = draw("plain")
    column = mask.sum(0).argmax()                                   # the object's tallest column

    def dark_bands(striped):
        dark = striped[:, column].astype(int).sum(-1) < 0.5 * plain[:, column].astype(int).sum(-1)
        return int((dark[1:] & ~dark[:-1]).sum())                   # dark runs down that column
    narrow, wide = (draw("striped", stripe_period=p)[0] for p in (0.62, 1.24))
    assert dark_bands(narrow) == 5 and dark_bands(wide) == 2


def test_a_judge_tells_plain_from_striped_scenes():
    train = load_unaligned("scenes", image_size=32, max_images=400, num_test=100, seed=3)
    judge, acc = judges.train_domain_judge(train.trainA.images, train.trainB.images, train.testA.images,
                                           train.testB.images, num_epochs=4, verbose=False)
    assert acc > 0.9
    assert judges.domain_rate(judge, train.testB.images, "B") > 0.85


def _write_split(root, split, n, mode="RGB"):
    from PIL import Image
    (root / split).mkdir(parents=True)
    for k in range(n):
        Image.new(mode, (40, 40), 60 + k).save(root / split / f"{k}.jpg")


def test_unaligned_folders_load_with_grayscale_as_rgb(tmp_path):
    root = tmp_path / "horse2zebra"
    for split, n in (("trainA", 3), ("trainB", 4), ("testA", 2), ("testB", 2)):
        _write_split(root, split, n, "L" if split == "trainB" else "RGB")
    data = load_unaligned("horse2zebra", tmp_path, image_size=32, max_images=2)
    assert data.trainB.images.shape == (2, 3, 32, 32) and data.testA.images.shape == (2, 3, 32, 32)
    assert not data.paired and data.domains == ("horse", "zebra")
    assert len(load_unaligned(str(root), image_size=32).trainB) == 4


def test_unaligned_data_errors_name_what_is_missing(tmp_path):
    with pytest.raises(DataError, match="python -m ganlib data fetch horse2zebra"):
        load_unaligned("horse2zebra", tmp_path / "empty")
    _write_split(tmp_path / "half", "trainA", 1)
    with pytest.raises(DataError, match="lacks trainB, testA, testB"):
        load_unaligned(str(tmp_path / "half"))
    with pytest.raises(DataError, match="unknown dataset 'zebras'"):
        load_unaligned("zebras")
    with pytest.raises(DataError, match="no two domains"):
        load_unaligned("cats")


def test_the_real_horse2zebra_when_the_data_root_holds_it():
    from ganlib.settings import data_root
    if not (data_root() / "horse2zebra" / "trainB").is_dir():
        pytest.skip(f"horse2zebra not found under {data_root()} (set GANLIB_DATA_ROOT)")
    data = load_unaligned("horse2zebra", image_size=64, max_images=40)
    assert len(data.testA) == 120 and len(data.testB) == 140 and data.trainB.images.shape == (40, 3, 64, 64)
