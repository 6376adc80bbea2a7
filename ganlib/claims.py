"""What each original report found, set beside what a run measured, with a verdict.

A lab's claims are small functions of its ``metrics.json``. Each returns a ``Finding``: the
measured numbers as text, a verdict and the reason for it. The index page and the notebooks'
closing tables both come from here, so a verdict is computed one way only, and the tests can
check every reading on hand-made and smoke-scale numbers.

Verdicts compare numbers with a margin: a difference smaller than the margin (the spread measured
across processors and seeds, stated beside each claim) is "inconclusive", never a reproduction.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable

VERDICTS = ("reproduced", "partly", "not reproduced", "inconclusive", "not measured")


@dataclass
class Finding:
    measured: str
    verdict: str
    reason: str

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}")


@dataclass
class Claim:
    report: str          # which report, e.g. "001"
    found: str           # what that report found, in a sentence
    check: Callable[[dict], Finding]

    def judge(self, metrics: dict) -> Finding:
        try:
            return self.check(metrics)
        except (KeyError, TypeError):
            return Finding("-", "not measured", "this run did not compute the numbers this needs")


def _get(metrics: dict, *keys):
    for key in keys:
        metrics = metrics[key]
    if metrics is None:
        raise KeyError(keys[-1])
    return metrics


def compare(lower_is_better: bool, ours: float, theirs: float, margin: float) -> str:
    """'better', 'worse' or 'tie': ``ours`` against ``theirs`` with a margin for noise."""
    diff = (theirs - ours) if lower_is_better else (ours - theirs)
    return "better" if diff > margin else "worse" if diff < -margin else "tie"


# ---- mnist: reports 001 (latent size) and 004 part 1 (MLP vs DCGAN vs LSGAN) ----

D_OUTPUT_MARGIN = 0.02   # D(x), D(G(z)): largest change across processors 0.018 (smoke, 2-core EPYC)


def _distance_from_half(run: dict) -> float:
    from .metrics import d_distance_from_half
    return d_distance_from_half(run["D_x"], run["D_G_z"])


def _latent_size(metrics: dict) -> Finding:
    runs = _get(metrics, "runs")
    near100, near200 = (_distance_from_half(runs[f"dcgan_nz{nz}"]) for nz in (100, 200))
    measured = f"distance of D from 0.5: nz=100 {near100:.3f}, nz=200 {near200:.3f} (one run each)"
    outcome = compare(True, near200, near100, D_OUTPUT_MARGIN)
    if outcome == "tie":
        return Finding(measured, "inconclusive", f"the difference is within {D_OUTPUT_MARGIN} (run-to-run noise)")
    if outcome == "better":
        return Finding(measured, "reproduced", "nz=200 ends closer to 0.5; one seed, so the seed spread is unknown")
    return Finding(measured, "not reproduced", "nz=200 ends farther from 0.5 than nz=100 in this run")


FD_MARGIN = 0.12   # relative: Frechet distances moved up to 4.2% across processors (smoke, 2-core EPYC)


def _dcgan_sharper_than_mlp(metrics: dict) -> Finding:
    runs = _get(metrics, "runs")
    mlp, dcgan = runs["mlp_nz100"]["frechet_distance"], runs["dcgan_nz100"]["frechet_distance"]
    measured = f"Frechet distance (judge features, lower is better): MLP {mlp:.1f}, DCGAN {dcgan:.1f}"
    if dcgan < mlp / 2:
        return Finding(measured, "reproduced", f"DCGAN's distance is {mlp / dcgan:.1f}x smaller")
    if dcgan < mlp * (1 - FD_MARGIN):
        return Finding(measured, "partly", "DCGAN is closer to the data, but by less than a factor of 2")
    return Finding(measured, "not reproduced", "DCGAN is not measurably closer to the data than the MLP")


def _lsgan_as_sharp(metrics: dict) -> Finding:
    runs = _get(metrics, "runs")
    dcgan, ls = runs["dcgan_nz100"]["frechet_distance"], runs["dcgan_ls_nz100"]["frechet_distance"]
    measured = f"Frechet distance: DCGAN {dcgan:.1f}, LSGAN DCGAN {ls:.1f}"
    ratio = ls / dcgan
    if ratio < 1 + FD_MARGIN:
        return Finding(measured, "reproduced", "LSGAN is as close to the data as DCGAN, or closer")
    if ratio < 2:
        return Finding(measured, "partly", f"LSGAN's distance is {ratio:.1f}x DCGAN's: close, not as close")
    return Finding(measured, "not reproduced", f"LSGAN's distance is {ratio:.1f}x DCGAN's")


def _d_separates(metrics: dict) -> Finding:
    runs = _get(metrics, "runs")
    gap = {name: runs[key]["D_x"] - runs[key]["D_G_z"]
           for name, key in (("MLP", "mlp_nz100"), ("DCGAN", "dcgan_nz100"), ("LSGAN", "dcgan_ls_nz100"))}
    measured = "mean D(x) - D(G(z)): " + ", ".join(f"{k} {v:.3f}" for k, v in gap.items())
    if compare(False, gap["DCGAN"], gap["MLP"], D_OUTPUT_MARGIN) == "better":
        if compare(True, gap["LSGAN"], gap["DCGAN"], D_OUTPUT_MARGIN) != "worse":
            return Finding(measured, "reproduced", "DCGAN's D separates real from fake more than the MLP's; "
                                                   "LSGAN's no more than DCGAN's")
        return Finding(measured, "partly", "DCGAN separates more than the MLP, but LSGAN separates more still")
    return Finding(measured, "not reproduced", "the MLP's D separates real from fake as well as DCGAN's")


# ---- cgan: report 002 (conditional DCGAN on i-CLEVR, Table 2) ----

def _accuracy(metrics: dict, config: str, split: str = "test") -> tuple[float, float]:
    acc = _get(metrics, "configs", config, f"accuracy_{split}")
    return acc["mean"], acc["std"]


def _table2(config: str, name: str) -> Claim:
    from .labs import REPORT_002_TABLE2
    theirs = REPORT_002_TABLE2[config]["test"]

    def check(metrics: dict) -> Finding:
        mean, std = _accuracy(metrics, config)
        chance = _get(metrics, "chance_accuracy_test")
        measured = f"{mean:.1%} +- {std:.1%} on test.json (chance {chance:.1%}), by the {metrics['evaluator']}"
        if mean >= theirs - max(2 * std, 0.03):
            return Finding(measured, "reproduced", "as high as the report's, within the noise spread")
        if mean > chance + max(2 * std, 0.03):
            return Finding(measured, "partly", f"learns the condition (above chance), below the report's "
                                               f"{theirs:.1%}: the report trained far longer")
        return Finding(measured, "not reproduced", "near chance: the condition is not learnt at this budget")
    return Claim("002", f"{name} reaches {theirs:.1%} on test.json (Table 2)", check)


def _wgan_above_vanilla(metrics: dict) -> Finding:
    (w, ws), (v, vs) = _accuracy(metrics, "type1_wgan-gp"), _accuracy(metrics, "type1_vanilla")
    measured = f"test.json: WGAN-GP {w:.1%} +- {ws:.1%}, vanilla {v:.1%} +- {vs:.1%}"
    margin = max(2 * (ws ** 2 + vs ** 2) ** 0.5, 0.03)
    outcome = compare(False, w, v, margin)
    if outcome == "better":
        return Finding(measured, "reproduced", "WGAN-GP is above vanilla by more than twice the noise spread")
    if outcome == "tie":
        return Finding(measured, "inconclusive", "the difference is within twice the noise spread")
    return Finding(measured, "not reproduced", "vanilla is above WGAN-GP")


def _wgan_diverse(metrics: dict) -> Finding:
    w, v = (_get(metrics, "configs", c, "early_diversity") for c in ("type1_wgan-gp", "type1_vanilla"))
    measured = f"early sample diversity: WGAN-GP {w:.4f}, vanilla {v:.4f}"
    if w > 2 * v:
        return Finding(measured, "reproduced", "vanilla's early samples are much less diverse (it collapses)")
    if w > v:
        return Finding(measured, "partly", "WGAN-GP is more diverse, by less than a factor of 2")
    return Finding(measured, "not reproduced", "vanilla's early samples are as diverse as WGAN-GP's")


# ---- dcgan: report 000 (cars vs cats) ----

def _varied_is_harder(metrics: dict) -> Finding:
    sets = _get(metrics, "datasets")
    (uniform, u), (varied, v) = list(sets.items())[:2]
    fu, fv = u["frechet_distance"], v["frechet_distance"]
    measured = f"Frechet distance: {uniform} {fu:.1f}, {varied} {fv:.1f}"
    outcome = compare(True, fu, fv, FD_MARGIN * fu)
    if outcome == "better":
        return Finding(measured, "reproduced", f"the varied set ({varied}) ends farther from its data")
    if outcome == "tie":
        return Finding(measured, "inconclusive", "the two distances differ by less than the noise margin")
    return Finding(measured, "not reproduced", f"the varied set ({varied}) is learnt as well or better")


def _d_wins(metrics: dict) -> Finding:
    sets = _get(metrics, "datasets")
    acc = {name: s["d_accuracy_final"] for name, s in sets.items()}
    measured = "D's final accuracy: " + ", ".join(f"{k} {v:.1%}" for k, v in acc.items())
    if max(acc.values()) > 0.99:
        return Finding(measured, "reproduced", "D passes 99% accuracy on at least one dataset")
    if max(acc.values()) > 0.9:
        return Finding(measured, "partly", "D is strong (> 90%) but stays under 99%")
    return Finding(measured, "not reproduced", "D stays well under 99%")


# ---- inversion: report 003 ----

def _inversion_in_vs_out(metrics: dict) -> Finding:
    """In-domain fits must beat both the out-of-domain set and the photo, by PSNR and by SSIM."""
    fit = _get(metrics, "inversion")
    inside, outside, photo = fit["in_domain"], fit["out_of_domain"], fit["cat"]
    measured = (f"PSNR / SSIM: in-domain {inside['psnr']:.1f} dB / {inside['ssim']:.2f}, "
                f"out-of-domain {outside['psnr']:.1f} dB / {outside['ssim']:.2f}, "
                f"cat photo {photo['psnr']:.1f} dB / {photo['ssim']:.2f}")
    if "object_mse" in inside and "object_mse" in outside:
        measured += f"; error inside the object {inside['object_mse']:.3f} vs {outside['object_mse']:.3f}"
    beaten = [name for name, other in (("out-of-domain", outside), ("cat", photo))
              if inside["psnr"] - other["psnr"] > PSNR_MARGIN and inside["ssim"] - other["ssim"] > SSIM_MARGIN]
    if len(beaten) == 2:
        return Finding(measured, "reproduced", "in-domain images are fitted clearly better than the digits and the cat")
    if beaten:
        return Finding(measured, "partly", f"in-domain images are fitted clearly better than the {beaten[0]} only")
    return Finding(measured, "not reproduced", "in-domain images are not fitted clearly better than the others")


PSNR_MARGIN, SSIM_MARGIN = 2.0, 0.1   # dB and SSIM units: well above the 0.08 dB moved across processors


# ---- cyclegan: report 004 part 2 ----

def _translates(direction: str, words: str) -> Callable[[dict], Finding]:
    def check(metrics: dict) -> Finding:
        rate = _get(metrics, "configs", "resnet", direction, "domain_rate")
        base = _get(metrics, "identity_baseline", direction, "domain_rate")
        measured = f"ResNet {direction}: {rate:.0%} judged in the target domain (input unchanged: {base:.0%})"
        if rate >= 0.8:
            return Finding(measured, "reproduced", f"most translations {words}")
        if rate >= base + 0.2:
            return Finding(measured, "partly", f"some translations {words}")
        return Finding(measured, "not reproduced", "few translations reach the target domain")
    return check


def _unet_keeps_input(metrics: dict) -> Finding:
    unet, resnet, base = (_get(metrics, *keys, "A2B", "domain_rate")
                          for keys in (("configs", "unet"), ("configs", "resnet"), ("identity_baseline",)))
    measured = f"A2B judged in the target domain: U-Net {unet:.0%}, ResNet {resnet:.0%} (input unchanged: {base:.0%})"
    if unet <= base + 0.2:
        return Finding(measured, "reproduced", "the U-Net's outputs stay in the input's domain")
    if unet < resnet - 0.1:
        return Finding(measured, "partly", "the U-Net translates fewer images than the ResNet, but most still change")
    return Finding(measured, "not reproduced", "the U-Net translates as often as the ResNet")


def _augmentation(metrics: dict) -> Finding:
    aug, plain = (_get(metrics, "configs", c, "A2B") for c in ("resnet_aug", "resnet"))
    measured = (f"A2B in target domain: with augmentation {aug['domain_rate']:.0%}, without {plain['domain_rate']:.0%}; "
                f"SSIM to the true translation {aug['ssim']:.2f} vs {plain['ssim']:.2f}")
    stronger = aug["domain_rate"] >= plain["domain_rate"]
    distorts = aug["ssim"] < plain["ssim"] - 0.02
    if stronger and distorts:
        return Finding(measured, "reproduced", "more images translated, and the rest of the scene less faithful")
    if stronger or distorts:
        return Finding(measured, "partly", "one of the two effects shows")
    return Finding(measured, "not reproduced", "neither effect shows")


CLAIMS: dict[str, list[Claim]] = {
    "mnist": [
        Claim("001", "with nz=200, D(x) and D(G(z)) end closer to 0.5 than with nz=100 (by eye)", _latent_size),
        Claim("004", "the MLP GAN draws blurry digits, DCGAN sharp ones", _dcgan_sharper_than_mlp),
        Claim("004", "the LSGAN DCGAN draws digits as sharp as DCGAN's", _lsgan_as_sharp),
        Claim("004", "D's real/fake histograms overlap for the MLP, separate for DCGAN", _d_separates),
    ],
    "cgan": [
        _table2("type1_wgan-gp", "Type 1 WGAN-GP"),
        _table2("type1_vanilla", "Type 1 vanilla"),
        Claim("002", "WGAN-GP scores above vanilla (64.0% vs 58.3%)", _wgan_above_vanilla),
        Claim("002", "vanilla collapses early, WGAN-GP stays diverse", _wgan_diverse),
    ],
    "dcgan": [
        Claim("000", "the varied dataset (cats) is learnt worse than the uniform one (cars)", _varied_is_harder),
        Claim("000", "D can pass 99% accuracy", _d_wins),
    ],
    "inversion": [
        Claim("003", "the fitted z reproduces in-domain images well, an unrelated photo poorly", _inversion_in_vs_out),
    ],
    "cyclegan": [
        Claim("004", "horse -> zebra gains stripes", _translates("A2B", "gain the target's look")),
        Claim("004", "zebra -> horse: the stripes fade", _translates("B2A", "lose the source's look")),
        Claim("004", "the U-Net barely changes its input", _unet_keeps_input),
        Claim("004", "augmentation gives clearer stripes but distorts the background", _augmentation),
    ],
}


def findings(lab: str, metrics: dict) -> list[tuple[Claim, Finding]]:
    return [(claim, claim.judge(metrics)) for claim in CLAIMS.get(lab, [])]


def html_table(lab: str, metrics: dict, measured_by: str = "we measured") -> str:
    """The comparison as an HTML table: the report found / we measured / verdict."""
    rows = "".join(
        f"<tr><td>{html.escape(c.report)}: {html.escape(c.found)}</td><td>{html.escape(f.measured)}</td>"
        f"<td class='v {f.verdict.replace(' ', '-')}'><b>{f.verdict}</b>: {html.escape(f.reason)}</td></tr>"
        for c, f in findings(lab, metrics))
    return (f"<table class='claims'><tr><th>the report found</th><th>{html.escape(measured_by)}</th>"
            f"<th>verdict</th></tr>{rows}</table>")


def show(lab: str, metrics: dict) -> None:
    """Display the comparison in a notebook (as HTML, with a plain-text form for text frontends)."""
    from IPython.display import display

    text = "\n".join(f"- {c.report}: {c.found}\n  measured: {f.measured}\n  verdict: {f.verdict} ({f.reason})"
                     for c, f in findings(lab, metrics))
    display({"text/html": html_table(lab, metrics, "this run measured"), "text/plain": text}, raw=True)
