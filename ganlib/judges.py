"""Judges: small classifiers the project trains itself to score generated images.

``DigitJudge`` is a small CNN for MNIST digits. Its penultimate layer (128 features)
is the feature space of the labs' Frechet distance; its softmax gives judge
confidence and class coverage (see ``ganlib.metrics``).

Train it with ``python -m ganlib judge train mnist``: it learns on 9,000 of the
embedded digits and is checked on the other 1,000 (the held-out split that also
gives the Frechet floor). Weights are cached in ``data/judges/mnist_judge.pt``.

``SceneJudge`` reads i-CLEVR-like scenes (24 object kinds, multi-label) for the cGAN lab;
``DomainJudge`` tells two image domains apart (plain vs striped scenes, horse vs zebra) for
the CycleGAN lab, trained in the notebook on the lab's own training images (seconds to a
minute), so it needs no cached weights.
"""
from __future__ import annotations

import json
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
    acc = fit_judge(judge, train.images, train.labels, opt, num_epochs=num_epochs, batch_size=batch_size,
                    seed=seed, augment=_shift, criterion=F.cross_entropy, epoch_scheduler=sched,
                    evaluate=lambda: accuracy(judge, heldout), verbose=verbose)
    _save_judge(judge, acc, num_epochs, seed, path, verbose)
    return judge, acc


