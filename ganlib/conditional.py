"""Report 002's conditional GAN configurations and their evaluation.

A configuration is ``type1`` (the condition goes into G and D) or ``type2`` (into G only),
with the ``vanilla`` loss (BatchNorm D, several G steps per D step) or ``wgan-gp``
(InstanceNorm critic without sigmoid, n_critic critic steps per G step, lambda 10).
"""
from __future__ import annotations

import math

import torch

from . import losses, nets
from .train import sample

CONFIGS = ("type1_vanilla", "type1_wgan-gp", "type2_vanilla", "type2_wgan-gp")


def parse_config(config: str) -> tuple[bool, str]:
    """'type1_wgan-gp' -> (condition D too, loss name)."""
    if config not in CONFIGS:
        raise ValueError(f"unknown configuration {config!r}; choose from {CONFIGS}")
    kind, loss = config.split("_", 1)
    return kind == "type1", loss


def define_cgan(config: str, nz: int = 100, ngf: int = 64, ndf: int = 64, image_size: int = 64,
                num_classes: int = 24, lambda_gp: float = 10.0):
    """(netG, netD, loss) of a configuration: report 002's conditional G; D conditional for
    type 1, plain for type 2; BatchNorm in D for vanilla, InstanceNorm for WGAN-GP."""
    cond_d, loss_name = parse_config(config)
    norm = "instance" if loss_name == "wgan-gp" else "batch"
    netG = nets.define_G("cdcgan", nz=nz, ngf=ngf, nc=3, image_size=image_size, num_classes=num_classes)
    netD = nets.define_D("cdcgan" if cond_d else "dcgan", ndf=ndf, nc=3, image_size=image_size,
                         norm=norm, num_classes=num_classes)
    loss = losses.define_loss(loss_name, **({"lambda_gp": lambda_gp} if loss_name == "wgan-gp" else {}))
    return netG, netD, loss


def train_options(config: str, options, wgan_lr: float, wgan_betas: tuple, n_critic: int, g_steps: int):
    """Report 002's optimisation for a configuration: WGAN-GP trains ``n_critic`` critic steps per G step
    with its own Adam settings; vanilla ``g_steps`` G steps per D step with ``options``' own."""
    if parse_config(config)[1] == "wgan-gp":
        return options.but(lr=wgan_lr, betas=tuple(wgan_betas), d_steps=n_critic, g_steps=1)
    return options.but(d_steps=1, g_steps=g_steps)


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
