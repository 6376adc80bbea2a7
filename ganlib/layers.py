"""The building blocks the DCGAN-style nets share: the tutorial's weight initialisation, the
transposed-conv and conv stages (``up``, ``down``), the normalisations a discriminator may use,
and the image sizes the DCGAN nets are drawn for."""
from __future__ import annotations

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


class ConvTransposeOf1x1(nn.ConvTranspose2d):
    """A transposed conv with stride 1 and no padding, as a generator's first layer applies it to
    z (N, cin, 1, 1): each output pixel is a weighted sum of the cin inputs, so the whole layer is
    one matrix product (N, cin) @ (cin, k*k*cout). For the 1,124 inputs of the conditional G
    (z and a 32 x 32 condition map) oneDNN's transposed conv took about 3 times as long, forward
    and backward (docs/speed.md). The product sums in another order: equal up to rounding."""

    def forward(self, x: torch.Tensor, output_size=None) -> torch.Tensor:
        plain = ((self.stride, self.padding, self.output_padding, self.dilation, self.groups)
                 == ((1, 1), (0, 0), (0, 0), (1, 1), 1))
        if x.dim() != 4 or x.shape[-2:] != (1, 1) or not plain or output_size is not None:
            return super().forward(x, output_size)
        cin, cout, kh, kw = self.weight.shape
        if self.weight.is_contiguous():
            out = (x.flatten(1) @ self.weight.flatten(1)).view(-1, cout, kh, kw)
        else:   # channels_last: the weight lies in memory as (cin, kh, kw, cout), and so does the output
            w = self.weight.permute(0, 2, 3, 1).reshape(cin, kh * kw * cout)
            out = (x.flatten(1) @ w).view(-1, kh, kw, cout).permute(0, 3, 1, 2)
        return out if self.bias is None else out + self.bias.view(1, -1, 1, 1)


def up(cin: int, cout: int, k: int, s: int, p: int,
       conv: type[nn.ConvTranspose2d] = nn.ConvTranspose2d) -> list[nn.Module]:
    """A generator stage: transposed conv (``conv``), BatchNorm, ReLU."""
    return [conv(cin, cout, k, s, p, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]


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
