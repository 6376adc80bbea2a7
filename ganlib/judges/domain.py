"""The domain judge of the CycleGAN lab: is an image from domain A (plain, horse) or B (striped,
zebra)? Trained in the notebook on the lab's own training images (seconds to a minute)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..inference import batched
from ..settings import seed_everything
from .fit import fit_judge


class DomainJudge(nn.Module):
    """3 x S x S image in [-1, 1] -> one logit: is it from domain B (striped, zebra) rather
    than A (plain, horse)? Any size S; global average and max pooling read a texture
    wherever it is. ``features`` (128-d) is the feature space of the lab's Frechet distance."""

    num_features = 128

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),       # 32 x S x S
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),           # 64 x S/2
            nn.Conv2d(64, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),           # 64 x S/4
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),      # 64 x S/4
        )
        self.head = nn.Linear(128, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        return torch.cat([h.mean((2, 3)), h.amax((2, 3))], 1)                   # 128

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).view(-1)


def prob_b(judge: nn.Module, images_uint8: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    """The judge's P(domain B) for each uint8 image."""
    judge.eval()
    return batched(lambda x: torch.sigmoid(judge(x)), images_uint8, batch_size)


def domain_rate(judge: nn.Module, images_uint8: torch.Tensor, target: str) -> float:
    """Share of images that the judge puts in domain ``target`` ('A' or 'B')."""
    p = prob_b(judge, images_uint8)
    return ((p >= 0.5) if target == "B" else (p < 0.5)).float().mean().item()


def domain_accuracy(judge: nn.Module, images_a: torch.Tensor, images_b: torch.Tensor) -> float:
    """Share of A images judged A and B images judged B, over both sets."""
    hits = (prob_b(judge, images_a) < 0.5).sum() + (prob_b(judge, images_b) >= 0.5).sum()
    return hits.item() / (len(images_a) + len(images_b))


def _flip(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    flip = torch.rand(x.size(0), generator=gen) < 0.5
    x[flip] = x[flip].flip(3)           # a mirrored horse is still a horse
    return x


def train_domain_judge(train_a: torch.Tensor, train_b: torch.Tensor, heldout_a: torch.Tensor,
                       heldout_b: torch.Tensor, num_epochs: int = 5, batch_size: int = 64, lr: float = 2e-3,
                       seed: int = 0, verbose: bool = True) -> tuple[DomainJudge, float]:
    """Train an A-vs-B judge on uint8 images of both domains; return it and its accuracy on
    the held-out images (the ceiling a translation's domain rate is read against)."""
    seed_everything(seed, None)
    images = torch.cat([train_a, train_b])
    targets = torch.cat([torch.zeros(len(train_a)), torch.ones(len(train_b))])
    judge = DomainJudge()
    opt = torch.optim.Adam(judge.parameters(), lr=lr)
    steps = num_epochs * -(-len(images) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    acc = fit_judge(judge, images, targets, opt, num_epochs=num_epochs, batch_size=batch_size, seed=seed,
                    augment=_flip, criterion=lambda out, t: F.binary_cross_entropy_with_logits(out, t),
                    step_scheduler=sched, verbose=verbose,
                    evaluate=lambda: domain_accuracy(judge, heldout_a, heldout_b))
    return judge.eval(), acc
