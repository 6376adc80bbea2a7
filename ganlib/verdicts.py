"""The words a comparison with an original report may end in, and the rules behind them.

A ``Finding`` is what one claim of a report became in one run: the measured numbers as text, a
verdict and its reason. Two rules come before any comparison:

* **Did it learn?** A claim that needs a model to have learned asks first (``Learnt``): a
  generator within a few times the real-vs-real floor of its Frechet distance and not collapsed,
  a conditional generator above chance, a translator whose outputs still differ from each other.
  Where it did not, the verdict is "not learnt": the run says nothing about the report's
  comparison, which is neither reproduced nor contradicted by a model that never trained.
* **Beyond the seed spread.** Two single runs differ only when their numbers lie further apart
  than twice the spread measured across training seeds (``SEED_SPREAD``, each entry naming the
  committed sweep it comes from); closer than that, the verdict is "inconclusive".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

VERDICTS = ("reproduced", "partly", "not reproduced", "inconclusive", "not learnt", "not measured")

MEANING = {
    "reproduced": "the run shows what the report found, measured the report's way or the closest way to it",
    "partly": "one part of the finding shows, or it shows more weakly than the report's words",
    "not reproduced": "the models learned, and the run shows something else than the report found",
    "inconclusive": "the models learned, but the difference lies inside twice the spread across training seeds",
    "not learnt": "a model the claim needs did not learn at this budget: the run cannot test the claim",
    "not measured": "the run did not compute the numbers the claim needs (another profile or dataset)",
}


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
    id: str              # short name, e.g. "latent_size"
    report: str          # which report, e.g. "001"; "lab" for the lab's own addition
    found: str           # what that report found, in a sentence
    measure: str         # how the run measures it
    learned: str         # what must have learned first
    margin: str          # which seed spread separates a difference from noise
    check: Callable[[dict], Finding]

    def judge(self, metrics: dict) -> Finding:
        try:
            return self.check(metrics)
        except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
            return Finding("-", "not measured", "this run did not compute the numbers this needs, or they are unreadable")


def get(metrics: dict, *keys):
    for key in keys:
        metrics = metrics[key]
    if metrics is None:
        raise KeyError(keys[-1])
    return metrics


@dataclass(frozen=True)
class Learnt:
    """Whether one model learned what a claim needs, and the numbers that say so."""
    name: str
    ok: bool
    numbers: str
    edge: bool = False      # within a tenth of the bar: neither clearly learnt nor clearly failed

    def __str__(self) -> str:
        return f"{self.name}: {self.numbers}"


def not_learnt(measured: str, *checks: Learnt) -> Finding | None:
    """The "not learnt" finding when any of ``checks`` failed, else None."""
    failed = [c for c in checks if not c.ok]
    if not failed:
        return None
    return Finding(measured, "not learnt", "not learnt at this budget: " + "; ".join(map(str, failed)))


# ---- did it learn? Thresholds, each chosen by looking at images on both sides of it ----
# (benchmarks/fd_calibration.py draws real images blurred step by step with their FD over the floor:
# docs/figures/fd_calibration_*.png)

# FD within this many times the real-vs-real floor, in the digit judge's feature space. The cpu
# DCGANs draw sharp digits at 2.5-8x; the MLP GAN's noisy, half-formed strokes sit at 80x. The judge
# punishes any softness of the strokes: real digits blurred by 0.7 px, still easy to read, are at 24x.
DIGITS_FD_RATIO = 10.0
# The same in the scene judge's feature space. Real scenes blurred by 1 px (4.8x for the small objects
# of scenes_one, 3.6x for the close-ups) still show each object's shape; by 1.5 px the small objects are
# blobs (14x); generators that draw coloured blobs without shapes sit at 7-25x.
SCENES_FD_RATIO = 5.0
# Collapse: samples (or translations of different inputs) whose mean pairwise distance is under half
# that of real images (of the inputs) are mostly one image.
DIVERSITY_MIN = 0.5
CLASS_COVERAGE_MIN = 0.8        # digits: entropy of the judged classes over log 10; 0.8 ~ 6 of 10 digits
DARK_EXCESS_MAX = 0.05          # a translation 5% more near-black than it should be (true translation, input) has holes
# A translation keeps its input recognisable: its own input is among the nearest 5% of the test inputs
# (8 x 8 thumbnails; chance 5%) for at least half of the outputs. The scenes' true translations score
# 88% (plain -> striped) and 100%; a ResNet that draws the same dark striped cylinder for every plain
# object 42%, one that turns every striped object into the same blue blob 14% (the cpu profile, seed 0).
INPUT_RECALL_MIN = 0.5
# A generator that has learned its target domain replicates an image already in it (report 004's
# "replicate" panel, the identity term of its loss) sharply: the U-Nets of the cpu runs at 21-24 dB
# PSNR; ResNets whose replicas are blurred photos or objects of the wrong colour at 17-20 dB.
REPLICATE_PSNR_MIN = 20.0


def generator_learnt(name: str, fd: float, floor: float, ratio: float, diversity: float | None = None,
                     real_diversity: float | None = None) -> Learnt:
    """An unconditional generator learned its data: FD within ``ratio`` x the floor, and (when
    given) samples at least half as diverse as real images."""
    times = fd / floor
    # one decimal would show 5.04x as "5.0x" beside "<= 5x"; within a tenth of the bar, say it is at the edge
    edge = abs(times - ratio) < 0.1 * ratio
    shown = f"{times:.2f}x" if edge else f"{times:.1f}x"
    numbers = (f"FD {fd:.1f} = {shown} its real-vs-real floor {floor:.1f} (learnt: <= {ratio:g}x"
               + (", at the edge of it)" if edge else ")"))
    return _not_collapsed(Learnt(name, times <= ratio, numbers, edge), diversity, real_diversity, "sample diversity")


def _not_collapsed(learnt: Learnt, diversity: float | None, real_diversity: float | None, what: str) -> Learnt:
    """``learnt`` and, when the diversities are known, samples at least half as diverse as real images."""
    if diversity is None or not real_diversity:
        return learnt
    share = diversity / real_diversity
    return Learnt(learnt.name, learnt.ok and share >= DIVERSITY_MIN,
                  f"{learnt.numbers}, {what} {share:.0%} of the real images' (learnt: >= {DIVERSITY_MIN:.0%})",
                  learnt.edge and share >= DIVERSITY_MIN)


def digits_learnt(name: str, run: dict, floor: float) -> Learnt:
    base = generator_learnt(name, run["frechet_distance"], floor, DIGITS_FD_RATIO)
    coverage = run["class_coverage"]
    return Learnt(name, base.ok and coverage >= CLASS_COVERAGE_MIN,
                  f"{base.numbers}, class coverage {coverage:.2f} (learnt: >= {CLASS_COVERAGE_MIN})")


def digit_like(name: str, run: dict) -> Learnt:
    """Samples the digit judge reads as digits of most classes, sharp or blurry (report 004's MLP GAN
    drew blurry digits); a generator collapsed onto a few shapes fails it."""
    coverage = run["class_coverage"]
    return Learnt(name, coverage >= CLASS_COVERAGE_MIN,
                  f"class coverage {coverage:.2f} (digit-like, blurry or not: >= {CLASS_COVERAGE_MIN})")


def condition_bar(chance: float, spread: str = "accuracy") -> float:
    """The accuracy a conditional generator must pass to have learned its condition: chance plus two
    of its seed spreads (``SEED_SPREAD[spread]``)."""
    return chance + SEED_SPREAD[spread].margin()


def condition_learnt(name: str, accuracy: float, chance: float, diversity: float | None = None,
                     real_diversity: float | None = None, spread: str = "accuracy") -> Learnt:
    """A conditional generator learned the condition: accuracy above chance by two seed spreads,
    and its final samples not collapsed."""
    bar = condition_bar(chance, spread)
    numbers = f"{accuracy:.1%} on test.json (learnt: > {bar:.1%}, chance + two seed spreads)"
    return _not_collapsed(Learnt(name, accuracy > bar, numbers), diversity, real_diversity, "final sample diversity")


def translator_learnt(name: str, scores: dict, inputs: dict) -> Learnt:
    """A CycleGAN generator learned a mapping: translations of different inputs differ from each
    other (at least half as much as the inputs do), they point back to their own inputs
    (``metrics.input_recall``: a generator that draws the same object wherever the input's was still
    differs by position), it replicates images already in its target domain without blurring them
    away, and it adds no dark holes. A check whose number a run lacks is left out."""
    share, dark = scores["diversity"] / inputs["diversity"], scores["dark_excess"]
    recall, replicate = scores.get("input_recall"), scores.get("replicate_psnr")
    checks = [(share >= DIVERSITY_MIN, f"outputs {share:.0%} as diverse as the inputs (learnt: >= {DIVERSITY_MIN:.0%})")]
    if recall is not None:
        checks.append((recall >= INPUT_RECALL_MIN, f"{recall:.0%} of the outputs have their own input among the "
                                                   f"nearest 5% (learnt: >= {INPUT_RECALL_MIN:.0%})"))
    if replicate is not None:
        checks.append((replicate >= REPLICATE_PSNR_MIN, f"target-domain images replicated at {replicate:.1f} dB "
                                                        f"(learnt: >= {REPLICATE_PSNR_MIN:g} dB)"))
    checks.append((dark <= DARK_EXCESS_MAX, f"{dark:.1%} of the image in dark holes (near-black beyond what the "
                                            f"translation should have; learnt: <= {DARK_EXCESS_MAX:.0%})"))
    return Learnt(name, all(ok for ok, _ in checks), ", ".join(text for _, text in checks))


# ---- margins: twice the spread across training seeds ----

@dataclass(frozen=True)
class Spread:
    value: float
    relative: bool      # a share of the number itself (FD: std / mean), or in the number's own units
    source: str         # the committed sweep it was measured by, and how

    def margin(self) -> float:
        """Twice the spread: in the number's units, or for a relative spread in log units (a ratio
        beyond exp(margin) is a difference)."""
        return 2 * self.value

    def bound(self) -> str:
        """Twice the spread as a reason states it: 'a factor of 3.0', or '0.118'."""
        return f"a factor of {math.exp(self.margin()):.1f}" if self.relative else f"{self.margin():g}"

    def describe(self) -> str:
        if self.relative:
            return f"a ratio beyond {math.exp(self.margin()):.2f} (twice the relative spread {self.value:g})"
        return f"a difference beyond {self.margin():g} (twice the spread {self.value:g})"


SWEEP = "reports/{}/sweeps/cpu-seeds, 4 training seeds of the cpu profile"

CYCLEGAN_SWEEP = "reports/cyclegan/sweeps/cpu-seeds-wide-bands, 4 training seeds of the cpu profile"

INVERSION_SWEEP = ("reports/inversion/sweeps/inversion-lr-seeds, 4 training seeds of the cpu profile at its "
                   "inversion_lr 0.001")

SEED_SPREAD = {
    "fd_digits": Spread(0.32, True, "reports/mnist/sweeps/nz, 3 training seeds of the cpu DCGAN at nz 50, 100 and 200: "
                                    "std / mean of the FD, the largest (nz 100)"),
    "d_outputs": Spread(0.033, False, "reports/mnist/sweeps/nz, 3 training seeds of the cpu DCGAN at nz 50, 100 and 200: "
                                      "std of |D(x)-1/2|+|D(G(z))-1/2|, the largest (nz 50)"),
    "overlap": Spread(0.083, False, f"{SWEEP.format('mnist')} (the DCGAN) and reports/mnist/sweeps/mlp-lr (the MLP "
                                    "GAN at mlp_lr 0.0005, 2 seeds): std of the histogram overlap, the larger (the "
                                    "DCGAN's)"),
    "fd_scenes": Spread(0.45, True, "reports/dcgan/sweeps/cpu-b32-seeds, cpu-b32-seeds-more and cpu-b32-seeds-coverage, "
                                    "12 training seeds of the cpu profile: std / mean of FD minus its floor, the larger "
                                    "set (scenes_many); it ended farther beyond its floor than scenes_one in all 12 "
                                    "seeds, by 1.1x to 6.3x"),
    "recall_scenes": Spread(0.050, False, "reports/dcgan/sweeps/cpu-b32-seeds-coverage, 4 training seeds of the cpu "
                                          "profile: std of recall over its real-vs-real floor, the larger set "
                                          "(scenes_many; scenes_one 0.042)"),
    "accuracy": Spread(0.040, False, "reports/cgan/sweeps/cpu-seeds, 3 training seeds of the cpu profile: std of "
                                     "test.json accuracy, the largest of the report's configurations (Type 1 vanilla)"),
    "accuracy_variants": Spread(0.059, False, "reports/cgan/sweeps/variants-ema-seeds, 4 training seeds of the cpu "
                                              "profile's auxiliary-classifier variants: std of test.json accuracy, "
                                              "the larger (type1_vanilla_acgan, 53.6%, 62.5%, 48.9%, 58.6%)"),
    "diversity": Spread(0.55, True, "reports/cgan/sweeps/cpu-seeds, 3 training seeds of the cpu profile: std / mean "
                                    "of early diversity, the larger of Type 1 vanilla and WGAN-GP (vanilla's)"),
    "psnr": Spread(0.55, False, f"{INVERSION_SWEEP}: std of the fits' PSNR (dB), the largest set (in-domain)"),
    "ssim": Spread(0.043, False, f"{INVERSION_SWEEP}: std of the fits' SSIM, the largest set (in-domain)"),
    "fd_domains": Spread(0.60, True, f"{CYCLEGAN_SWEEP}: std / mean of FD to the target, the largest of the three "
                                     "translators' both ways (the ResNet striped -> plain: 3.2, 9.1, 3.8, 3.1)"),
    # Every SSIM the cyclegan claims compare is paired with the other on the same test scenes of one run (a
    # translation's and its untranslated input's, or two translators'), and the test scenes are drawn with the
    # seed: the margin is the spread of such a difference, not of either SSIM, which moves with the scenes.
    "ssim_translations": Spread(0.0117, False, f"{CYCLEGAN_SWEEP}: std of a difference between two SSIMs to the "
                                               "truth on the same test scenes (a translation's over the untranslated "
                                               "input's, or one translator's over another's), the largest (the U-Net "
                                               "plain -> striped over the input: -0.016, +0.002, -0.020, +0.002)"),
    "ssim_floor": Spread(0.0089, False, f"{CYCLEGAN_SWEEP}, rescored by benchmarks/cyclegan_ssim_regions.py --sweep: "
                                         "std of a difference between two SSIMs to the truth on the floor of the same "
                                         "test scenes, the largest (the augmented ResNet's over the U-Net's: -0.014, "
                                         "-0.023, -0.032, -0.033)"),
    "ssim_objects": Spread(0.0164, False, f"{CYCLEGAN_SWEEP}, rescored by benchmarks/cyclegan_ssim_regions.py "
                                          "--sweep: std of a difference between two SSIMs to the truth on the objects "
                                          "of the same test scenes, the largest (the U-Net's over the input's: +0.010, "
                                          "+0.027, -0.004, +0.031)"),
    "domain_rate": Spread(0.019, False, f"{CYCLEGAN_SWEEP}: std of the domain rate, the largest of the three "
                                        "translators' both ways (U-Net plain -> striped)"),
}


def differ(a: float, b: float, kind: str) -> int:
    """+1 when ``a`` is above ``b`` by more than twice the seed spread of ``kind``, -1 when below,
    0 when inside it. A relative spread (std / mean) compares the ratio: log(a / b) against twice it."""
    spread = SEED_SPREAD[kind]
    gap = math.log(a / b) if spread.relative else a - b
    return 1 if gap > spread.margin() else -1 if gap < -spread.margin() else 0
