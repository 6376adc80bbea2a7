r"""Scores of generated images, computed from a judge's features or predictions (the judges are in
``ganlib.judges``; nothing here imports them).

* ``frechet_distance``: the Frechet distance between two image sets in the judge's
  128-d feature space (torchmetrics' FID machinery with the judge as the feature
  extractor, so "FD" here, not Inception FID: numbers are comparable within this
  project only):
  $$\mathrm{FD} = \lVert\mu_r - \mu_g\rVert^2 + \mathrm{Tr}(\Sigma_r + \Sigma_g - 2(\Sigma_r\Sigma_g)^{1/2})$$
* ``frechet_floor``: the same distance between held-out real digits and the reference
  digits, i.e. what a perfect generator would score with this many samples.
* ``precision_recall``: improved precision and recall (Kynkaanniemi et al., 2019) in the same
  feature space: how many samples look real, and how much of the real images' variety the
  samples cover (what an FD mixes into one number).
* ``judge_confidence``: share of samples whose top class has p >= 0.9.
* ``input_recall``: whether translations point back to their own inputs (CycleGAN collapse).
* ``class_coverage``: entropy of the predicted-class histogram over log 10; 1 means all
  ten digits equally often, 0 means one digit only (mode collapse).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance

from .data import to_float


class JudgeFeatures(nn.Module):
    """uint8 images -> the judge's feature vectors; the feature extractor handed to torchmetrics."""

    def __init__(self, judge: nn.Module):
        super().__init__()
        self.judge = judge.eval()
        self.num_features = judge.num_features

    @torch.no_grad()
    def forward(self, images_uint8: torch.Tensor) -> torch.Tensor:
        x = to_float(images_uint8)
        size = getattr(self.judge, "input_size", x.shape[-1])
        if x.shape[-1] != size:     # e.g. 32 px scenes for the 64 px scene judge
            x = torch.nn.functional.interpolate(x, size=size, mode="bilinear", align_corners=False)
        return self.judge.features(x)


def frechet_distance(judge: nn.Module, reference: torch.Tensor, samples: torch.Tensor,
                     batch_size: int = 500) -> float:
    """FD between uint8 image sets ``reference`` and ``samples`` in the judge's feature space."""
    fd = FrechetInceptionDistance(feature=JudgeFeatures(judge))
    for k in range(0, len(reference), batch_size):
        fd.update(reference[k:k + batch_size], real=True)
    for k in range(0, len(samples), batch_size):
        fd.update(samples[k:k + batch_size], real=False)
    return fd.compute().item()


