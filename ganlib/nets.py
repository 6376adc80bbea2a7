"""Networks of the labs, built by small factories from names.

* ``DCGANGenerator`` / ``DCGANDiscriminator``: the PyTorch DCGAN tutorial networks at
  28, 32 or 64 px. The discriminator returns logits; the losses apply the sigmoid.
* ``MLPGenerator`` / ``MLPDiscriminator``: the fully connected GAN of report 004.
* ``SmallGenerator`` / ``SmallDiscriminator``: report 003's 32 px networks (no BatchNorm in G).
* ``ConditionalGenerator`` / ``ConditionalDiscriminator``: report 002's conditional DCGAN,
  the condition (a multi-hot vector) projected to S*S values and fed to G with z and to D
  as a 4th image channel. Conditional networks take ``(input, condition)``.
* ``ResnetGenerator`` / ``UnetGenerator`` / ``PatchDiscriminator``: the image-to-image
  networks of CycleGAN (report 004 part 2); generators map an image to an image of the
  same size, the PatchGAN scores overlapping patches.

``define_G(name, ...)`` and ``define_D(name, ...)`` build them by name, with the
tutorial's weight initialisation.
"""
from __future__ import annotations

import math

import torch
from torch import nn

IMAGE_SIZES = (28, 32, 64)


def weights_init(m: nn.Module) -> None:
    """The DCGAN paper's initialisation: conv weights ~ N(0, 0.02), BatchNorm ~ N(1, 0.02)."""
    classname = m.__class__.__name__
    if nn.utils.parametrize.is_parametrized(m):      # spectral norm: the layer keeps PyTorch's own init
        return
    if "Conv" in classname:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in classname and m.weight is not None:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def _up(cin: int, cout: int, k: int, s: int, p: int) -> list[nn.Module]:
    return [nn.ConvTranspose2d(cin, cout, k, s, p, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]


NORMS = {"batch": nn.BatchNorm2d, "instance": lambda c: nn.InstanceNorm2d(c, affine=True), "none": None}


def _down(cin: int, cout: int, k: int, s: int, p: int, norm: str = "batch") -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, s, p, bias=False)]
    if NORMS[norm] is not None:
        layers.append(NORMS[norm](cout))
    return layers + [nn.LeakyReLU(0.2, inplace=True)]


def _check_size(image_size: int) -> None:
    if image_size not in IMAGE_SIZES:
        raise ValueError(f"image_size must be one of {IMAGE_SIZES}, got {image_size}")


