"""The digit judge: a small CNN the project trains on the embedded MNIST digits.

Its penultimate layer (128 features) is the feature space of the labs' Frechet distance; its
softmax gives judge confidence and class coverage. ``python -m ganlib judge train mnist`` trains
it on 9,000 of the embedded digits and checks it on the other 1,000 (the held-out split that
also gives the Frechet floor); weights are cached in ``data/judges/mnist_judge.pt``.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .. import metrics
from ..data import ImageData, load_mnist10k, split
from ..inference import batched
from ..settings import seed_everything
from .fit import JUDGE_DIR, fit_judge, load_weights, save_judge

MNIST_JUDGE_PATH = JUDGE_DIR / "mnist_judge.pt"
MNIST_HOLDOUT = 1000      # embedded digits the judge never sees
SPLIT_SEED = 0


class DigitJudge(nn.Module):
    """1 x 28 x 28 digit in [-1, 1] -> 10 logits; ``features`` gives the 128-d embedding."""

    num_features = 128    # read by torchmetrics' FID
    input_size = 28

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


def predict(judge: nn.Module, images_uint8: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """Softmax probabilities (N, 10) for uint8 digit images (N, 1, 28, 28)."""
    judge.eval()
    return batched(lambda x: F.softmax(judge(x), dim=1), images_uint8, batch_size)


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
    acc = fit_judge(judge, train.images, train.labels, opt, num_epochs=num_epochs, batch_size=batch_size,
                    seed=seed, augment=_shift, criterion=F.cross_entropy, epoch_scheduler=sched,
                    evaluate=lambda: accuracy(judge, heldout), verbose=verbose)
    save_judge(judge, acc, num_epochs, seed, path, verbose)
    return judge, acc

def load_mnist_judge(path: Path = MNIST_JUDGE_PATH) -> DigitJudge:
    """The cached digit judge (in eval mode)."""
    return load_weights(DigitJudge(), path, "python -m ganlib judge train mnist")


def evaluate_digits(judge: nn.Module, samples: torch.Tensor, reference: torch.Tensor) -> dict:
    """The judge's scores of uint8 generated digits against uint8 reference digits: FD,
    confidence, coverage (``ganlib.metrics``). Images of another size are resized to 28 x 28 first."""
    from torchvision.transforms.v2 import functional as TF

    if samples.shape[-1] != 28:
        samples = TF.resize(samples, [28, 28], antialias=True)
    probs = predict(judge, samples)
    return {"frechet_distance": metrics.frechet_distance(judge, reference, samples),
            "judge_confidence": metrics.judge_confidence(probs),
            "class_coverage": metrics.class_coverage(probs)}