def fit_judge(judge, images, targets, opt, *, num_epochs, batch_size, seed, augment, criterion, evaluate,
              epoch_scheduler=None, step_scheduler=None, verbose=True) -> float:
    """The judges' training loop: shuffled batches of uint8 images, ``augment(x, generator)``,
    ``criterion(logits, targets)``; prints ``evaluate()`` (held-out accuracy) after each epoch."""
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    for epoch in range(num_epochs):
        judge.train()
        order = torch.randperm(len(images), generator=gen)
        for k in range(0, len(images), batch_size):
            idx = order[k:k + batch_size]
            loss = criterion(judge(augment(to_float(images[idx]), gen)), targets[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step_scheduler is not None:
                step_scheduler.step()
        if epoch_scheduler is not None:
            epoch_scheduler.step()
        acc = evaluate()
        if verbose:
            print(f"epoch {epoch + 1}/{num_epochs}  loss {loss.item():.4f}  held-out accuracy {acc:.4f}"
                  f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
    return acc


def _save_judge(judge, acc: float, num_epochs: int, seed: int, path: Path | None, verbose: bool) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"state_dict": judge.state_dict(), "heldout_accuracy": acc,
                    "num_epochs": num_epochs, "seed": seed}, path)
        if verbose:
            print(f"saved {path}")


def load_mnist_judge(path: Path = MNIST_JUDGE_PATH) -> DigitJudge:
    """The cached digit judge (in eval mode); a clear error says how to train it when missing."""
    if not Path(path).exists():
        raise FileNotFoundError(f"digit judge weights {path} are missing; train them with "
                                "`python -m ganlib judge train mnist` (about a minute)")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    judge = DigitJudge()
    judge.load_state_dict(ckpt["state_dict"])
    return judge.eval()


# --- i-CLEVR -------------------------------------------------------------------------

ICLEVR_JUDGE_PATH = JUDGE_DIR / "iclevr_judge.pt"
ICLEVR_HOLDOUT = 2000        # scenes rendered with another seed, never seen in training
ICLEVR_HOLDOUT_SEED = 1


class SceneJudge(nn.Module):
    """3 x 64 x 64 scene in [-1, 1] -> 24 logits, one per object kind (multi-label).

    It reads the scene at 32 x 32 (the lab's generators work at 32 px and are upsampled,
    and it keeps the judge cheap on a CPU); global max pooling asks "is there a red cube
    anywhere", whatever the object's place.
    """

    num_features = 128
    input_size = 64

    def __init__(self, num_classes: int = 24):
        super().__init__()
        self.body = nn.Sequential(
            nn.AvgPool2d(2),                                                    # 3 x 32 x 32
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),     # 32 x 32 x 32
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),         # 64 x 16 x 16
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),       # 128 x 8 x 8
            nn.Conv2d(128, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), # 128 x 8 x 8
            nn.AdaptiveMaxPool2d(1), nn.Flatten(),                              # 128
        )
        self.head = nn.Linear(128, num_classes)                                 # 24

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def _blur_like_generator(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Half the batch goes down to 32 px and back up to 64: the judge must also read
    generators that train at 32 px and are upsampled for evaluation."""
    pick = torch.rand(x.size(0), generator=gen) < 0.5
    if pick.any():
        small = F.interpolate(x[pick], size=32, mode="bilinear", antialias=True, align_corners=False)
        x = x.clone()
        x[pick] = F.interpolate(small, size=64, mode="bilinear", align_corners=False)
    flip = torch.rand(x.size(0), generator=gen) < 0.5
    x[flip] = x[flip].flip(3)           # a mirrored scene holds the same objects
    return x


def iclevr_judge_holdout() -> tuple[torch.Tensor, torch.Tensor]:
    """Held-out scenes (uint8 (2000, 3, 64, 64)) and their multi-hot labels: label lists of
    train.json drawn as new scenes (another seed), so no image was seen in training."""
    import numpy as np
    from . import iclevr, scenes

    train = json.loads((iclevr.LABELS_DIR / "train.json").read_text())
    files = sorted(train)
    pick = np.random.default_rng(ICLEVR_HOLDOUT_SEED).choice(len(files), ICLEVR_HOLDOUT, replace=False)
    names = [files[k] for k in sorted(pick)]
    images = scenes.render_many([train[f] for f in names], names, seed=ICLEVR_HOLDOUT_SEED, size=64)
    labels = iclevr.multi_hot([train[f] for f in names], iclevr.read_objects(iclevr.LABELS_DIR),
                              iclevr.LABELS_DIR / "train.json")
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), labels


def train_iclevr_judge(num_epochs: int = 10, batch_size: int = 64, lr: float = 2e-3, seed: int = 0,
                       data_root=None, path: Path | None = ICLEVR_JUDGE_PATH,
                       verbose: bool = True) -> tuple[SceneJudge, float]:
    """Train the scene judge on the rendered stand-in of train.json; return it and its
    held-out accuracy by the lab's top-k scoring."""
    from . import iclevr
    from .metrics import topk_accuracy

    seed_everything(seed)
    train = iclevr.load_scenes(data_root, image_size=64)
    hold_images, hold_labels = iclevr_judge_holdout()
    judge = SceneJudge()
    opt = torch.optim.Adam(judge.parameters(), lr=lr)
    steps = num_epochs * -(-len(train) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    acc = fit_judge(judge, train.images, train.labels, opt, num_epochs=num_epochs, batch_size=batch_size,
                    seed=seed, augment=_blur_like_generator, criterion=F.binary_cross_entropy_with_logits,
                    step_scheduler=sched, verbose=verbose,
                    evaluate=lambda: topk_accuracy(predict_scenes(judge, hold_images), hold_labels))
    _save_judge(judge, acc, num_epochs, seed, path, verbose)
    return judge, acc


@torch.no_grad()
def predict_scenes(net: nn.Module, images_uint8: torch.Tensor, batch_size: int = 250,
                   sigmoid: bool = True) -> torch.Tensor:
    """Per-object probabilities (N, 24) for uint8 scenes of any size, upsampled (bilinear)
    to the evaluator's 64 x 64 and normalized to [-1, 1], as the lab evaluates."""
    net.eval()
    out = []
    for k in range(0, len(images_uint8), batch_size):
        x = to_float(images_uint8[k:k + batch_size])
        if x.shape[-1] != 64:
            x = F.interpolate(x, size=64, mode="bilinear", align_corners=False)
        y = net(x)
        out.append(torch.sigmoid(y) if sigmoid else y)
    return torch.cat(out)


class ICLEVREvaluator:
    """The lab's evaluator: ``accuracy(images, conditions)`` scores generated scenes with the
    course's ResNet18 checkpoint when given one, otherwise with the project's scene judge."""

    def __init__(self, net: nn.Module, name: str, outputs_probabilities: bool):
        self.net, self.name, self._probs = net.eval(), name, outputs_probabilities

    def scores(self, images_uint8: torch.Tensor) -> torch.Tensor:
        return predict_scenes(self.net, images_uint8, sigmoid=not self._probs)

    def accuracy(self, images_uint8: torch.Tensor, conditions: torch.Tensor) -> float:
        from .metrics import topk_accuracy
        return topk_accuracy(self.scores(images_uint8), conditions)


def load_official_evaluator(path: str | Path) -> nn.Module:
    """The course's evaluator: torchvision resnet18 with fc = Sequential(Linear(512, 24), Sigmoid()),
    its state dict under the key 'model' of ``path``."""
    import torchvision

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"evaluator checkpoint {path} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ValueError(f"{path} is not a readable PyTorch checkpoint ({type(e).__name__}: {e})") from None
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise ValueError(f"{path} has no 'model' entry: the lab's evaluator saves its state dict "
                         "under the key 'model'")
    net = torchvision.models.resnet18(weights=None)
    net.fc = nn.Sequential(nn.Linear(512, 24), nn.Sigmoid())
    try:
        net.load_state_dict(ckpt["model"])
    except RuntimeError as e:
        raise ValueError(f"{path} does not hold a resnet18 with a 24-way sigmoid head: "
                         f"{str(e).splitlines()[0]}") from None
    return net.eval()


def load_iclevr_evaluator(checkpoint: str | Path | None = None,
                          path: Path = ICLEVR_JUDGE_PATH) -> ICLEVREvaluator:
    """The official evaluator from ``checkpoint`` if given, else the project's cached scene judge."""
    if checkpoint:
        return ICLEVREvaluator(load_official_evaluator(checkpoint), f"official ({checkpoint})", True)
    if not Path(path).exists():
        raise FileNotFoundError(f"scene judge weights {path} are missing; train them with "
                                "`python -m ganlib judge train iclevr`")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    judge = SceneJudge()
    judge.load_state_dict(ckpt["state_dict"])
    return ICLEVREvaluator(judge, "scene judge", False)


# --- two domains (CycleGAN) --------------------------------------------------------------

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


@torch.no_grad()
def prob_b(judge: nn.Module, images_uint8: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    """The judge's P(domain B) for each uint8 image."""
    judge.eval()
    return torch.cat([torch.sigmoid(judge(to_float(images_uint8[k:k + batch_size])))
                      for k in range(0, len(images_uint8), batch_size)])


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
