"""Translations by a trained CycleGAN generator, and their scores (report 004 part 2).

``translate`` applies a generator to uint8 images; ``AtSize`` lets a generator trained at another size
translate the test images at theirs. Where the test split is paired (rendered scenes) each translation
is compared with the image it should have produced (L1, PSNR, SSIM, and SSIM on the objects and on the
floor apart: ``region_ssim``); everywhere, a judge
(``judges.domain_rate``) says which domain a translation looks like (``score_translations``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from torch import nn

from .data import ImageData, to_uint8
from .inference import batched, device_of


class AtSize(nn.Module):
    """A generator trained at ``size`` px, applied to images of any size: each input is resized to ``size``
    and its output back to the input's size, so that its translations compare with the others'."""

    def __init__(self, G: nn.Module, size: int):
        super().__init__()
        self.G, self.size = G, size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] == self.size:
            return self.G(x)
        return resize_images(self.G(resize_images(x, self.size)), x.shape[-1])


def resize_images(x: torch.Tensor, size: int) -> torch.Tensor:
    """Square images (uint8 or float) resized, antialiased, to size x size."""
    return x if x.shape[-1] == size else TF.resize(x, [size, size], antialias=True)


def translate(G: nn.Module, images_uint8: torch.Tensor, batch_size: int = 50) -> torch.Tensor:
    """G applied to uint8 images, as uint8."""
    return batched(lambda x: to_uint8(G(x)), images_uint8, batch_size, device_of(G))


def paired_scores(output_uint8: torch.Tensor, target_uint8: torch.Tensor) -> dict:
    """How close each output is to the image it should have been: mean per-image L1 (on
    [0, 1] values), PSNR (dB) and SSIM, by torchmetrics."""
    from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

    x, y = output_uint8.float() / 255, target_uint8.float() / 255
    psnr = peak_signal_noise_ratio(x, y, data_range=1.0, reduction="none", dim=(1, 2, 3))
    ssim = structural_similarity_index_measure(x, y, data_range=1.0)
    return {"l1": (x - y).abs().mean().item(), "psnr": psnr.mean().item(), "ssim": ssim.item()}


def ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-pixel SSIM of two float batches in [0, 1], averaged over channels: (N, H, W)."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    _, full = structural_similarity_index_measure(x, y, data_range=1.0, return_full_image=True)
    return full.mean(1)


def object_region(inputs: torch.Tensor, truth: torch.Tensor, threshold: float = 0.08, reach: int = 5) -> torch.Tensor:
    """Pixels that stand out from the image's median (the floor) in the input or the truth, widened
    by ``reach // 2`` pixels each way, where SSIM's window (a Gaussian of sigma 1.5) mixes most of an
    object into the floor around it: bool (N, H, W). Both images are float in [0, 1]."""
    def stands_out(a: torch.Tensor) -> torch.Tensor:
        median = a.flatten(2).median(-1).values[..., None, None]
        return (a - median).abs().amax(1) > threshold
    region = (stands_out(inputs) | stands_out(truth)).float()[:, None]
    return F.max_pool2d(region, reach, 1, reach // 2)[:, 0] > 0


def region_ssim(output_uint8: torch.Tensor, target_uint8: torch.Tensor, inputs_uint8: torch.Tensor) -> dict:
    """SSIM to the true translation on the objects and on the floor apart (``object_region`` of the
    input and the truth, the same pixels for every translator of these inputs): report 004 saw
    augmentation distort the background, which a whole-image score mixes with the objects."""
    x, y, inputs = (t.float() / 255 for t in (output_uint8, target_uint8, inputs_uint8))
    ssim, objects = ssim_map(x, y), object_region(inputs, y)
    return {"ssim_objects": ssim[objects].mean().item(), "ssim_floor": ssim[~objects].mean().item()}


def score_translations(outputs_uint8: torch.Tensor, inputs_uint8: torch.Tensor, target: ImageData,
                       target_domain: str, judge: nn.Module, paired: bool, generator: nn.Module | None = None) -> dict:
    """A set of translations of ``inputs_uint8`` into ``target_domain`` ('A' or 'B'): ``paired_scores``
    and ``region_ssim`` against the hidden pair (None where the test split is unpaired), the judge's domain rate, the FD
    to the target domain's real images in the judge's feature space, the outputs' diversity (mean
    pairwise distance; a collapsed generator gives every input the same output), whether each output
    points back to its own input (``metrics.input_recall``), how far each output moved from its input
    (mean L1), and the near-black area it added beyond what it should have (``metrics.dark_excess``).
    Given the ``generator`` that made the outputs: how well it replicates images already in its
    target domain (``replicate_psnr``, report 004's "replicate" panel; the identity term of its loss)."""
    from . import judges, metrics

    out = {"l1": None, "psnr": None, "ssim": None, "ssim_objects": None, "ssim_floor": None}
    if paired:
        out.update(paired_scores(outputs_uint8, target.images))
        out.update(region_ssim(outputs_uint8, target.images, inputs_uint8))
    out["domain_rate"] = judges.domain_rate(judge, outputs_uint8, target_domain)
    out["frechet_distance"] = metrics.frechet_distance(judge, target.images, outputs_uint8)
    out["diversity"] = metrics.pixel_diversity(outputs_uint8)
    out["input_recall"] = metrics.input_recall(outputs_uint8, inputs_uint8)
    out["change"] = (outputs_uint8.float() - inputs_uint8.float()).abs().mean().item() / 255
    # near-black beyond the true translation's, or unpaired, beyond the input's and the target domain's usual share
    out["dark_excess"] = (metrics.dark_excess(outputs_uint8, target.images) if paired else
                          metrics.dark_excess(outputs_uint8, inputs_uint8, metrics.dark_share(target.images).mean().item()))
    out["replicate_psnr"] = None if generator is None else \
        paired_scores(translate(generator, target.images), target.images)["psnr"]
    return out
