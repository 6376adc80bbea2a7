"""Translations by a trained CycleGAN generator, and their scores (report 004 part 2).

``translate`` applies a generator to uint8 images; ``AtSize`` lets a generator trained at another size
translate the test images at theirs. Where the test split is paired (rendered scenes) each translation
is compared with the image it should have produced (L1, PSNR, SSIM); everywhere, a judge
(``judges.domain_rate``) says which domain a translation looks like (``score_translations``).
"""
from __future__ import annotations

import torch
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


def score_translations(outputs_uint8: torch.Tensor, inputs_uint8: torch.Tensor, target: ImageData,
                       target_domain: str, judge: nn.Module, paired: bool, generator: nn.Module | None = None) -> dict:
    """A set of translations of ``inputs_uint8`` into ``target_domain`` ('A' or 'B'): ``paired_scores``
    against the hidden pair (None where the test split is unpaired), the judge's domain rate, the FD
    to the target domain's real images in the judge's feature space, the outputs' diversity (mean
    pairwise distance; a collapsed generator gives every input the same output), whether each output
    points back to its own input (``metrics.input_recall``), how far each output moved from its input
    (mean L1), and the near-black area it added beyond what it should have (``metrics.dark_excess``).
    Given the ``generator`` that made the outputs: how well it replicates images already in its
    target domain (``replicate_psnr``, report 004's "replicate" panel; the identity term of its loss)."""
    from . import judges, metrics

    out = {"l1": None, "psnr": None, "ssim": None}
    if paired:
        out.update(paired_scores(outputs_uint8, target.images))
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
