"""The scene judge (the project's multi-label CNN for i-CLEVR-like scenes) and the course's
evaluator, behind one ``ICLEVREvaluator`` that scores generated scenes the lab's way."""
from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..inference import batched
from ..metrics import topk_accuracy
from ..settings import seed_everything
from .fit import JUDGE_DIR, fit_judge, load_weights, save_judge

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
    from .. import iclevr, scenes

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
    from .. import iclevr

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
    save_judge(judge, acc, num_epochs, seed, path, verbose)
    return judge, acc


def predict_scenes(net: nn.Module, images_uint8: torch.Tensor, batch_size: int = 250,
                   sigmoid: bool = True) -> torch.Tensor:
    """Per-object probabilities (N, 24) for uint8 scenes of any size, upsampled (bilinear)
    to the evaluator's 64 x 64 and normalized to [-1, 1], as the lab evaluates."""
    def score(x):
        if x.shape[-1] != 64:
            x = F.interpolate(x, size=64, mode="bilinear", align_corners=False)
        return torch.sigmoid(net(x)) if sigmoid else net(x)

    net.eval()
    return batched(score, images_uint8, batch_size)


class ICLEVREvaluator:
    """The lab's evaluator: ``accuracy(images, conditions)`` scores generated scenes with the
    course's ResNet18 checkpoint when given one, otherwise with the project's scene judge."""

    def __init__(self, net: nn.Module, name: str, outputs_probabilities: bool):
        self.net, self.name, self._probs = net.eval(), name, outputs_probabilities

    def scores(self, images_uint8: torch.Tensor) -> torch.Tensor:
        return predict_scenes(self.net, images_uint8, sigmoid=not self._probs)

    def accuracy(self, images_uint8: torch.Tensor, conditions: torch.Tensor) -> float:
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
    judge = load_weights(SceneJudge(), path, "python -m ganlib judge train iclevr")
    return ICLEVREvaluator(judge, "scene judge", False)
