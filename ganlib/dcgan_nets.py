"""The nets that make images from noise and score them, one logit per image:

* ``DCGANGenerator`` / ``DCGANDiscriminator``: the PyTorch DCGAN tutorial networks at
  28, 32 or 64 px (reports 000 and 001). The discriminator returns logits; the losses apply the sigmoid.
* ``MLPGenerator`` / ``MLPDiscriminator``: the fully connected GAN of report 004 (part 1).
* ``SmallGenerator`` / ``SmallDiscriminator``: report 003's 32 px networks (no BatchNorm in G).
"""
from __future__ import annotations

import torch
from torch import nn

from .layers import NORMS, check_size, down, up


class DCGANGenerator(nn.Module):
    """z (nz x 1 x 1) -> image (nc x S x S) in [-1, 1], S in {28, 32, 64}."""

    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3, image_size: int = 64):
        super().__init__()
        check_size(image_size)
        self.nz, self.image_size = nz, image_size
        if image_size == 64:
            layers = [
                *up(nz, ngf * 8, 4, 1, 0),       # (ngf*8) x 4 x 4
                *up(ngf * 8, ngf * 4, 4, 2, 1),  # (ngf*4) x 8 x 8
                *up(ngf * 4, ngf * 2, 4, 2, 1),  # (ngf*2) x 16 x 16
                *up(ngf * 2, ngf, 4, 2, 1),      # (ngf) x 32 x 32
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # (nc) x 64 x 64
            ]
        elif image_size == 32:
            layers = [
                *up(nz, ngf * 4, 4, 1, 0),       # (ngf*4) x 4 x 4
                *up(ngf * 4, ngf * 2, 4, 2, 1),  # (ngf*2) x 8 x 8
                *up(ngf * 2, ngf, 4, 2, 1),      # (ngf) x 16 x 16
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # (nc) x 32 x 32
            ]
        else:  # 28: a 3x3 kernel takes 4 -> 7, then two doublings reach MNIST's 28
            layers = [
                *up(nz, ngf * 4, 4, 1, 0),       # (ngf*4) x 4 x 4
                *up(ngf * 4, ngf * 2, 3, 2, 1),  # (ngf*2) x 7 x 7
                *up(ngf * 2, ngf, 4, 2, 1),      # (ngf) x 14 x 14
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # (nc) x 28 x 28
            ]
        self.main = nn.Sequential(*layers, nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.view(z.size(0), self.nz, 1, 1))


class DCGANDiscriminator(nn.Module):
    """image (nc x S x S) -> one logit per image (N,). No normalisation on the first layer, as in
    the paper; ``norm='instance'`` (or 'none') for WGAN-GP critics, whose penalty is per sample."""

    def __init__(self, ndf: int = 64, nc: int = 3, image_size: int = 64, norm: str = "batch"):
        super().__init__()
        check_size(image_size)
        if norm not in NORMS:
            raise ValueError(f"unknown norm {norm!r}; choose from {sorted(NORMS)}")
        if image_size == 64:
            layers = [
                *down(nc, ndf, 4, 2, 1, norm="none"),   # (ndf) x 32 x 32
                *down(ndf, ndf * 2, 4, 2, 1, norm),       # (ndf*2) x 16 x 16
                *down(ndf * 2, ndf * 4, 4, 2, 1, norm),   # (ndf*4) x 8 x 8
                *down(ndf * 4, ndf * 8, 4, 2, 1, norm),   # (ndf*8) x 4 x 4
                nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),  # 1 x 1 x 1
            ]
        elif image_size == 32:
            layers = [
                *down(nc, ndf, 4, 2, 1, norm="none"),   # (ndf) x 16 x 16
                *down(ndf, ndf * 2, 4, 2, 1, norm),       # (ndf*2) x 8 x 8
                *down(ndf * 2, ndf * 4, 4, 2, 1, norm),   # (ndf*4) x 4 x 4
                nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),  # 1 x 1 x 1
            ]
        else:
            layers = [
                *down(nc, ndf, 4, 2, 1, norm="none"),   # (ndf) x 14 x 14
                *down(ndf, ndf * 2, 4, 2, 1, norm),       # (ndf*2) x 7 x 7
                *down(ndf * 2, ndf * 4, 3, 2, 1, norm),   # (ndf*4) x 4 x 4
                nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),  # 1 x 1 x 1
            ]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1)


