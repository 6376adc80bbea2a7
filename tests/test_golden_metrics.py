"""The numbers of the golden smoke runs, compared with tolerances that hold on any processor.

nbval re-runs each golden notebook (tests/notebooks/) with its numbers masked; here the
metrics.json and figures of that same run are checked against tests/golden/<lab>.json. Counts,
names and settings must match exactly; measured values within the tolerances below.

Each tolerance was set from ``tests/portability_spread.py``: the same smoke runs with oneDNN and
ATen limited to AVX2 and to SSE4.1, and with 1 and 4 threads instead of 2, change only the rounding
of the arithmetic; the largest change of each metric over those runs (2-core EPYC) is quoted beside
it. Each tolerance leaves room above that spread and stays below what a broken loss, learning rate
or network moves the metric by (the changes that the suite was checked to catch).
"""
from __future__ import annotations

import json
import math
from fnmatch import fnmatch
from pathlib import Path

import pytest

from conftest import nbval_out
from golden_outputs import flatten, is_machine, read_outputs

GOLDEN = Path(__file__).parent / "golden"
LABS = ("mnist", "cgan", "dcgan", "inversion", "cyclegan")

# metric pattern -> (absolute, relative) tolerance: |got - golden| <= abs + rel * |golden|.
# The first pattern that matches a "lab:metric" name applies; the comment gives the largest change
# measured over AVX2, SSE4.1, 1 and 4 threads against the native AVX-512 run with 2 threads.
TOLERANCES = {
    # real data through a judge: only rounding moves these
    "*frechet_floor": (0.0, 0.01),                   # 0.14 of 167 (0.08%)
    "*judge_accuracy_real": (0.07, 0.0),             # cyclegan: 1 of 32 test images (0.031); cgan: 0
    "*identity_baseline.*.domain_rate": (0.13, 0.0),  # 1 of 16 images (0.0625)
    "*identity_baseline.*": (1e-4, 1e-4),            # untranslated inputs: 0
    # mnist: 24 training steps amplify rounding into the samples
    "mnist:*.frechet_distance": (0.0, 0.12),         # 379 of 8,938 (4.2%, MLP); DCGANs 55 of 1,926 (2.9%)
    "mnist:*.judge_confidence": (0.05, 0.0),         # 0
    "mnist:*.class_coverage": (0.05, 0.0),           # 0
    "mnist:*.D_*": (0.05, 0.0),                      # 0.018
    # cgan: accuracies count objects (steps of 1/72 on test.json, 1/84 on new_test.json)
    "cgan:*.accuracy_*.std": (0.03, 0.0),            # 0.020
    "cgan:*.accuracy_*": (0.045, 0.0),               # 0.028 (2 of 72; variants and accuracy curves included, 2-core Xeon)
    "cgan:*.early_diversity": (0.002, 0.0),          # 0.0001
    "cgan:*.final_diversity": (0.002, 0.0),          # 0.00001 (AVX2-limited vs native, 2-core EPYC)
    "mnist:*.hist_overlap": (0.1, 0.0),              # 0.033 (AVX2-limited vs native, 2-core EPYC)
    "*sample_diversity": (0.002, 0.0),               # 0.00008 (dcgan, inversion; AVX2-limited vs native, EPYC)
    "*real_diversity": (0.002, 0.0),                 # 0 (real images)
    "dcgan:*.dominance.g_loss_*": (0.0, 0.05),       # 0.0025 of 1.24 (0.2%)
    "dcgan:*.dominance.share_last_epoch": (0.1, 0.0),  # 0
    "dcgan:*.dominance.from": (50.0, 0.0),           # 0 (an iteration number)
    "inversion:generator.frechet_distance": (0.0, 0.05),  # 8.3 of 3,038 (0.3%)
    "cyclegan:*.change": (0.003, 0.0),               # 0.0009 (AVX2-limited vs native, 2-core EPYC)
    "cyclegan:*.diversity": (0.004, 0.0),            # 0.0010
    "cyclegan:*.dark_excess": (0.01, 0.0),           # 0
    "cyclegan:*.input_recall": (0.13, 0.0),          # 0.0625 (one of 16 test images; AVX2-limited vs native, EPYC)
    # dcgan
    "dcgan:*.frechet_distance": (0.0, 0.05),         # 16.7 of 1,455 (1.1%)
    "dcgan:*.d_accuracy_final": (0.03, 0.0),         # 0.010
    "dcgan:*.precision*": (0.03, 0.0),               # 0.005 (1 of 200 scenes, SSE4.1-limited vs native, EPYC)
    "dcgan:*.recall*": (0.03, 0.0),                  # 0.010 (2 of 200 scenes, SSE4.1-limited vs native, EPYC)
    # inversion and cyclegan: reconstruction and translation scores
    "*psnr*": (0.3, 0.0),                            # 0.083 dB (cyclegan); inversion 0.018 dB
    "inversion:*mse*": (0.0, 0.08),                  # 0.0035 of 0.559 (0.6%, 2-core Xeon)
    "inversion:*.ssim": (0.01, 0.0),                 # 0.0017 (2-core Xeon)
    "cyclegan:*.l1": (0.003, 0.0),                   # 0.0008
    "cyclegan:*.ssim": (0.035, 0.0),                 # 0.018 (resnet_aug B2A, AVX2-limited vs native, EPYC)
    "cyclegan:*.ssim_*": (0.035, 0.0),               # 0.0070 on the floor, 0.0033 on the objects (SSE4.1-limited, EPYC;
                                                     # whole-image SSIM moved 0.0050 in the same runs)
    "cyclegan:*.domain_rate": (0.13, 0.0),           # 0 (1 of 16 images is 0.0625)
    "cyclegan:*.frechet_distance": (0.003, 0.0),     # 0.0006
}