class DCGANGenerator(nn.Module):
    """z (nz x 1 x 1) -> image (nc x S x S) in [-1, 1], S in {28, 32, 64}."""

    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3, image_size: int = 64):
        super().__init__()
        _check_size(image_size)
        self.nz, self.image_size = nz, image_size
        if image_size == 64:
            layers = [
                *_up(nz, ngf * 8, 4, 1, 0),       # (ngf*8) x 4 x 4
                *_up(ngf * 8, ngf * 4, 4, 2, 1),  # (ngf*4) x 8 x 8
                *_up(ngf * 4, ngf * 2, 4, 2, 1),  # (ngf*2) x 16 x 16
                *_up(ngf * 2, ngf, 4, 2, 1),      # (ngf) x 32 x 32
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # (nc) x 64 x 64
            ]
        elif image_size == 32:
            layers = [
                *_up(nz, ngf * 4, 4, 1, 0),       # (ngf*4) x 4 x 4
                *_up(ngf * 4, ngf * 2, 4, 2, 1),  # (ngf*2) x 8 x 8
                *_up(ngf * 2, ngf, 4, 2, 1),      # (ngf) x 16 x 16
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # (nc) x 32 x 32
            ]
        else:  # 28: a 3x3 kernel takes 4 -> 7, then two doublings reach MNIST's 28
            layers = [
                *_up(nz, ngf * 4, 4, 1, 0),       # (ngf*4) x 4 x 4
                *_up(ngf * 4, ngf * 2, 3, 2, 1),  # (ngf*2) x 7 x 7
                *_up(ngf * 2, ngf, 4, 2, 1),      # (ngf) x 14 x 14
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
        _check_size(image_size)
        if norm not in NORMS:
            raise ValueError(f"unknown norm {norm!r}; choose from {sorted(NORMS)}")
        if image_size == 64:
            layers = [
                *_down(nc, ndf, 4, 2, 1, norm="none"),   # (ndf) x 32 x 32
                *_down(ndf, ndf * 2, 4, 2, 1, norm),       # (ndf*2) x 16 x 16
                *_down(ndf * 2, ndf * 4, 4, 2, 1, norm),   # (ndf*4) x 8 x 8
                *_down(ndf * 4, ndf * 8, 4, 2, 1, norm),   # (ndf*8) x 4 x 4
                nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),  # 1 x 1 x 1
            ]
        elif image_size == 32:
            layers = [
                *_down(nc, ndf, 4, 2, 1, norm="none"),   # (ndf) x 16 x 16
                *_down(ndf, ndf * 2, 4, 2, 1, norm),       # (ndf*2) x 8 x 8
                *_down(ndf * 2, ndf * 4, 4, 2, 1, norm),   # (ndf*4) x 4 x 4
                nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),  # 1 x 1 x 1
            ]
        else:
            layers = [
                *_down(nc, ndf, 4, 2, 1, norm="none"),   # (ndf) x 14 x 14
                *_down(ndf, ndf * 2, 4, 2, 1, norm),       # (ndf*2) x 7 x 7
                *_down(ndf * 2, ndf * 4, 3, 2, 1, norm),   # (ndf*4) x 4 x 4
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


class SmallGenerator(nn.Module):
    """Report 003's G: z (64) -> Linear -> 64 x 4 x 4 -> three stride-2 transposed convs with
    LeakyReLU(0.2) -> 5x5 conv -> tanh: 3 x 32 x 32. No BatchNorm, so one image at a time
    behaves as in a batch (which latent inversion relies on)."""

    def __init__(self, nz: int = 64, nc: int = 3):
        super().__init__()
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

    def __init__(self, nc: int = 3):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, 32, 4, 2, 2), nn.BatchNorm2d(32), nn.LeakyReLU(0.2),     # 32 x 17 x 17
            nn.Conv2d(32, 64, 4, 2, 2), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),     # 64 x 9 x 9
            nn.Conv2d(64, 128, 4, 2, 2), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),   # 128 x 5 x 5
            nn.Flatten(), nn.Dropout(0.5),                                         # 3200
            nn.Linear(3200, 1),                                                    # 1
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1)


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


