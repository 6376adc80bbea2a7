"""Report 002's conditional GAN configurations, two better-conditioned variants, and their evaluation.

A report configuration is ``type1`` (the condition goes into G and D) or ``type2`` (into G only),
with the ``vanilla`` loss (BatchNorm D, several G steps per D step) or ``wgan-gp``
(InstanceNorm critic without sigmoid, n_critic critic steps per G step, lambda 10).

The variants keep report 002's G and change how D checks the condition:

* ``type1_projection``: a projection discriminator (``conditional_nets.ProjectionDiscriminator``)
  with spectral normalisation and the hinge loss, one D step per G step;
* ``type1_acgan``: D with an auxiliary multi-label classifier head
  (``conditional_nets.AuxiliaryDiscriminator``, ``losses.AuxiliaryClassifierLoss``) on top of the
  report's WGAN-GP critic and schedule;
* ``type1_vanilla_acgan``: the same head on the report's vanilla D, loss and schedule (4 G steps per
  D step): the nearest vanilla recipe that learns the condition on a CPU budget, where the
  report's 4th-channel vanilla D lets G collapse to one scene.
"""
from __future__ import annotations

import math

import torch

from . import losses, nets
from .labs import CGAN_VARIANTS as VARIANTS
from .published import REPORT_002_TABLE2
from .train import sample

CONFIGS = (*REPORT_002_TABLE2, *VARIANTS)
# variant -> (its D by name, its adversarial loss); both check the condition in D
VARIANT_PARTS = {"type1_projection": ("projection", "hinge"), "type1_acgan": ("acgan", "wgan-gp"),
                 "type1_vanilla_acgan": ("acgan", "vanilla")}


def parse_config(config: str) -> tuple[bool, str]:
    """'type1_wgan-gp' -> (condition D too, loss name); the variants: 'hinge' and 'wgan-gp'."""
    if config not in CONFIGS:
        raise ValueError(f"unknown configuration {config!r}; choose from {CONFIGS}")
    if config in VARIANTS:
        return True, VARIANT_PARTS[config][1]
    kind, loss = config.split("_", 1)
    return kind == "type1", loss


def define_cgan(config: str, nz: int = 100, ngf: int = 64, ndf: int = 64, image_size: int = 64,
                num_classes: int = 24, lambda_gp: float = 10.0, aux_weight: float = 1.0):
    """(netG, netD, loss) of a configuration: report 002's conditional G; D conditional for
    type 1, plain for type 2; BatchNorm in D for vanilla, InstanceNorm for WGAN-GP; the variants'
    projection D with the hinge loss, or auxiliary-classifier D with its loss plus ``aux_weight`` x BCE."""
    cond_d, loss_name = parse_config(config)
    norm = "instance" if loss_name == "wgan-gp" else "batch"
    netG = nets.define_G("cdcgan", nz=nz, ngf=ngf, nc=3, image_size=image_size, num_classes=num_classes)
    d_name = VARIANT_PARTS[config][0] if config in VARIANTS else "cdcgan" if cond_d else "dcgan"
    netD = nets.define_D(d_name, ndf=ndf, nc=3, image_size=image_size, norm=norm, num_classes=num_classes)
    loss = losses.define_loss(loss_name, **({"lambda_gp": lambda_gp} if loss_name == "wgan-gp" else {}))
    if d_name == "acgan":
        loss = losses.AuxiliaryClassifierLoss(loss, aux_weight)
    return netG, netD, loss


def train_options(config: str, options, wgan_lr: float, wgan_betas: tuple, n_critic: int, g_steps: int,
                  variant_lr_scale: float = 1.0, variant_ema: float = 0.0):
    """Report 002's optimisation for a configuration: WGAN-GP (``type1_acgan`` too) trains
    ``n_critic`` critic steps per G step with its own Adam settings; vanilla (``type1_vanilla_acgan``
    too) ``g_steps`` G steps per D step with ``options``' own. The projection variant: one D and one G step, Adam
    with beta1 = 0 as spectrally normalised hinge GANs are trained (Miyato & Koyama, 2018).

    The variants train at ``variant_lr_scale`` times their loss's learning rate (both losses alike, so
    the two auxiliary-classifier configurations still differ only in the loss) and are sampled from a
    moving average of G's weights with decay ``variant_ema`` per iteration (0: the trained G); the
    report's configurations keep its rates and are sampled from the trained G, as in the report."""
    loss = parse_config(config)[1]
    scale, ema = (variant_lr_scale, variant_ema) if config in VARIANTS else (1.0, 0.0)
    options = options.but(ema=ema)
    if loss == "wgan-gp":
        return options.but(lr=wgan_lr * scale, betas=tuple(wgan_betas), d_steps=n_critic, g_steps=1)
    if loss == "hinge":
        return options.but(lr=options.lr * scale, betas=(0.0, 0.999), d_steps=1, g_steps=1)
    return options.but(lr=options.lr * scale, d_steps=1, g_steps=g_steps)


def evaluate_conditions(netG, evaluator, conditions: torch.Tensor, nz: int, seeds: list[int]) -> dict:
    """The evaluator's accuracy on images generated for ``conditions``, once per noise seed:
    {'mean', 'std', 'per_seed', 'images' (those of the first seed)}."""
    accs, first = [], None
    for seed in seeds:
        images = sample(netG, len(conditions), nz, seed=seed, condition=conditions)
        accs.append(evaluator.accuracy(images, conditions))
        first = images if first is None else first
    mean = sum(accs) / len(accs)
    std = math.sqrt(sum((a - mean) ** 2 for a in accs) / (len(accs) - 1)) if len(accs) > 1 else 0.0
    return {"mean": mean, "std": std, "per_seed": accs, "images": first}


def accuracy_curve(run, evaluator, conditions: torch.Tensor, g_steps: int) -> tuple[list[int], list[float]]:
    """The evaluator's accuracy on each fixed-noise snapshot of ``run`` (drawn for ``conditions``),
    against G updates so far (``g_steps`` per iteration): how fast a configuration learns the condition."""
    its = sorted(run.snapshots)
    return [it * g_steps for it in its], [evaluator.accuracy(run.snapshots[it], conditions) for it in its]