def tolerance(lab: str, key: str) -> tuple[float, float]:
    for pattern, tol in TOLERANCES.items():
        if fnmatch(f"{lab}:{key}", pattern):
            return tol
    return (0.0, 0.0)   # not measured: must be bitwise (counts, settings, names)


def mismatches(lab: str, golden: dict, got: dict) -> list[str]:
    """One line per metric of ``got`` that is missing, extra or outside its tolerance."""
    golden, got = flatten(golden), flatten(got)
    lines = [f"{k}: missing (golden {golden[k]!r})" for k in golden.keys() - got.keys()]
    lines += [f"{k}: not in the golden file (got {got[k]!r})" for k in got.keys() - golden.keys()]
    for key in sorted(golden.keys() & got.keys()):
        want, have = golden[key], got[key]
        if is_machine(key):
            continue
        if isinstance(want, float) and isinstance(have, (int, float)) and not isinstance(have, bool):
            a, r = tolerance(lab, key)
            if not math.isclose(have, want, rel_tol=r, abs_tol=a):
                lines.append(f"{key}: {have:.8g} vs golden {want:.8g} (tolerance {a:g} + {r:g} x golden)")
        elif have != want:
            lines.append(f"{key}: {have!r} vs golden {want!r}")
    return lines


@pytest.fixture
def nbval_run(request, lab):
    """The outputs of nbval's run of the lab's golden notebook in this session."""
    if not request.config.getoption("nbval", default=False):
        pytest.skip("reads the notebooks' run: run with --nbval (make test)")
    folder = nbval_out(lab)
    if not (folder / "metrics.json").exists():
        pytest.fail(f"nbval's run of {lab}.ipynb wrote no metrics.json in {folder} (did the notebook fail?)")
    return read_outputs(folder)


@pytest.mark.parametrize("lab", LABS)
def test_smoke_run_writes_the_golden_figures_and_metrics_within_tolerance(lab, nbval_run):
    golden = json.loads((GOLDEN / f"{lab}.json").read_text())
    assert nbval_run["figures"] == golden["figures"]
    assert mismatches(lab, golden["metrics"], nbval_run["metrics"]) == []


def test_the_comparison_catches_what_it_should():
    golden = {"fd": 100.0, "runs": {"a": {"acc": 0.5, "n": 3}}, "name": "x", "seconds": 5.0}
    assert mismatches("lab", golden, {**golden, "seconds": 9.0}) == []        # timings are not compared
    assert mismatches("lab", golden, {**golden, "name": "y"}) == ["name: 'y' vs golden 'x'"]
    assert mismatches("lab", golden, {**golden, "runs": {"a": {"acc": 0.5, "n": 4}}}) == ["runs.a.n: 4 vs golden 3"]
    assert mismatches("lab", golden, {"fd": 100.0, "runs": {"a": {"acc": 0.5, "n": 3}}, "seconds": 1.0}) \
        == ["name: missing (golden 'x')"]
    assert mismatches("lab", golden, {**golden, "fd": 100.0 + 1e-9})[0].startswith("fd: 100 vs golden 100 (tolerance 0 + 0 x golden)")