def _features(judge: nn.Module, images_uint8: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    extract = JudgeFeatures(judge)
    return torch.cat([extract(images_uint8[k:k + batch_size]) for k in range(0, len(images_uint8), batch_size)])


def precision_recall(judge: nn.Module, reference: torch.Tensor, samples: torch.Tensor, k: int = 3) -> dict:
    r"""Improved precision and recall (Kynkaanniemi et al., 2019) of uint8 ``samples`` against uint8
    ``reference`` images, in the judge's feature space. Each set stands for its distribution by the
    union of balls around its points, each reaching the point's k-th nearest neighbour in its set:

    $$\mathrm{precision} = \tfrac{1}{|G|}\textstyle\sum_{g \in G} [g \in \mathrm{manifold}(R)], \quad
      \mathrm{recall} = \tfrac{1}{|R|}\textstyle\sum_{r \in R} [r \in \mathrm{manifold}(G)]$$

    Precision: the share of samples that look like real images; recall: the share of real images
    the samples come near, i.e. how much of the real set's variety the generator covers."""
    real, fake = _features(judge, reference), _features(judge, samples)

    def radii(x):    # distance to the k-th nearest neighbour, the point itself left out
        return torch.cdist(x, x).kthvalue(k + 1, dim=1).values

    d = torch.cdist(fake, real)                                               # samples x reference
    return {"precision": (d <= radii(real).unsqueeze(0)).any(1).float().mean().item(),
            "recall": (d.t() <= radii(fake).unsqueeze(0)).any(1).float().mean().item()}


def judge_confidence(probs: torch.Tensor, threshold: float = 0.9) -> float:
    """Share of samples the judge classifies with p >= threshold."""
    return (probs.max(dim=1).values >= threshold).float().mean().item()


def class_coverage(probs: torch.Tensor) -> float:
    """Entropy of the predicted-class histogram over log(num_classes), in [0, 1]."""
    num_classes = probs.size(1)
    counts = torch.bincount(probs.argmax(1), minlength=num_classes).float()
    p = counts / counts.sum()
    p = p[p > 0]
    return max(0.0, float(-(p * p.log()).sum() / math.log(num_classes)))


def histogram_overlap(a: torch.Tensor, b: torch.Tensor, bins: int = 40) -> float:
    """Overlap of two empirical distributions, sum_k min(p_k, q_k) over shared bins: 0 when D
    separates real from fake perfectly, 1 when it cannot tell them apart."""
    lo, hi = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
    if hi <= lo:
        return 1.0
    p = torch.histc(a.float(), bins, lo, hi) / len(a)
    q = torch.histc(b.float(), bins, lo, hi) / len(b)
    return float(torch.minimum(p, q).sum())


def topk_accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """The i-CLEVR lab's accuracy: for each image, take its k highest scores, k = its number of
    true labels, and count those among the true labels; accuracy = hits / all true labels."""
    hits, total = 0, 0
    for s, y in zip(scores, labels):
        k = int(y.sum().item())
        hits += int(y[s.topk(k).indices].sum().item())
        total += k
    return hits / total


def topk_chance(conditions: torch.Tensor) -> float:
    """``topk_accuracy`` of random scores on multi-hot ``conditions``: an image asking for k of C
    labels hits k/C of them on average, so chance = sum k^2 / (C * sum k)."""
    k = conditions.sum(1)
    return float((k * k).sum() / (conditions.size(1) * k.sum()))


def pixel_diversity(images_uint8: torch.Tensor) -> float:
    """Mean absolute difference between all pairs of images, in [0, 1]: near 0 when a
    generator gives (almost) the same image whatever its noise (mode collapse)."""
    x = images_uint8.float().flatten(1) / 255
    n = len(x)
    return float(torch.cdist(x, x, p=1).sum() / (n * (n - 1) * x.size(1)))


def input_recall(outputs_uint8: torch.Tensor, inputs_uint8: torch.Tensor, size: int = 8, top: float = 0.05) -> float:
    """Share of outputs whose own input is among the ``top`` share of inputs nearest to them, compared
    as ``size`` x ``size`` colour thumbnails (chance: ``top``). A translator keeps its input's layout and
    colours, so its outputs point back to their inputs; a collapsed one, drawing the same object
    wherever the input's object was, does not, though its outputs still differ by position."""
    thumbs = lambda x: F.adaptive_avg_pool2d(x.float() / 255, size).flatten(1)
    distances = torch.cdist(thumbs(outputs_uint8), thumbs(inputs_uint8))
    closer = (distances < distances.diagonal().unsqueeze(1)).sum(1)       # inputs nearer than its own
    return float((closer < top * (len(inputs_uint8) - 1)).float().mean())


def sample_scores(judge: nn.Module, samples: torch.Tensor, heldout: torch.Tensor, reference: torch.Tensor) -> dict:
    """A generator's uint8 ``samples`` against real images it never trained on (``heldout``): their
    FD, its floor (real ``reference`` images against the same held-out ones: what a perfect generator
    would score with this many samples), and the pixel diversity of the samples and of real images."""
    return {"frechet_distance": frechet_distance(judge, heldout, samples),
            "frechet_floor": frechet_distance(judge, heldout, reference),
            "sample_diversity": pixel_diversity(samples), "real_diversity": pixel_diversity(heldout)}


def coverage_scores(judge: nn.Module, samples: torch.Tensor, heldout: torch.Tensor, reference: torch.Tensor) -> dict:
    """``precision_recall`` of a generator's uint8 ``samples`` against real images it never trained on
    (``heldout``), and their floors: the real ``reference`` images' own scores against the same
    held-out ones (a generator as good as real images scores them; with 1,000 images, below 1)."""
    floor = precision_recall(judge, heldout, reference)
    return {**precision_recall(judge, heldout, samples),
            "precision_floor": floor["precision"], "recall_floor": floor["recall"]}


def d_dominance(history: dict, iters_per_epoch: int, threshold: float = 0.99, window: int = 25) -> dict:
    """How far D overpowered G (report 000's failure). D's accuracy at an iteration is the mean of its
    accuracy on the real and on the fake batch. Returns the share of the last epoch's iterations
    above ``threshold``; ``from``, the iteration from which D's accuracy averaged over ``window``
    iterations first rose above it (None: never); and G's mean loss over the epoch from there
    (``g_loss_then``) and over the last epoch (``g_loss_last``): a G still improving brings its loss down."""
    acc = [(a + b) / 2 for a, b in zip(history["acc_real"], history["acc_fake"])]
    loss_g, last = history["Loss_G"], acc[-iters_per_epoch:]
    mean = lambda values: sum(values) / len(values)
    start = next((k for k in range(len(acc) - window + 1) if mean(acc[k:k + window]) > threshold), None)
    return {"share_last_epoch": sum(a > threshold for a in last) / len(last),
            "from": None if start is None else history["iter"][start],
            "g_loss_then": None if start is None else mean(loss_g[start:start + iters_per_epoch]),
            "g_loss_last": mean(loss_g[-iters_per_epoch:])}


def dark_share(images_uint8: torch.Tensor, level: float = 0.1) -> torch.Tensor:
    """Per image, the share of pixels darker than ``level`` in every channel (near black)."""
    return (images_uint8.float() / 255 < level).all(dim=1).flatten(1).float().mean(1)


def dark_excess(outputs_uint8: torch.Tensor, references_uint8: torch.Tensor, allowed: float = 0.0,
                level: float = 0.1) -> float:
    """How much near-black area a translation has beyond what it should have, averaged over the
    images (0: none): per image, its near-black share beyond the larger of its reference's (the true
    translation, or the input) and ``allowed`` (e.g. the target domain's mean share: zebras' stripes
    are black). A generator that punches dark holes into its outputs scores high."""
    reference = dark_share(references_uint8, level).clamp(min=allowed)
    return float((dark_share(outputs_uint8, level) - reference).clamp(min=0).mean())


def d_distance_from_half(d_real: float, d_fake: float) -> float:
    """How far D is from the equilibrium where it cannot tell real from fake (both outputs 1/2):

    $$|D(x) - 1/2| + |D(G(z)) - 1/2|$$

    Report 001 read its latent-size study by these two outputs, by eye; this is that reading as a number.
    """
    return abs(d_real - 0.5) + abs(d_fake - 0.5)
