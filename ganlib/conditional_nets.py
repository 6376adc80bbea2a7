"""The conditional nets of report 002 and its variants. Those that take ``(input, condition)``
say so with ``conditional = True``; the condition is a multi-hot vector of ``num_classes`` labels.

* ``ConditionalGenerator`` / ``ConditionalDiscriminator``: report 002's conditional DCGAN, the
  condition projected to S*S values and fed to G with z and to D as a 4th image channel.
* ``ProjectionDiscriminator``: the condition checked against D's features by an inner product.
* ``AuxiliaryDiscriminator``: AC-GAN's D, which predicts the labels instead of reading them.
"""
from __future__ import annotations

import torch
from torch import nn

from .dcgan_nets import DCGANDiscriminator, DCGANGenerator


class ConditionalGenerator(nn.Module):
    """Report 002's G: (z, condition) -> image. The condition (num_classes, multi-hot) goes
    through Linear(num_classes, S*S) + ReLU and is stacked onto z as extra input channels."""

    conditional = True     # forward(x, condition)

    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3, image_size: int = 64,
                 num_classes: int = 24):
        super().__init__()
        self.nz, self.num_classes = nz, num_classes
        self.embed = nn.Sequential(nn.Linear(num_classes, image_size * image_size), nn.ReLU(True))  # S*S
        self.main = DCGANGenerator(nz + image_size * image_size, ngf, nc, image_size)  # nc x S x S

    def forward(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return self.main(torch.cat([z.view(z.size(0), self.nz), self.embed(condition)], 1))


class ConditionalDiscriminator(nn.Module):
    """Report 002's D: (image, condition) -> logit. The condition goes through
    Linear(num_classes, S*S) + LeakyReLU and joins the image as a 4th channel."""

    conditional = True     # forward(x, condition)

    def __init__(self, ndf: int = 64, nc: int = 3, image_size: int = 64, num_classes: int = 24,
                 norm: str = "batch"):
        super().__init__()
        self.num_classes, self.image_size = num_classes, image_size
        self.embed = nn.Sequential(nn.Linear(num_classes, image_size * image_size), nn.LeakyReLU())  # S*S
        self.main = DCGANDiscriminator(ndf, nc + 1, image_size, norm)      # (nc+1) x S x S -> (N,)

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        plane = self.embed(condition).view(x.size(0), 1, self.image_size, self.image_size)
        return self.main(torch.cat([x, plane], 1))


class ProjectionDiscriminator(nn.Module):
    r"""A projection discriminator (Miyato & Koyama, 2018) for multi-label conditions: (image,
    condition) -> one score per image (N,). On the DCGAN D's body, with spectral normalisation on
    every layer and no other normalisation:

    $$D(x, y) = \psi(\phi(x)) + \sum_{k:\,y_k = 1} \langle e_k, \phi(x) \rangle$$

    $\phi(x)$ is the body's last feature map summed over positions, $\psi$ a linear layer and $e_k$
    a learned embedding of label $k$ (column $k$ of ``embed``, so the sum is ``embed(y)``). The
    condition is checked against the image's features by an inner product, where report 002's D
    has to learn what a 4th input channel means.
    """

    conditional = True     # forward(x, condition)

    def __init__(self, ndf: int = 64, nc: int = 3, image_size: int = 64, num_classes: int = 24):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        body = DCGANDiscriminator(ndf, nc, image_size, norm="none").main[:-1]    # (ndf*k) x 4 x 4
        self.body = nn.Sequential(*(sn(m) if isinstance(m, nn.Conv2d) else m for m in body))
        channels = [m for m in body if isinstance(m, nn.Conv2d)][-1].out_channels
        self.num_classes = num_classes
        self.psi = sn(nn.Linear(channels, 1))
        self.embed = sn(nn.Linear(num_classes, channels, bias=False))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """phi(x): (N, channels)."""
        return self.body(x).sum((2, 3))

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        return self.psi(h).view(-1) + (self.embed(condition.float()) * h).sum(1)


class AuxiliaryDiscriminator(nn.Module):
    """An AC-GAN discriminator: image -> [adversarial output, one logit per label] (N, 1 + num_classes).
    The DCGAN D's body with two heads of the same shape, the adversarial one and a multi-label
    classifier (see ``losses.AuxiliaryClassifierLoss``); the condition is not an input."""

    def __init__(self, ndf: int = 64, nc: int = 3, image_size: int = 64, num_classes: int = 24, norm: str = "batch"):
        super().__init__()
        main = DCGANDiscriminator(ndf, nc, image_size, norm).main
        self.body, self.adversarial = main[:-1], main[-1]                     # (ndf*k) x 4 x 4 -> 1 x 1 x 1
        last = self.adversarial
        self.classifier = nn.Conv2d(last.in_channels, num_classes, last.kernel_size, last.stride, last.padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        return torch.cat([self.adversarial(h).flatten(1), self.classifier(h).flatten(1)], 1)
