r"""GAN losses, one small unit each.

Every loss takes the discriminator's raw outputs (logits for the vanilla loss, scores
otherwise) and gives

* ``discriminator(real_out, fake_out, condition)``: the loss D minimises,
* ``generator(fake_out, condition)``: the loss G minimises (``condition``, the batch's multi-hot
  labels, matters only to a loss that checks it: the auxiliary classifier's),
* ``penalty(netD, real, fake)``: an extra D term (zero except for WGAN-GP),
* ``score(out)``: what the logs call D(x) and D(G(z)) (a probability where there is one).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class VanillaLoss:
    r"""The original GAN loss with the non-saturating generator (Goodfellow et al., 2014).

    With $D = \sigma(\ell)$ for a logit $\ell$:

    $$L_D = -\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))]$$
    $$L_G = -\mathbb{E}_z[\log D(G(z))]$$

    i.e. binary cross-entropy on logits, real labelled 1 and fake 0; G labels its
    fakes 1, which keeps its gradient alive when D rejects them confidently.
    """

    name = "vanilla"

    def discriminator(self, real_out: torch.Tensor, fake_out: torch.Tensor, condition=None) -> torch.Tensor:
        return (F.binary_cross_entropy_with_logits(real_out, torch.ones_like(real_out))
                + F.binary_cross_entropy_with_logits(fake_out, torch.zeros_like(fake_out)))

    def generator(self, fake_out: torch.Tensor, condition=None) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(fake_out, torch.ones_like(fake_out))

    def penalty(self, netD: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return real.new_zeros(())

    def score(self, out: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(out)


class LeastSquaresLoss(VanillaLoss):
    r"""Least-squares GAN (Mao et al., 2017) with targets a=0 (fake), b=1 (real), c=1 (G's aim).

    $$L_D = \tfrac12\mathbb{E}_x[(D(x) - 1)^2] + \tfrac12\mathbb{E}_z[D(G(z))^2]$$
    $$L_G = \tfrac12\mathbb{E}_z[(D(G(z)) - 1)^2]$$

    D outputs an unbounded score; fakes far on the real side are still pulled back,
    which gives G gradients where the sigmoid would saturate.
    """

    name = "lsgan"

    def discriminator(self, real_out, fake_out, condition=None):
        return 0.5 * ((real_out - 1) ** 2).mean() + 0.5 * (fake_out ** 2).mean()

    def generator(self, fake_out, condition=None):
        return 0.5 * ((fake_out - 1) ** 2).mean()

    def score(self, out):
        return out


class WGANGPLoss(VanillaLoss):
    r"""Wasserstein GAN with gradient penalty (Gulrajani et al., 2017).

    The critic $D$ estimates the Wasserstein-1 distance:

    $$L_D = \mathbb{E}_z[D(G(z))] - \mathbb{E}_x[D(x)] + \lambda\,\mathbb{E}_{\hat x}[(\lVert\nabla_{\hat x} D(\hat x)\rVert_2 - 1)^2]$$
    $$L_G = -\mathbb{E}_z[D(G(z))]$$

    with $\hat x = \epsilon x + (1-\epsilon) G(z)$, $\epsilon \sim U[0, 1]$ per sample.
    The critic must not use BatchNorm (the penalty is per sample).
    """

    name = "wgan-gp"

    def __init__(self, lambda_gp: float = 10.0):
        self.lambda_gp = lambda_gp

    def discriminator(self, real_out, fake_out, condition=None):
        return fake_out.mean() - real_out.mean()

    def generator(self, fake_out, condition=None):
        return -fake_out.mean()

    def penalty(self, netD, real, fake):
        return self.lambda_gp * gradient_penalty(netD, real, fake)

    def score(self, out):
        return out


class HingeLoss(VanillaLoss):
    r"""The hinge loss of projection-discriminator cGANs (Lim & Ye, 2017; Miyato & Koyama, 2018):

    $$L_D = \mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))]$$
    $$L_G = -\mathbb{E}_z[D(G(z))]$$

    D stops pushing a sample once it is past its margin, so a spectrally normalised D keeps
    giving G gradients. ``score`` is the sigmoid of D's output, for the logs' D(x) and D(G(z)).
    """

    name = "hinge"

    def discriminator(self, real_out, fake_out, condition=None):
        return F.relu(1 - real_out).mean() + F.relu(1 + fake_out).mean()

    def generator(self, fake_out, condition=None):
        return -fake_out.mean()


class AuxiliaryClassifierLoss:
    r"""An adversarial loss plus an auxiliary multi-label classifier (AC-GAN, Odena et al., 2017, with
    one sigmoid per label as i-CLEVR's conditions have several).

    D outputs $[a, c_1 .. c_K]$: an adversarial output $a$ and one logit per label. With the batch's
    condition $y \in \{0, 1\}^K$ and $\mathrm{BCE}$ the mean binary cross-entropy on logits:

    $$L_D = L^{adv}_D(a(x), a(G(z, y))) + w\,\mathrm{BCE}(c(x), y)$$
    $$L_G = L^{adv}_G(a(G(z, y))) + w\,\mathrm{BCE}(c(G(z, y)), y)$$

    D learns the labels on real images only; G is rewarded when D reads the requested labels in
    its fakes. The adversarial part (vanilla or WGAN-GP) sees only $a$, its penalty included.
    """

    def __init__(self, adversarial, weight: float = 1.0):
        self.adversarial, self.weight = adversarial, weight
        self.name = f"{adversarial.name}+aux"

    def classification(self, out: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """The weighted multi-label BCE of the label logits ``out[:, 1:]`` against ``condition``."""
        return self.weight * F.binary_cross_entropy_with_logits(out[:, 1:], condition.float())

    def discriminator(self, real_out, fake_out, condition):
        return self.adversarial.discriminator(real_out[:, 0], fake_out[:, 0]) + self.classification(real_out, condition)

    def generator(self, fake_out, condition):
        return self.adversarial.generator(fake_out[:, 0]) + self.classification(fake_out, condition)

    def penalty(self, netD, real, fake):
        return self.adversarial.penalty(lambda x: netD(x)[:, 0], real, fake)

    def score(self, out):
        return self.adversarial.score(out[:, 0])


def gradient_penalty(netD: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                     eps: torch.Tensor | None = None) -> torch.Tensor:
    r"""$\mathbb{E}[(\lVert\nabla_{\hat x} D(\hat x)\rVert_2 - 1)^2]$ on random interpolates of real and fake.

    ``eps`` (shape (N,)) fixes the interpolation weights; by default they are drawn.
    """
    if eps is None:
        eps = torch.rand(real.size(0), device=real.device)
    eps = eps.view(-1, *([1] * (real.dim() - 1)))
    x_hat = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
    out = netD(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


class CycleGANLoss:
    r"""CycleGAN's objective (Zhu et al., 2017) as report 004 wrote it, for G_AB: A -> B,
    G_BA: B -> A and the least-squares discriminators D_A, D_B:

    $$L_G = \underbrace{(D_B(G_{AB}(a)) - 1)^2 + (D_A(G_{BA}(b)) - 1)^2}_{\text{adversarial}}
          + \lambda_{cyc}\,\underbrace{(\lVert G_{BA}(G_{AB}(a)) - a\rVert_1 + \lVert G_{AB}(G_{BA}(b)) - b\rVert_1)}_{\text{cycle}}
          + \lambda_{id}\,\underbrace{(\lVert G_{AB}(b) - b\rVert_1 + \lVert G_{BA}(a) - a\rVert_1)}_{\text{identity}}$$

    $$L_{D_B} = w_D\,[(D_B(b) - 1)^2 + D_B(\tilde b)^2]$$

    (means over pixels and patches; $\tilde b$ a fake from the image pool). The report used
    $\lambda_{cyc} = 10$, $\lambda_{id} = 5$ and $w_D = 5$; the CycleGAN authors' code
    $w_D = 0.5$. Adam rescales gradients, so $w_D$ matters little. The cycle term is what
    makes an unpaired translation keep the content; the identity term keeps colours when
    the input already looks like the target.
    """

    def __init__(self, lambda_cycle: float = 10.0, lambda_identity: float = 5.0, d_weight: float = 5.0):
        self.lambda_cycle, self.lambda_identity, self.d_weight = lambda_cycle, lambda_identity, d_weight

    def adversarial(self, fake_out: torch.Tensor) -> torch.Tensor:
        """G's least-squares term: push D's score of its fakes to 1 ("real")."""
        return F.mse_loss(fake_out, torch.ones_like(fake_out))

    def cycle(self, reconstructed: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """lambda_cycle * |G_BA(G_AB(a)) - a|_1 (and the same from B)."""
        return self.lambda_cycle * F.l1_loss(reconstructed, real)

    def identity(self, same: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """lambda_identity * |G_AB(b) - b|_1: a target-domain input should pass unchanged."""
        return self.lambda_identity * F.l1_loss(same, real)

    def discriminator(self, real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
        """d_weight * [(D(real) - 1)^2 + D(fake)^2]."""
        return self.d_weight * (F.mse_loss(real_out, torch.ones_like(real_out))
                                + F.mse_loss(fake_out, torch.zeros_like(fake_out)))


LOSSES = {"vanilla": VanillaLoss, "lsgan": LeastSquaresLoss, "wgan-gp": WGANGPLoss, "hinge": HingeLoss}


def define_loss(name: str, **kwargs):
    """A loss by name: 'vanilla', 'lsgan', 'wgan-gp' or 'hinge'."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose from {sorted(LOSSES)}")
    return LOSSES[name](**kwargs)
