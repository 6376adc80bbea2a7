"""Networks of the labs, built by small factories from names.

* ``DCGANGenerator`` / ``DCGANDiscriminator``: the PyTorch DCGAN tutorial networks at
  28, 32 or 64 px. The discriminator returns logits; the losses apply the sigmoid.
* ``MLPGenerator`` / ``MLPDiscriminator``: the fully connected GAN of report 004.
* ``SmallGenerator`` / ``SmallDiscriminator``: report 003's 32 px networks (no BatchNorm in G).
* ``ConditionalGenerator`` / ``ConditionalDiscriminator``: report 002's conditional DCGAN,
  the condition (a multi-hot vector) projected to S*S values and fed to G with z and to D
  as a 4th image channel. Conditional networks take ``(input, condition)``.

``define_G(name, ...)`` and ``define_D(name, ...)`` build them by name, with the
tutorial's weight initialisation.
"""
from __future__ import annotations

import torch
from torch import nn

IMAGE_SIZES = (28, 32, 64)


def weights_init(m: nn.Module) -> None:
    """The DCGAN paper's initialisation: conv weights ~ N(0, 0.02), BatchNorm ~ N(1, 0.02)."""
    classname = m.__class__.__name__
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

    def __init__(self, ndf: int = 64, nc: int = 3, image_size: int = 64, num_classes: int = 24,
                 norm: str = "batch"):
        super().__init__()
        self.num_classes, self.image_size = num_classes, image_size
        self.embed = nn.Sequential(nn.Linear(num_classes, image_size * image_size), nn.LeakyReLU())  # S*S
        self.main = DCGANDiscriminator(ndf, nc + 1, image_size, norm)      # (nc+1) x S x S -> (N,)

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        plane = self.embed(condition).view(x.size(0), 1, self.image_size, self.image_size)
        return self.main(torch.cat([x, plane], 1))


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


def is_conditional(net: nn.Module) -> bool:
    """Whether a network takes a condition as its second input."""
    return isinstance(net, (ConditionalGenerator, ConditionalDiscriminator))


GENERATORS = {"dcgan": DCGANGenerator, "mlp": MLPGenerator, "cdcgan": ConditionalGenerator, "small": SmallGenerator}
DISCRIMINATORS = {"dcgan": DCGANDiscriminator, "mlp": MLPDiscriminator, "cdcgan": ConditionalDiscriminator,
                  "small": SmallDiscriminator}


def define_G(name: str, nz: int = 100, ngf: int = 64, nc: int = 3, image_size: int = 64,
             hidden: int = 4096, num_classes: int = 24) -> nn.Module:
    """Build a generator by name ('dcgan', 'mlp', 'cdcgan' or 'small') with the tutorial's weight init."""
    if name == "dcgan":
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
             num_classes: int = 24) -> nn.Module:
    """Build a discriminator by name ('dcgan', 'mlp', 'cdcgan' or 'small') with the tutorial's weight init;
    ``norm`` ('batch', 'instance', 'none') applies to the convolutional ones."""
    if name == "dcgan":
        net = DCGANDiscriminator(ndf=ndf, nc=nc, image_size=image_size, norm=norm)
    elif name == "mlp":
        net = MLPDiscriminator(nc=nc, image_size=image_size)
    elif name == "cdcgan":
        net = ConditionalDiscriminator(ndf=ndf, nc=nc, image_size=image_size, num_classes=num_classes,
                                       norm=norm)
    elif name == "small":
        if image_size != 32:
            raise ValueError(f"the 'small' discriminator reads 32 x 32 images, not {image_size}")
        return SmallDiscriminator(nc=nc)
    else:
        raise ValueError(f"unknown discriminator {name!r}; choose from {sorted(DISCRIMINATORS)}")
    net.apply(weights_init)
    return net
