"""The registry of the labs' nets: ``define_G(name, ...)`` and ``define_D(name, ...)`` build one
by name, with the DCGAN tutorial's weight initialisation unless the net's class says
``tutorial_init = False``. The nets live by what they are for:

* ``dcgan_nets``: from noise to images and back to one logit per image (DCGAN, MLP, report 003's).
* ``conditional_nets``: report 002's conditional DCGAN, the projection and AC-GAN discriminators.
* ``image_nets``: CycleGAN's image-to-image generators (ResNet, U-Net) and PatchGAN.
"""
from __future__ import annotations

import inspect

from torch import nn

from .conditional_nets import (AuxiliaryDiscriminator, ConditionalDiscriminator, ConditionalGenerator,
                               ProjectionDiscriminator)
from .dcgan_nets import (DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator, SmallDiscriminator,
                         SmallGenerator)
from .image_nets import PatchDiscriminator, ResnetGenerator, UnetGenerator
from .layers import weights_init

GENERATORS = {"dcgan": DCGANGenerator, "mlp": MLPGenerator, "cdcgan": ConditionalGenerator, "small": SmallGenerator,
              "resnet": ResnetGenerator, "unet": UnetGenerator}
DISCRIMINATORS = {"dcgan": DCGANDiscriminator, "mlp": MLPDiscriminator, "cdcgan": ConditionalDiscriminator,
                  "projection": ProjectionDiscriminator, "acgan": AuxiliaryDiscriminator,
                  "small": SmallDiscriminator, "patch": PatchDiscriminator}


def is_conditional(net: nn.Module) -> bool:
    """Whether a network takes a condition as its second input (the net says so itself)."""
    return getattr(net, "conditional", False)


def _build(registry: dict[str, type[nn.Module]], kind: str, name: str, options: dict) -> nn.Module:
    """The net ``name`` of ``registry``, given those of ``options`` its constructor names: one
    set of options serves every net, each taking what it uses."""
    if name not in registry:
        raise ValueError(f"unknown {kind} {name!r}; choose from {sorted(registry)}")
    cls = registry[name]
    wanted = inspect.signature(cls).parameters
    net = cls(**{key: value for key, value in options.items() if key in wanted})
    if getattr(cls, "tutorial_init", True):
        net.apply(weights_init)
    return net


def define_G(name: str, nz: int = 100, ngf: int = 64, nc: int = 3, image_size: int = 64,
             hidden: int = 4096, num_classes: int = 24, n_blocks: int = 9, padding: str = "zeros",
             n_down: int | None = 2) -> nn.Module:
    """Build a generator by name: from noise 'dcgan', 'mlp', 'cdcgan' or 'small'; image to image
    'resnet' (``n_blocks`` residual blocks after ``n_down`` stride-2 convs, None: by ``image_size``)
    or 'unet' (as many levels as halve ``image_size`` down to 1 x 1); ``padding`` ('zeros',
    'reflect') for 'resnet'."""
    options = dict(nz=nz, ngf=ngf, nc=nc, image_size=image_size, hidden=hidden, num_classes=num_classes,
                   n_blocks=n_blocks, padding=padding, n_down=n_down)
    return _build(GENERATORS, "generator", name, options)


def define_D(name: str, ndf: int = 64, nc: int = 3, image_size: int = 64, norm: str = "batch",
             num_classes: int = 24, n_layers: int | None = 3, dropout: float = 0.3) -> nn.Module:
    """Build a discriminator by name ('dcgan', 'mlp', 'cdcgan', 'projection', 'acgan', 'small', or the
    PatchGAN 'patch'); ``norm`` ('batch', 'instance', 'none') applies to the DCGAN ones (the
    projection D has spectral normalisation instead). ``n_layers``: the PatchGAN's stride-2 layers
    (None: ``patch_layers(image_size)``); ``dropout``: the MLP D's rate."""
    options = dict(ndf=ndf, nc=nc, image_size=image_size, norm=norm, num_classes=num_classes, n_layers=n_layers,
                   dropout=dropout)
    return _build(DISCRIMINATORS, "discriminator", name, options)