class MLPGenerator(nn.Module):
    """Report 004's fully connected G: z -> 4 x [Linear(hidden), LeakyReLU, BatchNorm] -> Linear -> tanh."""

    def __init__(self, nz: int = 100, hidden: int = 4096, nc: int = 1, image_size: int = 28, depth: int = 4):
        super().__init__()
        self.nz, self.shape = nz, (nc, image_size, image_size)
        layers: list[nn.Module] = []
        width = nz
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2, inplace=True), nn.BatchNorm1d(hidden)]
            width = hidden                                    # hidden
        layers += [nn.Linear(width, nc * image_size * image_size), nn.Tanh()]  # nc*S*S
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.view(z.size(0), self.nz)).view(z.size(0), *self.shape)


class MLPDiscriminator(nn.Module):
    """Report 004's fully connected D: 1024-512-256, each Linear -> Dropout -> LeakyReLU; one logit out."""

    def __init__(self, nc: int = 1, image_size: int = 28, widths: tuple[int, ...] = (1024, 512, 256),
                 dropout: float = 0.3):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]              # nc*S*S
        width = nc * image_size * image_size
        for w in widths:
            layers += [nn.Linear(width, w), nn.Dropout(dropout), nn.LeakyReLU(0.2, inplace=True)]
            width = w                                         # w
        layers.append(nn.Linear(width, 1))                    # 1
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1)


class SmallGenerator(nn.Module):
    """Report 003's G: z (64) -> Linear -> 64 x 4 x 4 -> three stride-2 transposed convs with
    LeakyReLU(0.2) -> 5x5 conv -> tanh: 3 x 32 x 32. No BatchNorm, so one image at a time
    behaves as in a batch (which latent inversion relies on)."""

    tutorial_init = False  # report 003 keeps PyTorch's default initialisation

    def __init__(self, nz: int = 64, nc: int = 3, image_size: int = 32):
        super().__init__()
        if image_size != 32:
            raise ValueError(f"the 'small' generator makes 32 x 32 images, not {image_size}")
        self.nz = nz
        self.linear = nn.Linear(nz, 64 * 4 * 4)                             # 64 x 4 x 4 after view
        self.main = nn.Sequential(
            nn.ConvTranspose2d(64, 64, 4, 2, 1), nn.LeakyReLU(0.2),         # 64 x 8 x 8
            nn.ConvTranspose2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2),        # 128 x 16 x 16
            nn.ConvTranspose2d(128, 256, 4, 2, 1), nn.LeakyReLU(0.2),       # 256 x 32 x 32
            nn.Conv2d(256, nc, 5, 1, 2), nn.Tanh(),                          # nc x 32 x 32
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(self.linear(z.view(z.size(0), self.nz)).view(-1, 64, 4, 4))


class SmallDiscriminator(nn.Module):
    """Report 003's D: three 4x4 stride-2 convs (padding 2) + BatchNorm + LeakyReLU(0.2),
    dropout 0.5, linear: one logit per image (the report applied the sigmoid here; the losses
    apply it). Unlike the report's ``F.dropout``, dropout is off in eval mode."""

    tutorial_init = False  # report 003 keeps PyTorch's default initialisation

    def __init__(self, nc: int = 3, image_size: int = 32):
        super().__init__()
        if image_size != 32:
            raise ValueError(f"the 'small' discriminator reads 32 x 32 images, not {image_size}")
        self.main = nn.Sequential(
            nn.Conv2d(nc, 32, 4, 2, 2), nn.BatchNorm2d(32), nn.LeakyReLU(0.2),     # 32 x 17 x 17
            nn.Conv2d(32, 64, 4, 2, 2), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),     # 64 x 9 x 9
            nn.Conv2d(64, 128, 4, 2, 2), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),   # 128 x 5 x 5
            nn.Flatten(), nn.Dropout(0.5),                                         # 3200
            nn.Linear(3200, 1),                                                    # 1
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1)
