"""The comparison with the original reports: a verdict only where the numbers carry it."""
import json
from pathlib import Path

import pytest

from ganlib import claims
from ganlib.claims import VERDICTS, Finding, findings, html_table

GOLDEN = Path(__file__).parent / "golden"


def mnist_runs(d100: tuple, d200: tuple) -> dict:
    run = lambda d_x, d_g_z, fd: {"D_x": d_x, "D_G_z": d_g_z, "frechet_distance": fd}
    return {"runs": {"dcgan_nz100": run(*d100, 20.0), "dcgan_nz200": run(*d200, 25.0),
                     "mlp_nz100": run(0.55, 0.45, 400.0), "dcgan_ls_nz100": run(0.6, 0.4, 21.0)}}


def verdict_of(lab: str, claim: int, metrics: dict) -> str:
    return findings(lab, metrics)[claim][1].verdict


def test_the_latent_size_claim_follows_the_distance_of_d_from_one_half():
    assert verdict_of("mnist", 0, mnist_runs((0.70, 0.30), (0.55, 0.45))) == "reproduced"
    assert verdict_of("mnist", 0, mnist_runs((0.55, 0.45), (0.70, 0.30))) == "not reproduced"
    assert verdict_of("mnist", 0, mnist_runs((0.60, 0.40), (0.605, 0.40))) == "inconclusive"


def test_cgan_accuracy_near_chance_is_not_a_reproduction_and_overlapping_spreads_are_inconclusive():
    def cgan(wgan: float, vanilla: float, std: float = 0.02) -> dict:
        acc = lambda m: {"accuracy_test": {"mean": m, "std": std}, "early_diversity": 0.01}
        return {"evaluator": "scene judge", "chance_accuracy_test": 0.104,
                "configs": {"type1_wgan-gp": acc(wgan), "type1_vanilla": acc(vanilla)}}

    assert verdict_of("cgan", 0, cgan(0.11, 0.10)) == "not reproduced"        # near chance
    assert verdict_of("cgan", 0, cgan(0.30, 0.10)) == "partly"                # learns, below 64%
    assert verdict_of("cgan", 0, cgan(0.65, 0.10)) == "reproduced"
    assert verdict_of("cgan", 2, cgan(0.11, 0.10)) == "inconclusive"          # WGAN-GP above vanilla?
    assert verdict_of("cgan", 2, cgan(0.30, 0.10)) == "reproduced"
    assert verdict_of("cgan", 2, cgan(0.10, 0.30)) == "not reproduced"


def test_inversion_must_beat_both_the_digits_and_the_photo():
    score = lambda psnr, ssim: {"psnr": psnr, "ssim": ssim}
    fit = lambda cat: {"inversion": {"in_domain": score(22.0, 0.5), "out_of_domain": score(12.0, 0.3), "cat": cat}}
    assert verdict_of("inversion", 0, fit(score(16.0, 0.07))) == "reproduced"
    assert verdict_of("inversion", 0, fit(score(21.0, 0.45))) == "partly"


def test_a_claim_whose_numbers_the_run_lacks_is_not_measured():
    finding = findings("cgan", {"configs": {}})[0][1]
    assert finding == Finding("-", "not measured", "this run did not compute the numbers this needs")


@pytest.mark.parametrize("lab", ["mnist", "cgan", "dcgan", "inversion", "cyclegan"])
def test_every_claim_reads_the_smoke_run_without_placeholders(lab):
    metrics = json.loads((GOLDEN / f"{lab}.json").read_text())["metrics"]
    for claim, finding in findings(lab, metrics):
        assert finding.verdict in VERDICTS
        assert finding.verdict != "not measured", (claim.found, "the smoke run must compute every claim's numbers")
        assert not any(word in finding.measured for word in ("None", "nan", "{")), finding.measured
    page = html_table(lab, metrics)
    assert page.count("<tr>") == len(claims.CLAIMS[lab]) + 1