class ResnetGenerator(nn.Module):
    """Report 004's CycleGAN generator (Johnson et al.'s transformer net): c7s1-ngf, two
    stride-2 convs, a 3x3 conv and ``n_blocks`` residual blocks at 1/4 size, two stride-2
    transposed convs, c7s1-nc, tanh. Any image side divisible by 4.

    ``padding='zeros'`` is the report's; 'reflect' is the CycleGAN authors' (the 7x7 layers
    and the residual blocks pad by mirroring the image, which avoids dark borders)."""

    def __init__(self, nc: int = 3, ngf: int = 64, n_blocks: int = 9, padding: str = "zeros"):
        super().__init__()
        last = (nn.ConvTranspose2d(ngf, nc, 7, 1, 3) if padding == "zeros"    # the report's (a conv, in effect)
                else nn.Conv2d(ngf, nc, 7, 1, 3, padding_mode=padding))
        self.main = nn.Sequential(
            nn.Conv2d(nc, ngf, 7, 1, 3, padding_mode=padding), nn.InstanceNorm2d(ngf), nn.ReLU(True),  # ngf x S x S
            nn.Conv2d(ngf, 2 * ngf, 3, 2, 1), nn.InstanceNorm2d(2 * ngf), nn.ReLU(True),               # 2ngf x S/2
            nn.Conv2d(2 * ngf, 4 * ngf, 3, 2, 1), nn.InstanceNorm2d(4 * ngf), nn.ReLU(True),           # 4ngf x S/4
            nn.Conv2d(4 * ngf, 4 * ngf, 3, 1, 1, padding_mode=padding),                                # 4ngf x S/4
            *[ResnetBlock(4 * ngf, padding) for _ in range(n_blocks)],                                 # 4ngf x S/4
            nn.ConvTranspose2d(4 * ngf, 2 * ngf, 3, 2, 1, output_padding=1),                           # 2ngf x S/2
            nn.InstanceNorm2d(2 * ngf), nn.ReLU(True),
            nn.ConvTranspose2d(2 * ngf, ngf, 3, 2, 1, output_padding=1),                               # ngf x S x S
            nn.InstanceNorm2d(ngf), nn.ReLU(True),
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
    connections between mirrored levels, so the input's details reach the output directly."""

    def __init__(self, nc: int = 3, ngf: int = 64, num_downs: int = 5):
        super().__init__()
        widths = [min(2 ** k, 8) * ngf for k in range(num_downs)]      # ngf, 2ngf, 4ngf, 8ngf, 8ngf ...
        block = UnetBlock(widths[-1], widths[-1])                       # innermost: 1 x 1 at the bottom
        for k in range(num_downs - 2, 0, -1):
            block = UnetBlock(widths[k - 1] if k < 4 else widths[k], widths[k], block)
        self.main = UnetBlock(nc, ngf, block, outermost=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


class PatchDiscriminator(nn.Module):
    """Report 004's PatchGAN: 4x4 convs ndf, 2ndf, 4ndf (stride 2), 8ndf (stride 1), 1 (stride 1),
    InstanceNorm and LeakyReLU(0.2): a map of scores, one per overlapping patch (70 x 70 px
    at ndf=64), not one per image. ``n_layers`` (the CycleGAN code's ``n_layers_D``) sets how many
    stride-2 convs it has, and so the patch each score sees: 3: 70 px, 2: 34 px, 1: 16 px."""

    def __init__(self, nc: int = 3, ndf: int = 64, n_layers: int = 3):
        super().__init__()
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


PATCH_SIZES = {1: 16, 2: 34, 3: 70}          # stride-2 layers -> the patch one score sees (px)


def patch_layers(image_size: int) -> int:
    """The patch discriminator's layers whose patch is nearest the report's share of the image,
    70 of 256 px: 3 at 256 px, 2 at 128, 1 at 64 and 32. On smaller images the report's 3
    layers see the whole image and give one verdict per image, not one per patch."""
    return min(PATCH_SIZES, key=lambda n: abs(math.log(PATCH_SIZES[n] / image_size / (70 / 256))))


def is_conditional(net: nn.Module) -> bool:
    """Whether a network takes a condition as its second input (the net says so itself)."""
    return getattr(net, "conditional", False)


GENERATORS = {"dcgan": DCGANGenerator, "mlp": MLPGenerator, "cdcgan": ConditionalGenerator, "small": SmallGenerator,
              "resnet": ResnetGenerator, "unet": UnetGenerator}
DISCRIMINATORS = {"dcgan": DCGANDiscriminator, "mlp": MLPDiscriminator, "cdcgan": ConditionalDiscriminator,
                  "projection": ProjectionDiscriminator, "acgan": AuxiliaryDiscriminator,
                  "small": SmallDiscriminator, "patch": PatchDiscriminator}


def define_G(name: str, nz: int = 100, ngf: int = 64, nc: int = 3, image_size: int = 64,
             hidden: int = 4096, num_classes: int = 24, n_blocks: int = 9, padding: str = "zeros") -> nn.Module:
    """Build a generator by name with the tutorial's weight init: from noise 'dcgan', 'mlp',
    'cdcgan' or 'small'; image to image 'resnet' (``n_blocks`` residual blocks) or 'unet'
    (as many levels as halve ``image_size`` down to 1 x 1); ``padding`` ('zeros', 'reflect') for 'resnet'."""
    if name == "resnet":
        if image_size % 4:
            raise ValueError(f"the resnet generator needs an image side divisible by 4, not {image_size}")
        if padding not in ("zeros", "reflect"):
            raise ValueError(f"padding must be 'zeros' or 'reflect', not {padding!r}")
        net = ResnetGenerator(nc=nc, ngf=ngf, n_blocks=n_blocks, padding=padding)
    elif name == "unet":
        num_downs = image_size.bit_length() - 1
        if image_size != 2 ** num_downs or num_downs < 5:
            raise ValueError(f"the unet generator needs a power-of-two image side >= 32, not {image_size}")
        net = UnetGenerator(nc=nc, ngf=ngf, num_downs=num_downs)
    elif name == "dcgan":
        net = DCGANGenerator(nz=nz, ngf=ngf, nc=nc, image_size=image_size)
    elif name == "mlp":
        net = MLPGenerator(nz=nz, hidden=hidden, nc=nc, image_size=image_size)
    elif name == "cdcgan":
        net = ConditionalGenerator(nz=nz, ngf=ngf, nc=nc, image_size=image_size, num_classes=num_classes)
    elif name == "small":          # report 003 keeps PyTorch's default initialisation
        if image_size != 32:
            raise ValueError(f"the 'small' generator makes 32 x 32 images, not {image_size}")
        return SmallGenerator(nz=nz, nc=nc)
    else:
        raise ValueError(f"unknown generator {name!r}; choose from {sorted(GENERATORS)}")
    net.apply(weights_init)
    return net


def define_D(name: str, ndf: int = 64, nc: int = 3, image_size: int = 64, norm: str = "batch",
             num_classes: int = 24, n_layers: int | None = 3, dropout: float = 0.3) -> nn.Module:
    """Build a discriminator by name ('dcgan', 'mlp', 'cdcgan', 'projection', 'acgan', 'small', or the
    PatchGAN 'patch') with the tutorial's weight init; ``norm`` ('batch', 'instance', 'none') applies to
    the DCGAN ones (the projection D has spectral normalisation instead). ``n_layers``: the PatchGAN's
    stride-2 layers (None: ``patch_layers(image_size)``); ``dropout``: the MLP D's rate."""
    if name == "patch":
        if image_size < 32:
            raise ValueError(f"the patch discriminator reads images of 32 px or more, not {image_size}")
        net = PatchDiscriminator(nc=nc, ndf=ndf, n_layers=n_layers or patch_layers(image_size))
    elif name == "dcgan":
        net = DCGANDiscriminator(ndf=ndf, nc=nc, image_size=image_size, norm=norm)
    elif name == "mlp":
        net = MLPDiscriminator(nc=nc, image_size=image_size, dropout=dropout)
    elif name == "cdcgan":
        net = ConditionalDiscriminator(ndf=ndf, nc=nc, image_size=image_size, num_classes=num_classes,
                                       norm=norm)
    elif name == "projection":
        net = ProjectionDiscriminator(ndf=ndf, nc=nc, image_size=image_size, num_classes=num_classes)
    elif name == "acgan":
        net = AuxiliaryDiscriminator(ndf=ndf, nc=nc, image_size=image_size, num_classes=num_classes, norm=norm)
    elif name == "small":
        if image_size != 32:
            raise ValueError(f"the 'small' discriminator reads 32 x 32 images, not {image_size}")
        return SmallDiscriminator(nc=nc)
    else:
        raise ValueError(f"unknown discriminator {name!r}; choose from {sorted(DISCRIMINATORS)}")
    net.apply(weights_init)
    return net
