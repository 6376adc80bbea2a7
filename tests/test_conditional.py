"""The cgan lab's configurations and the helpers that read their results."""
from types import SimpleNamespace

import pytest
import torch

from ganlib import conditional, published
from ganlib.nets import is_conditional


class FirstLabelJudge:
    """A stand-in evaluator: the share of images whose mean value matches the first condition bit."""

    def accuracy(self, images, conditions):
        return float(((images.float().mean((1, 2, 3)) > 127) == conditions[:, 0].bool()).float().mean())


def test_every_configuration_builds_and_the_variants_check_the_condition_in_d():
    for config in conditional.CONFIGS:
        netG, netD, loss = conditional.define_cgan(config, nz=8, ngf=4, ndf=4, image_size=32)
        z, y = torch.randn(2, 8, 1, 1), torch.zeros(2, 24)
        fake = netG(z, y)
        out = netD(fake, y) if is_conditional(netD) else netD(fake)
        assert fake.shape == (2, 3, 32, 32)
        assert out.shape == ((2, 25) if config.endswith("acgan") else (2,)), config
    assert conditional.parse_config("type1_projection") == (True, "hinge")
    assert conditional.parse_config("type1_vanilla_acgan") == (True, "vanilla")
    with pytest.raises(ValueError, match="unknown configuration 'type3_vanilla'"):
        conditional.parse_config("type3_vanilla")


def test_accuracy_curve_scores_each_snapshot_against_g_updates():
    conditions = torch.tensor([[1.0] + [0.0] * 23, [0.0] * 24])
    white, black = torch.full((2, 3, 4, 4), 255, dtype=torch.uint8), torch.zeros(2, 3, 4, 4, dtype=torch.uint8)
    half = torch.cat([white[:1], white[:1]])                       # right for the first condition only
    run = SimpleNamespace(snapshots={0: black, 100: half, 200: torch.cat([white[:1], black[:1]])})
    steps, accs = conditional.accuracy_curve(run, FirstLabelJudge(), conditions, g_steps=4)
    assert steps == [0, 400, 800]
    assert accs == [0.5, 0.5, 1.0]


def test_public_results_are_reference_rows_marked_as_other_peoples():
    rows = published.public_iclevr_rows()
    assert len(rows) == len(published.PUBLIC_ICLEVR_RESULTS) == 4
    assert all(name.startswith("others:") and set(row) == {"published test"} for name, row in rows.items())


def test_the_variants_train_at_a_multiple_of_their_losss_rate_and_the_reports_configs_at_its_own():
    from ganlib.train import TrainOptions
    options = TrainOptions(lr=2e-4)

    def rates(config):
        o = conditional.train_options(config, options, 1e-4, (0.5, 0.9), n_critic=5, g_steps=4, variant_lr_scale=4)
        return o.lr, o.d_steps, o.g_steps

    assert rates("type1_vanilla") == (2e-4, 1, 4)
    assert rates("type1_wgan-gp") == (1e-4, 5, 1)
    assert rates("type1_vanilla_acgan") == (8e-4, 1, 4)
    assert rates("type1_acgan") == (4e-4, 5, 1)
    assert rates("type1_projection") == (8e-4, 1, 1)


def test_only_the_variants_are_sampled_from_an_average_of_g():
    from ganlib.train import TrainOptions

    def ema(config):
        return conditional.train_options(config, TrainOptions(), 1e-4, (0.5, 0.9), n_critic=5, g_steps=4,
                                         variant_ema=0.99).ema

    assert [ema(c) for c in ("type1_vanilla", "type1_wgan-gp", "type2_vanilla")] == [0, 0, 0]
    assert [ema(c) for c in ("type1_acgan", "type1_vanilla_acgan", "type1_projection")] == [0.99] * 3
