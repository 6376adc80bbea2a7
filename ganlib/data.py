"""Datasets as in-memory uint8 tensors.

Every loader returns an ``ImageData``: images decoded once and held as
``uint8 (N, C, H, W)`` (small, and batches are cut by index, no per-sample work),
plus labels where the dataset has them. ``to_float`` maps a batch to [-1, 1].

The digits: ``load_mnist10k`` (10,000 real MNIST training digits shipped in
``data/mnist10k.npz``; offline, always) and ``load_mnist`` (the full MNIST through torchvision,
under ``<data_root>/MNIST``; downloaded when missing and online). Datasets by name, these
included, load through ``ganlib.registry.load_images``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torchvision.transforms.v2 import functional as TF

from .errors import DataError
from .settings import IMAGE_EXTENSIONS, PROJECT_ROOT, data_root as resolve_data_root, shown_path

MNIST10K_PATH = PROJECT_ROOT / "data" / "mnist10k.npz"


@dataclass
class ImageData:
    images: torch.Tensor            # uint8 (N, C, H, W)
    labels: torch.Tensor | None     # int64 (N,) or None
    name: str
    source: str                     # where the images came from, for the report
    folder: Path | None = None      # i-CLEVR: the folder whose test.json / new_test.json go with the images
    skipped: str = ""               # image files: which were unreadable ("skipped 2 unreadable file(s) in ...")

    def __len__(self) -> int:
        return self.images.size(0)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])

    def subset(self, index: torch.Tensor, name: str | None = None) -> "ImageData":
        labels = None if self.labels is None else self.labels[index]
        return replace(self, images=self.images[index], labels=labels, name=name or self.name)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1] (the generators' tanh range)."""
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float [-1, 1] -> uint8 [0, 255]."""
    return images.add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8)


def _cap(data: ImageData, max_images: int | None) -> ImageData:
    if max_images is None or max_images >= len(data):
        return data
    if max_images <= 0:
        raise DataError(f"max_images must be positive, got {max_images}")
    return data.subset(torch.arange(max_images))


def resize(data: ImageData, image_size: int | None) -> ImageData:
    """Resize (antialiased) and centre-crop to image_size x image_size; None keeps the size."""
    if image_size is None or data.images.shape[-2:] == (image_size, image_size):
        return data
    images = TF.center_crop(TF.resize(data.images, image_size, antialias=True), image_size)
    return replace(data, images=images)


def load_mnist10k(max_images: int | None = None) -> ImageData:
    """The embedded 10,000 MNIST digits (about 1,000 per class), shipped with the project."""
    if not MNIST10K_PATH.exists():
        raise DataError(f"the embedded MNIST file {MNIST10K_PATH} is missing; restore it from git")
    with np.load(MNIST10K_PATH) as f:
        images = torch.from_numpy(f["images"]).unsqueeze(1)   # (10000, 1, 28, 28) uint8
        labels = torch.from_numpy(f["labels"].astype(np.int64))
    # The file is sorted by digit; a fixed shuffle makes any prefix (max_images) a fair sample.
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    images, labels = images[order], labels[order]
    data = ImageData(images, labels, "mnist10k", f"embedded {MNIST10K_PATH.name} (MNIST, CC BY-SA 3.0)")
    return _cap(data, max_images)


def load_mnist(root: str | Path | None = None, train: bool = True, max_images: int | None = None,
               download: bool = True) -> ImageData:
    """The full MNIST through torchvision, under ``<data_root>/MNIST``; downloaded when missing."""
    from torchvision.datasets import MNIST

    root = resolve_data_root(root)
    try:
        ds = MNIST(root=str(root), train=train, download=False)
    except RuntimeError:
        if not download:
            raise DataError(f"full MNIST not found under {root / 'MNIST'} and download=False; "
                            "use dataset='mnist10k' (the embedded 10,000 digits)") from None
        try:
            ds = MNIST(root=str(root), train=train, download=True)
        except Exception as e:  # torchvision raises several kinds when offline
            raise DataError(f"full MNIST is not under {root / 'MNIST'} and could not be downloaded "
                            f"({type(e).__name__}: {e}). Offline, use dataset='mnist10k' (the embedded "
                            "10,000 digits), or set GANLIB_DATA_ROOT / data_root to a folder holding "
                            "MNIST/raw") from None
    split = "train" if train else "test"
    data = ImageData(ds.data.unsqueeze(1).clone(), ds.targets.clone(), f"mnist-{split}",
                     f"torchvision MNIST ({split}) under {root}")
    return _cap(data, max_images)


def load_image_folder(folder: str | Path, image_size: int, max_images: int | None = None,
                      name: str | None = None) -> ImageData:
    """Every image under ``folder`` (recursively, sorted), RGB, resized and centre-cropped.

    Unreadable files are skipped and named in the result's ``skipped``; no readable image is an error.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"image folder {folder} does not exist")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)
    return load_image_files(files, image_size, max_images, name or folder.name, f"image folder {shown_path(folder)}")


def decode_image(path: str | Path) -> torch.Tensor:
    """An image file as uint8 RGB (3, H, W), whatever mode PIL opens it in: 16- and 32-bit grayscale
    scaled to 8 bits by their range, palette and grayscale expanded to RGB, transparency (RGBA, LA,
    palette with a transparent colour) composited on white. Raises what PIL raises for a file that
    is not an image."""
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
            scale = 1.0 if im.mode == "F" else 257.0   # F: 0..255 floats; I;16 and I: 0..65535
            gray = np.clip(np.asarray(im, dtype=np.float64) / scale, 0, 255).round().astype(np.uint8)
            im = Image.fromarray(gray, "L")
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            rgba = im.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            im = Image.alpha_composite(white, rgba)
        return TF.pil_to_tensor(im.convert("RGB"))


def load_image_files(files: list[Path], image_size: int, max_images: int | None, name: str,
                     source: str) -> ImageData:
    """These image files, RGB, resized (shorter side) and centre-cropped to image_size.

    Non-image, truncated or corrupt files are skipped and named in the result's ``skipped``; no readable
    image is an error naming the source.
    """
    images, bad = [], []
    for path in files:
        if max_images is not None and len(images) >= max_images:
            break
        try:
            t = decode_image(path)
        except Exception:
            bad.append(path.name)
            continue
        t = TF.center_crop(TF.resize(t, image_size, antialias=True), image_size)
        images.append(t)
    skipped = f"skipped {len(bad)} unreadable file(s) in {source}: {', '.join(bad)}" if bad else ""
    if not images:
        raise DataError(f"no readable image in {source}")
    return ImageData(torch.stack(images), None, name, source, skipped=skipped)


def split(data: ImageData, n_holdout: int, seed: int = 0) -> tuple[ImageData, ImageData]:
    """A fixed random split into (rest, held-out n_holdout images)."""
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    return data.subset(perm[n_holdout:], f"{data.name}-train"), data.subset(perm[:n_holdout], f"{data.name}-heldout")
