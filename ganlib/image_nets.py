"""The image-to-image nets of CycleGAN (report 004 part 2): the generators map an image to an
image of the same size, the PatchGAN scores overlapping patches.

* ``ResnetGenerator``, built of ``ResnetBlock``: report 004's generator.
* ``UnetGenerator``, built of nested ``UnetBlock``: pix2pix's, with skip connections.
* ``PatchDiscriminator``: one score per patch; ``patch_layers`` picks its depth for an image size.
"""
from __future__ import annotations

import math

import torch
from torch import nn


class ResnetBlock(nn.Module):
    """x + (conv3 - InstanceNorm - ReLU - conv3 - InstanceNorm)(x): same shape in and out."""

    def __init__(self, channels: int, padding: str = "zeros"):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, padding_mode=padding), nn.InstanceNorm2d(channels), nn.ReLU(True),
            nn.Conv2d(channels, channels, 3, 1, 1, padding_mode=padding), nn.InstanceNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


def resnet_downsamplings(image_size: int) -> int:
    """The ResNet generator's stride-2 convs: the report's 2 from 64 px; 1 below, where 2 would leave
    the residual blocks cells of 4 x 4 px on a 32 px image, wider than the stripes they must place
    (a stripe of the rendered scenes is 2-3 px wide at 32 px)."""
    return 1 if image_size < 64 else 2


