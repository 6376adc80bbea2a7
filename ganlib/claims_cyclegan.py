"""Report 004 part 2's findings (CycleGAN: ResNet vs U-Net, with vs without augmentation) as claims
on the cyclegan lab's metrics.

The judge's domain rate alone is a poor measure: a collapsed generator that draws one striped blob
for every input passes for a zebra. So a translator must first have learned a mapping
(``verdicts.translator_learnt``: different inputs give different outputs, no dark holes), and a
translation is scored against what it should have been: on the rendered scenes the hidden true
translation (SSIM above the untranslated input's), on unpaired photos the FD to the target domain
below the untranslated input's.
"""
from __future__ import annotations

from .verdicts import Claim, Finding, differ, get, not_learnt, translator_learnt

LEARNT = "translations of different inputs >= half as diverse as the inputs, no dark holes (<= 5% newly near-black)"
DOMAIN_RATE_MIN = 0.8       # "most translations": the report's images were mostly convincing


def scores(metrics: dict, config: str, direction: str) -> dict:
    return get(metrics, "configs", config, direction)


def learnt(metrics: dict, config: str, direction: str):
    return translator_learnt(f"{config} {direction}", scores(metrics, config, direction),
                             get(metrics, "identity_baseline", direction))


def closer_than_input(metrics: dict, s: dict, direction: str) -> tuple[bool, str]:
    """Whether a translation is closer to what it should be than the untranslated input, and how measured."""
    base = get(metrics, "identity_baseline", direction)
    if metrics.get("paired"):
        return (differ(s["ssim"], base["ssim"], "ssim_translations") > 0,
                f"SSIM to the true translation {s['ssim']:.2f} (input unchanged: {base['ssim']:.2f})")
    return (differ(base["frechet_distance"], s["frechet_distance"], "fd_domains") > 0,
            f"FD to the target domain {s['frechet_distance']:.3g} (input unchanged: {base['frechet_distance']:.3g})")


def _translates(direction: str, words: str):
    def check(metrics: dict) -> Finding:
        s = scores(metrics, "resnet", direction)
        closer, closeness = closer_than_input(metrics, s, direction)
        measured = f"ResNet {direction}: {s['domain_rate']:.0%} judged in the target domain; {closeness}"
        outcome = not_learnt(measured, learnt(metrics, "resnet", direction))
        if outcome:
            return outcome
        looks = s["domain_rate"] >= DOMAIN_RATE_MIN
        if looks and closer:
            return Finding(measured, "reproduced", f"most translations {words}, closer to the truth than the input")
        if looks:
            return Finding(measured, "partly", f"most translations {words}, but they are no closer to the true "
                                               "translation than the untranslated input")
        return Finding(measured, "not reproduced", "few translations reach the target domain")
    return check


def _unet_keeps_input(metrics: dict) -> Finding:
    unet, resnet = scores(metrics, "unet", "A2B"), scores(metrics, "resnet", "A2B")
    base = get(metrics, "identity_baseline", "A2B")
    measured = (f"A2B mean change from the input (L1): U-Net {unet['change']:.3f}, ResNet {resnet['change']:.3f}; "
                f"FD to the target: U-Net {unet['frechet_distance']:.3g}, input unchanged {base['frechet_distance']:.3g}")
    outcome = not_learnt(measured, learnt(metrics, "resnet", "A2B"), learnt(metrics, "unet", "A2B"))
    if outcome:
        return outcome
    if unet["change"] > resnet["change"] / 2:
        return Finding(measured, "not reproduced", "the U-Net changes its input as much as the ResNet")
    if differ(unet["frechet_distance"], base["frechet_distance"], "fd_domains") > 0:
        return Finding(measured, "partly", "the U-Net changes its input far less than the ResNet, but what it "
                                           "changes moves the images away from real ones")
    return Finding(measured, "reproduced", "the U-Net changes its input less than half as much as the ResNet")


def _augmentation(metrics: dict) -> Finding:
    aug, plain = scores(metrics, "resnet_aug", "A2B"), scores(metrics, "resnet", "A2B")
    measured = f"A2B in the target domain: with augmentation {aug['domain_rate']:.0%}, without {plain['domain_rate']:.0%}"
    if metrics.get("paired"):
        measured += f"; SSIM to the true translation {aug['ssim']:.2f} vs {plain['ssim']:.2f}"
    outcome = not_learnt(measured, learnt(metrics, "resnet_aug", "A2B"), learnt(metrics, "resnet", "A2B"))
    if outcome:
        return outcome
    stronger = differ(aug["domain_rate"], plain["domain_rate"], "domain_rate") >= 0
    if not metrics.get("paired"):
        return Finding(measured, "partly" if stronger else "not reproduced",
                       ("as many or more translations reach the target" if stronger else "fewer translations reach "
                        "the target") + "; the background's distortion needs the true translation, which "
                                        "unpaired photos lack")
    distorts = differ(plain["ssim"], aug["ssim"], "ssim_translations") > 0
    if stronger and distorts:
        return Finding(measured, "reproduced", "as many or more images translated, and the scene less faithful")
    if stronger or distorts:
        return Finding(measured, "partly", "one of the two effects shows")
    return Finding(measured, "not reproduced", "neither effect shows")


CLAIMS = [
    Claim("a2b", "004", "horse -> zebra gains stripes (ResNet)",
          "share judged in the target domain (>= 80%), and closeness to the true translation (SSIM) or, unpaired, "
          "FD to the target domain, each against the untranslated input", f"the ResNet A2B ({LEARNT})",
          "ssim_translations, fd_domains", _translates("A2B", "gain the target's look")),
    Claim("b2a", "004", "zebra -> horse: the stripes fade (ResNet)", "as for horse -> zebra, in the other direction",
          f"the ResNet B2A ({LEARNT})", "ssim_translations, fd_domains", _translates("B2A", "lose the source's look")),
    Claim("unet_keeps", "004", "the U-Net barely changes its input",
          "mean L1 change from the input, against the ResNet's; FD to the target against the input's",
          f"both generators A2B ({LEARNT}): the comparison is with a ResNet that translates", "fd_domains",
          _unet_keeps_input),
    Claim("augmentation", "004", "augmentation gives clearer stripes but distorts the background",
          "domain rate with and without augmentation; SSIM to the true translation (rendered scenes only)",
          f"both ResNets A2B ({LEARNT})", "domain_rate, ssim_translations", _augmentation),
]
