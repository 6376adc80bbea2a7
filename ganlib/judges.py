"""Judges: small classifiers the project trains itself to score generated images.

``DigitJudge`` is a small CNN for MNIST digits. Its penultimate layer (128 features)
is the feature space of the labs' Frechet distance; its softmax gives judge
confidence and class coverage (see ``ganlib.metrics``).

Train it with ``python -m ganlib judge train mnist``: it learns on 9,000 of the
embedded digits and is checked on the other 1,000 (the held-out split that also
gives the Frechet floor). Weights are cached in ``data/judges/mnist_judge.pt``.
"""
from __future__ import annotations

import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .data import ImageData, load_mnist10k, split, to_float
from .settings import PROJECT_ROOT, seed_everything

JUDGE_DIR = PROJECT_ROOT / "data" / "judges"
MNIST_JUDGE_PATH = JUDGE_DIR / "mnist_judge.pt"
MNIST_HOLDOUT = 1000      # embedded digits the judge never sees
SPLIT_SEED = 0


class DigitJudge(nn.Module):
    """1 x 28 x 28 digit in [-1, 1] -> 10 logits; ``features`` gives the 128-d embedding."""

    num_features = 128    # read by torchmetrics' FID

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),   # 32 x 28 x 28
            nn.MaxPool2d(2),                                                  # 32 x 14 x 14
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),  # 64 x 14 x 14
            nn.MaxPool2d(2),                                                  # 64 x 7 x 7
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),  # 64 x 7 x 7
            nn.Flatten(),                                                     # 3136
            nn.Dropout(0.3),
            nn.Linear(64 * 7 * 7, 128), nn.ReLU(),                            # 128
        )
        self.head = nn.Linear(128, 10)                                        # 10

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def mnist_judge_splits() -> tuple[ImageData, ImageData]:
    """(9,000 judge-training digits, 1,000 held-out digits) of the embedded MNIST, fixed."""
    return split(load_mnist10k(), MNIST_HOLDOUT, seed=SPLIT_SEED)


def _shift(x: torch.Tensor, gen: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Random translation by up to max_shift pixels: cheap augmentation that helps a 9k-digit judge."""
    dx, dy = torch.randint(-max_shift, max_shift + 1, (2,), generator=gen).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


@torch.no_grad()
def predict(judge: nn.Module, images_uint8: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """Softmax probabilities (N, 10) for uint8 digit images (N, 1, 28, 28)."""
    judge.eval()
    return torch.cat([F.softmax(judge(to_float(images_uint8[k:k + batch_size])), dim=1)
                      for k in range(0, len(images_uint8), batch_size)])


def accuracy(judge: nn.Module, data: ImageData) -> float:
    return (predict(judge, data.images).argmax(1) == data.labels).float().mean().item()


def train_mnist_judge(num_epochs: int = 8, batch_size: int = 128, lr: float = 2e-3, seed: int = 0,
                      path: Path | None = MNIST_JUDGE_PATH, verbose: bool = True) -> tuple[DigitJudge, float]:
    """Train the digit judge on the 9,000-digit split; return it and its held-out accuracy."""
    seed_everything(seed)
    train, heldout = mnist_judge_splits()
    judge = DigitJudge()
    opt = torch.optim.Adam(judge.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=num_epochs)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    for epoch in range(num_epochs):
        judge.train()
        order = torch.randperm(len(train), generator=gen)
        for k in range(0, len(train), batch_size):
            idx = order[k:k + batch_size]
            x = _shift(to_float(train.images[idx]), gen)
            loss = F.cross_entropy(judge(x), train.labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        sched.step()
        acc = accuracy(judge, heldout)
        if verbose:
            print(f"epoch {epoch + 1}/{num_epochs}  loss {loss.item():.4f}  held-out accuracy {acc:.4f}"
                  f"  ({time.perf_counter() - t0:.0f} s)")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"state_dict": judge.state_dict(), "heldout_accuracy": acc,
                    "num_epochs": num_epochs, "seed": seed}, path)
        if verbose:
            print(f"saved {path}")
    return judge, acc


def load_mnist_judge(path: Path = MNIST_JUDGE_PATH) -> DigitJudge:
    """The cached digit judge (in eval mode); a clear error says how to train it when missing."""
    if not Path(path).exists():
        raise FileNotFoundError(f"digit judge weights {path} are missing; train them with "
                                "`python -m ganlib judge train mnist` (about a minute)")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    judge = DigitJudge()
    judge.load_state_dict(ckpt["state_dict"])
    return judge.eval()