class ResnetGenerator(nn.Module):
    """Report 004's CycleGAN generator (Johnson et al.'s transformer net): c7s1-ngf, ``n_down``
    stride-2 convs (two in the report; None: ``resnet_downsamplings(image_size)``), a 3x3 conv and
    ``n_blocks`` residual blocks at 1/2^n_down size, as many stride-2 transposed convs, c7s1-nc,
    tanh. Any image side divisible by 2^n_down.

    ``padding='zeros'`` is the report's; 'reflect' is the CycleGAN authors' (the 7x7 layers
    and the residual blocks pad by mirroring the image, which avoids dark borders). ``image_size``
    picks ``n_down`` when None and is checked: the net itself reads any size."""

    def __init__(self, nc: int = 3, ngf: int = 64, n_blocks: int = 9, padding: str = "zeros",
                 image_size: int = 256, n_down: int | None = 2):
        super().__init__()
        if n_down is None:
            n_down = resnet_downsamplings(image_size)
        if not 1 <= n_down <= 3:
            raise ValueError(f"the resnet generator has 1 to 3 stride-2 convs, not {n_down}")
        if image_size % 2 ** n_down:
            raise ValueError(f"the resnet generator needs an image side divisible by {2 ** n_down}, not {image_size}")
        if padding not in ("zeros", "reflect"):
            raise ValueError(f"padding must be 'zeros' or 'reflect', not {padding!r}")
        last = (nn.ConvTranspose2d(ngf, nc, 7, 1, 3) if padding == "zeros"    # the report's (a conv, in effect)
                else nn.Conv2d(ngf, nc, 7, 1, 3, padding_mode=padding))
        widths = [ngf * 2 ** k for k in range(n_down + 1)]                    # ngf, 2ngf, 4ngf: the report's
        down = [layer for k in range(n_down) for layer in                     # 2^(k+1) ngf x S / 2^(k+1)
                (nn.Conv2d(widths[k], widths[k + 1], 3, 2, 1), nn.InstanceNorm2d(widths[k + 1]), nn.ReLU(True))]
        up = [layer for k in reversed(range(n_down)) for layer in             # 2^k ngf x S / 2^k
              (nn.ConvTranspose2d(widths[k + 1], widths[k], 3, 2, 1, output_padding=1),
               nn.InstanceNorm2d(widths[k]), nn.ReLU(True))]
        self.main = nn.Sequential(
            nn.Conv2d(nc, ngf, 7, 1, 3, padding_mode=padding), nn.InstanceNorm2d(ngf), nn.ReLU(True),  # ngf x S x S
            *down,
            nn.Conv2d(widths[-1], widths[-1], 3, 1, 1, padding_mode=padding),                          # at S / 2^n_down
            *[ResnetBlock(widths[-1], padding) for _ in range(n_blocks)],
            *up,                                                                                       # ngf x S x S
            last, nn.Tanh(),                                                                           # nc x S x S
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


class UnetBlock(nn.Module):
    """One level of the U-Net: down (conv4 s2), the inner levels, up (transposed conv4 s2),
    and the skip connection that concatenates this level's input to its output."""

    def __init__(self, outer: int, inner: int, sub: nn.Module | None = None, outermost: bool = False):
        super().__init__()
        self.outermost = outermost
        down = [nn.Conv2d(outer, inner, 4, 2, 1)]
        if not outermost:                      # the image itself gets no activation
            down.insert(0, nn.LeakyReLU(0.2, True))
        if sub is not None and not outermost:  # the innermost level has no norm at its 1 x 1 bottom
            down.append(nn.InstanceNorm2d(inner))
        up = [nn.ReLU(True), nn.ConvTranspose2d(inner if sub is None else 2 * inner, outer, 4, 2, 1),
              nn.Tanh() if outermost else nn.InstanceNorm2d(outer)]
        self.model = nn.Sequential(*down, *([sub] if sub is not None else []), *up)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    """The U-Net of pix2pix/CycleGAN: ``num_downs`` stride-2 levels (down to 1 x 1 when
    2**num_downs is the image side), features ngf, 2ngf, 4ngf, then 8ngf, and skip
    connections between mirrored levels, so the input's details reach the output directly.
    Without ``num_downs``, as many levels as halve ``image_size`` down to 1 x 1."""

    def __init__(self, nc: int = 3, ngf: int = 64, num_downs: int | None = None, image_size: int = 32):
        super().__init__()
        if num_downs is None:
            num_downs = image_size.bit_length() - 1
            if image_size != 2 ** num_downs or num_downs < 5:
                raise ValueError(f"the unet generator needs a power-of-two image side >= 32, not {image_size}")
        widths = [min(2 ** k, 8) * ngf for k in range(num_downs)]      # ngf, 2ngf, 4ngf, 8ngf, 8ngf ...
        block = UnetBlock(widths[-1], widths[-1])                       # innermost: 1 x 1 at the bottom
        for k in range(num_downs - 2, 0, -1):
            block = UnetBlock(widths[k - 1] if k < 4 else widths[k], widths[k], block)
        self.main = UnetBlock(nc, ngf, block, outermost=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


PATCH_SIZES = {1: 16, 2: 34, 3: 70}          # stride-2 layers -> the patch one score sees (px)


def patch_layers(image_size: int) -> int:
    """The patch discriminator's layers whose patch is nearest the report's share of the image,
    70 of 256 px: 3 at 256 px, 2 at 128, 1 at 64 and 32. On smaller images the report's 3
    layers see the whole image and give one verdict per image, not one per patch."""
    return min(PATCH_SIZES, key=lambda n: abs(math.log(PATCH_SIZES[n] / image_size / (70 / 256))))


class PatchDiscriminator(nn.Module):
    """Report 004's PatchGAN: 4x4 convs ndf, 2ndf, 4ndf (stride 2), 8ndf (stride 1), 1 (stride 1),
    InstanceNorm and LeakyReLU(0.2): a map of scores, one per overlapping patch (70 x 70 px
    at ndf=64), not one per image. ``n_layers`` (the CycleGAN code's ``n_layers_D``) sets how many
    stride-2 convs it has, and so the patch each score sees: 3: 70 px, 2: 34 px, 1: 16 px;
    None: ``patch_layers(image_size)``."""

    def __init__(self, nc: int = 3, ndf: int = 64, n_layers: int | None = 3, image_size: int = 256):
        super().__init__()
        if image_size < 32:
            raise ValueError(f"the patch discriminator reads images of 32 px or more, not {image_size}")
        if n_layers is None:
            n_layers = patch_layers(image_size)
        if not 1 <= n_layers <= 3:
            raise ValueError(f"the patch discriminator has 1 to 3 stride-2 layers, not {n_layers}")
        width = [ndf * 2 ** k for k in range(n_layers + 1)]                    # ndf, 2ndf, ... 2^n ndf
        layers, channels = [], nc
        for k in range(n_layers):                                              # S -> S / 2^n_layers
            layers += [nn.Conv2d(channels, width[k], 4, 2, 1), nn.InstanceNorm2d(width[k]), nn.LeakyReLU(0.2, True)]
            channels = width[k]
        layers += [nn.Conv2d(channels, width[n_layers], 4, 1, 1), nn.InstanceNorm2d(width[n_layers]),
                   nn.LeakyReLU(0.2, True),                                    # S / 2^n_layers - 1
                   nn.Conv2d(width[n_layers], 1, 4, 1, 1)]                      # S / 2^n_layers - 2
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)
