r"""Latent inversion: find the z whose image G(z) reproduces a target image (report 003).

Report 003 drew $z \sim N(0, I)$, made it trainable and minimised the sum of squared errors

$$L(z) = \sum_{c,h,w} (G(z) - x)^2$$

with SGD (lr 0.01, momentum 0.9) for 100 steps. ``invert`` does that from several random
starts at once (the starts are independent: the loss is a sum over them and SGD and Adam
update each coordinate on its own) and keeps the best. ``lerp`` and ``slerp`` walk between
two latent vectors.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from .data import DataError


@dataclass
class Inversion:
    z: torch.Tensor                 # (nz,) the best start's final latent vector
    image: torch.Tensor             # (C, H, W) in [-1, 1]: G(z)
    loss: float                     # its sum of squared errors
    history: list = field(default_factory=list)      # best start's loss at every step
    snapshots: dict = field(default_factory=dict)    # step -> (C, H, W) image of the best start


def invert(netG: nn.Module, target: torch.Tensor, nz: int, steps: int = 100, lr: float = 0.01,
           momentum: float = 0.9, optimizer: str = "sgd", restarts: int = 4, seed: int = 0,
           snapshot_every: int = 10) -> Inversion:
    """Optimise z so that netG(z) matches ``target`` (C, H, W) in [-1, 1]; G's weights stay fixed.

    ``optimizer``: 'sgd' (with ``momentum``, the report's) or 'adam'.
    """
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    was_training = netG.training
    netG.eval()                                       # BatchNorm (if any) uses its running statistics
    dev = next(netG.parameters()).device
    target = target.to(dev).unsqueeze(0)
    z = torch.randn(restarts, nz, generator=torch.Generator().manual_seed(seed)).to(dev).requires_grad_(True)
    opt = (torch.optim.SGD([z], lr=lr, momentum=momentum) if optimizer == "sgd"
           else torch.optim.Adam([z], lr=lr))
    for p in netG.parameters():
        p.requires_grad_(False)
    losses, frames = [], {}
    try:
        for step in range(steps + 1):
            images = netG(z)
            per_start = ((images - target) ** 2).flatten(1).sum(1)     # (restarts,)
            losses.append(per_start.detach().cpu())
            if snapshot_every and step % snapshot_every == 0:
                frames[step] = images.detach().cpu()
            if step == steps:
                break
            opt.zero_grad(set_to_none=True)
            per_start.sum().backward()
            opt.step()
    finally:
        for p in netG.parameters():
            p.requires_grad_(True)
        netG.train(was_training)
    best = int(losses[-1].argmin())
    return Inversion(z=z.detach()[best].cpu(), image=images.detach()[best].cpu(), loss=float(losses[-1][best]),
                     history=[float(l[best]) for l in losses],
                     snapshots={k: v[best] for k, v in frames.items()})


def lerp(z0: torch.Tensor, z1: torch.Tensor, ts) -> torch.Tensor:
    """Straight-line interpolation: one row per t in ``ts``."""
    return torch.stack([(1 - t) * z0 + t * z1 for t in ts])


def slerp(z0: torch.Tensor, z1: torch.Tensor, ts) -> torch.Tensor:
    r"""Spherical interpolation along the great circle from z0 to z1 (White, 2016):

    $$\mathrm{slerp}(z_0, z_1; t) = \frac{\sin((1-t)\Omega)}{\sin\Omega} z_0 + \frac{\sin(t\Omega)}{\sin\Omega} z_1,
      \quad \cos\Omega = \frac{z_0 \cdot z_1}{\lVert z_0\rVert\,\lVert z_1\rVert}$$

    It keeps the norm typical of Gaussian samples, where a straight line passes closer to 0.
    Falls back to ``lerp`` for (anti)parallel vectors.
    """
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1, 1))
    if math.isclose(float(torch.sin(omega)), 0.0, abs_tol=1e-6):
        return lerp(z0, z1, ts)
    return torch.stack([(torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)
                        for t in ts])


def load_target(path: str | Path, image_size: int) -> torch.Tensor:
    """An image file as a (3, S, S) target in [-1, 1]. Another size is resized (shorter side)
    and centre-cropped, with a note; a file that is not an image is an error naming it."""
    from PIL import UnidentifiedImageError
    from torchvision.transforms.v2 import functional as TF
    from .data import decode_image

    path = Path(path)
    try:
        image = decode_image(path)
    except FileNotFoundError:
        raise DataError(f"inversion target {path} does not exist") from None
    except (UnidentifiedImageError, OSError) as e:
        raise DataError(f"inversion target {path} is not a readable image ({type(e).__name__})") from None
    h, w = image.shape[1:]
    if (h, w) != (image_size, image_size):
        print(f"note: inversion target {path.name} is {w}x{h}; resized and centre-cropped to "
              f"{image_size}x{image_size}")
        image = TF.center_crop(TF.resize(image, image_size, antialias=True), image_size)
    return image.float() / 127.5 - 1


def reconstruction_scores(fits: torch.Tensor, targets: torch.Tensor, masks: torch.Tensor | None = None) -> dict:
    """How well fits (N, C, H, W) reproduce targets, images in [-1, 1] (data range 2):

    * ``mse`` and ``psnr`` over every pixel (torchmetrics);
    * ``ssim``, structural similarity (torchmetrics' 11x11 Gaussian window, on [0, 1] values: its
      luminance term assumes intensities >= 0), which follows edges and texture rather than the
      mean level, so a flat background cannot carry it;
    * ``object_mse``, with ``masks`` (N, H, W) bool: the squared error inside the objects only, the
      part of the image that a generator drawing only the background cannot get right.
    """
    from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

    fits, targets = fits.float(), targets.float()
    scores = {"mse": float(((fits - targets) ** 2).mean()),
              "psnr": float(peak_signal_noise_ratio(fits, targets, data_range=2.0)),
              "ssim": float(structural_similarity_index_measure((fits + 1) / 2, (targets + 1) / 2, data_range=1.0))}
    if masks is not None:
        inside = masks.unsqueeze(1).expand_as(fits)
        scores["object_mse"] = float(((fits - targets)[inside] ** 2).mean())
    return scores


def object_masks(name: str, n: int, seed: int) -> torch.Tensor | None:
    """The object masks (n, 32, 32) bool of ``load_targets(name, ..., n, seed)``, where they are known:
    a rendered scene set (the renderer's own mask) or the digits (their strokes); None otherwise."""
    import torch.nn.functional as F
    from . import scenes
    from .registry import SCENE_SETS

    if name in SCENE_SETS:
        _, masks = scenes.render_variety(SCENE_SETS[name], n, 64, seed, with_masks=True)
        return F.avg_pool2d(torch.from_numpy(masks).float().unsqueeze(1), 2).squeeze(1) > 0.5
    if name == "mnist10k":
        return load_targets(name, None, n).mean(1) > 0      # strokes: brighter than mid-gray
    return None


def snapshot_options(num_images: int, batch_size: int, milestones: list[int], snapshot_every: int | None) -> dict:
    """``TrainOptions`` changes that take a snapshot at the end of every milestone epoch, beside one every
    ``snapshot_every`` iterations; null: every gcd(milestones) epochs, which lands on each milestone. An epoch
    is ``train.iterations_per_epoch`` iterations (the last batch may be short)."""
    from .train import iterations_per_epoch

    per_epoch = iterations_per_epoch(num_images, batch_size)
    changes = {"snapshot_at": tuple(m * per_epoch for m in milestones)}
    if snapshot_every is None:
        changes["snapshot_every"] = per_epoch * math.gcd(*milestones)
    return changes


def milestone_images(run, milestones: list[int]) -> dict:
    """{'epoch m': the fixed-vector samples at the end of epoch m} from a run's snapshots."""
    return {f"epoch {m}": run.snapshots[m * run.iters_per_epoch] for m in milestones}


def render(netG: nn.Module, zs: torch.Tensor) -> torch.Tensor:
    """G's images (uint8) for latent vectors ``zs`` (N, nz), BatchNorm in eval mode (its running statistics)."""
    from .data import to_uint8
    from .inference import batched, device_of, eval_mode

    with eval_mode(netG):
        return batched(lambda z: to_uint8(netG(z)), zs, device=device_of(netG))


def sweep(netG: nn.Module, z: torch.Tensor, coordinate: int, values: torch.Tensor) -> torch.Tensor:
    """G's images for ``z`` with coordinate ``coordinate`` set to each of ``values``."""
    zs = z.repeat(len(values), 1)
    zs[:, coordinate] = values
    return render(netG, zs)


def load_targets(name: str, data_root, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` 32 px inversion targets in [-1, 1], (n, 3, 32, 32): a dataset by name, or MNIST digits
    ('mnist10k': 28 px, upsampled bilinearly and repeated over the three colour channels)."""
    import torch.nn.functional as F
    from .data import load_mnist10k, to_float
    from .registry import load_images

    if name == "mnist10k":
        digits = to_float(load_mnist10k(n).images)
        return F.interpolate(digits, size=32, mode="bilinear").repeat(1, 3, 1, 1)
    return to_float(load_images(name, data_root, 32, n, seed=seed).images)


def training_and_heldout(name: str, data_root, max_images: int | None, n_heldout: int, seed: int):
    """The lab's 32 px training images (``ImageData``) and ``n_heldout`` in-domain targets it never
    trains on (in [-1, 1]): a rendered scene set draws them with another seed (their object masks
    are ``object_masks(name, n_heldout, seed + 1)``); a dataset of files keeps its last ``n_heldout``
    images apart from the training ones."""
    from .data import to_float
    from .registry import SCENE_SETS, load_images

    if name in SCENE_SETS:
        return load_images(name, data_root, 32, max_images, seed=seed), load_targets(name, data_root, n_heldout, seed + 1)
    every = load_images(name, data_root, 32, None if max_images is None else max_images + n_heldout, seed=seed)
    if len(every) < n_heldout + 2:
        raise DataError(f"dataset {name!r} has {len(every)} images: too few to keep {n_heldout} (n_scores) apart "
                        "from at least 2 training images")
    train = every.subset(torch.arange(len(every) - n_heldout))
    return train, to_float(every.images[len(every) - n_heldout:])


def load_cat(path: str | Path | None, folder: Path) -> torch.Tensor:
    """The out-of-domain photo as a 32 px target: ``path``, or scikit-image's cat (chelsea, saved into
    ``folder`` so the report keeps it)."""
    if path is None:
        from PIL import Image
        from skimage import data as skdata

        path = Path(folder) / "chelsea.png"
        Image.fromarray(skdata.chelsea()).save(path)
    return load_target(path, 32)


def generator_scores(netG: nn.Module, nz: int, name: str, train_images: torch.Tensor, seed: int,
                     n: int = 1000) -> dict | None:
    """Did G learn its rendered domain? ``metrics.sample_scores`` of ``n`` samples against held-out
    scenes of the same kind (rendered with ``seed + 1``, like the inversion targets), by the scene
    judge. None for a dataset of files, which has no judge."""
    from . import judges, metrics
    from .registry import SCENE_SETS, load_images
    from .train import sample

    if name not in SCENE_SETS:
        return None
    heldout = load_images(name, None, 32, n, seed=seed + 1).images
    judge = judges.load_iclevr_evaluator().net
    return metrics.sample_scores(judge, sample(netG, n, nz, seed=seed + 1), heldout, train_images[:n])
