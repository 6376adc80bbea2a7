"""The building blocks the DCGAN-style nets share: the tutorial's weight initialisation, the
transposed-conv and conv stages (``up``, ``down``), the normalisations a discriminator may use,
and the image sizes the DCGAN nets are drawn for."""
from __future__ import annotations

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


def up(cin: int, cout: int, k: int, s: int, p: int) -> list[nn.Module]:
    """A generator stage: transposed conv, BatchNorm, ReLU."""
    return [nn.ConvTranspose2d(cin, cout, k, s, p, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]


NORMS = {"batch": nn.BatchNorm2d, "instance": lambda c: nn.InstanceNorm2d(c, affine=True), "none": None}


def down(cin: int, cout: int, k: int, s: int, p: int, norm: str = "batch") -> list[nn.Module]:
    """A discriminator stage: conv, the ``norm`` of ``NORMS`` (if any), LeakyReLU(0.2)."""
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, s, p, bias=False)]
    if NORMS[norm] is not None:
        layers.append(NORMS[norm](cout))
    return layers + [nn.LeakyReLU(0.2, inplace=True)]


def check_size(image_size: int) -> None:
    if image_size not in IMAGE_SIZES:
        raise ValueError(f"image_size must be one of {IMAGE_SIZES}, got {image_size}")
