import math

import pytest
import torch
from torch import nn

from ganlib.losses import (AuxiliaryClassifierLoss, HingeLoss, LeastSquaresLoss, VanillaLoss, WGANGPLoss, define_loss,
                           gradient_penalty)


def test_vanilla_loss_is_bce_on_logits():
    real, fake = torch.tensor([0.0, 2.0]), torch.tensor([-1.0])
    sig = lambda x: 1 / (1 + math.exp(-x))
    want_d = -(math.log(sig(0)) + math.log(sig(2))) / 2 - math.log(1 - sig(-1))
    assert VanillaLoss().discriminator(real, fake).item() == pytest.approx(want_d, rel=1e-6)
    assert VanillaLoss().generator(fake).item() == pytest.approx(-math.log(sig(-1)), rel=1e-6)
    assert VanillaLoss().score(torch.tensor([0.0])).item() == 0.5


def test_least_squares_loss_by_hand():
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.5, -0.5])
    # 0.5 * mean((1-1)^2, (0-1)^2) + 0.5 * mean(0.25, 0.25) = 0.25 + 0.125
    assert LeastSquaresLoss().discriminator(real, fake).item() == pytest.approx(0.375)
    # 0.5 * mean((0.5-1)^2, (-0.5-1)^2) = 0.5 * (0.25 + 2.25) / 2
    assert LeastSquaresLoss().generator(fake).item() == pytest.approx(0.625)


def test_wgan_losses_by_hand():
    real, fake = torch.tensor([3.0, 1.0]), torch.tensor([0.5])
    assert WGANGPLoss().discriminator(real, fake).item() == pytest.approx(0.5 - 2.0)
    assert WGANGPLoss().generator(fake).item() == pytest.approx(-0.5)


def test_gradient_penalty_matches_direct_autograd():
    torch.manual_seed(0)
    netD = nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 1))
    real, fake = torch.randn(4, 3, 2, 2), torch.randn(4, 3, 2, 2)
    eps = torch.rand(4)
    got = gradient_penalty(netD, real, fake, eps=eps)
    want = 0.0
    for k in range(4):  # one sample at a time, no batching tricks
        x = (eps[k] * real[k] + (1 - eps[k]) * fake[k]).unsqueeze(0).requires_grad_(True)
        (g,) = torch.autograd.grad(netD(x).sum(), x)
        want += (g.norm() - 1) ** 2 / 4
    assert got.item() == pytest.approx(want.item(), rel=1e-5)


def test_gradient_penalty_of_a_1_lipschitz_linear_critic_is_zero():
    w = torch.randn(12)
    netD = nn.Sequential(nn.Flatten(), nn.Linear(12, 1, bias=False))
    netD[1].weight.data = (w / w.norm()).view(1, 12)
    assert gradient_penalty(netD, torch.randn(5, 12), torch.randn(5, 12)).item() == pytest.approx(0, abs=1e-10)


def test_define_loss_by_name():
    assert isinstance(define_loss("lsgan"), LeastSquaresLoss)
    assert define_loss("wgan-gp", lambda_gp=5).lambda_gp == 5
    assert isinstance(define_loss("hinge"), HingeLoss)
    with pytest.raises(ValueError, match="unknown loss 'softplus'"):
        define_loss("softplus")


def test_hinge_loss_by_hand():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-3.0, 0.0])
    # D: mean(max(0, 1 - [2, 0.5])) + mean(max(0, 1 + [-3, 0])) = mean(0, 0.5) + mean(0, 1)
    assert HingeLoss().discriminator(real, fake).item() == pytest.approx(0.25 + 0.5)
    assert HingeLoss().generator(fake).item() == pytest.approx(1.5)


def test_auxiliary_classifier_loss_by_hand():
    """Column 0 is the adversarial output, the others one logit per label."""
    real = torch.tensor([[1.0, 0.0, 2.0]])       # adversarial 1; labels 0, 2 (logits)
    fake = torch.tensor([[-1.0, 1.0, 0.0]])
    condition = torch.tensor([[0.0, 1.0]])
    bce = lambda logit, y: -(y * math.log(1 / (1 + math.exp(-logit))) + (1 - y) * math.log(1 - 1 / (1 + math.exp(-logit))))
    loss = AuxiliaryClassifierLoss(WGANGPLoss(), weight=2.0)
    # D: WGAN (-1 - 1) + 2 * mean(BCE(0, 0), BCE(2, 1)) on the real image's logits only
    want_d = (-1.0 - 1.0) + 2.0 * (bce(0.0, 0) + bce(2.0, 1)) / 2
    assert loss.discriminator(real, fake, condition).item() == pytest.approx(want_d, rel=1e-6)
    # G: WGAN -(-1) + 2 * mean(BCE(1, 0), BCE(0, 1)) on its fake's logits, for the requested labels
    want_g = 1.0 + 2.0 * (bce(1.0, 0) + bce(0.0, 1)) / 2
    assert loss.generator(fake, condition).item() == pytest.approx(want_g, rel=1e-6)
    assert loss.score(real).tolist() == [1.0]


def test_the_auxiliary_loss_penalises_only_the_adversarial_output():
    netD = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
    real, fake = torch.randn(4, 3, 2, 2), torch.randn(4, 3, 2, 2)
    eps = torch.rand(4)
    torch.manual_seed(1)
    got = AuxiliaryClassifierLoss(WGANGPLoss(lambda_gp=10.0)).penalty(netD, real, fake)
    torch.manual_seed(1)
    want = 10.0 * gradient_penalty(lambda x: netD(x)[:, 0], real, fake)
    assert got.item() == pytest.approx(want.item(), rel=1e-6)
