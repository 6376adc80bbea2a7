"""What each original report found, set beside what a run measured, with a verdict.

A lab's claims are small functions of its ``metrics.json``, each returning a ``Finding``
(``ganlib.verdicts``). The notebooks' readings (``ganlib.readings``), their closing tables and
the index page all come from here, so a verdict is computed one way only. Each claim states its
measure (the report's own, or the closest one), what must have learned for it to be read, and
which seed spread its margin comes from; ``docs/claims.md`` is generated from these fields.
"""
from __future__ import annotations

from dataclasses import replace

import html

from . import claims_cgan, claims_cyclegan
from .verdicts import (DIGITS_FD_RATIO, SCENES_FD_RATIO, VERDICTS, Claim, Finding, differ, digit_like, digits_learnt,
                       generator_learnt, get, not_learnt)

__all__ = ["CLAIMS", "Claim", "Finding", "VERDICTS", "findings", "html_table", "show"]


# ---- mnist: reports 001 (latent size) and 004 part 1 (MLP vs DCGAN vs LSGAN) ----

def _digits(metrics: dict, key: str, name: str):
    run = get(metrics, "runs", key)
    return run, digits_learnt(name, run, get(metrics, "frechet_floor"))


def _latent_size(metrics: dict) -> Finding:
    (a, la), (b, lb) = _digits(metrics, "dcgan_nz100", "DCGAN nz=100"), _digits(metrics, "dcgan_nz200", "DCGAN nz=200")
    near100, near200 = a["D_distance_from_half"], b["D_distance_from_half"]
    measured = f"|D(x)-1/2|+|D(G(z))-1/2| over the last epoch: nz=100 {near100:.3f}, nz=200 {near200:.3f}"
    outcome = not_learnt(measured, la, lb)
    if outcome:
        return outcome
    closer = differ(near100, near200, "d_outputs")
    if closer == 0:
        return Finding(measured, "inconclusive", "the two differ by less than twice the spread across seeds")
    if closer > 0:
        return Finding(measured, "reproduced", "nz=200 ends closer to 0.5, beyond the seed spread")
    return Finding(measured, "not reproduced", "nz=200 ends farther from 0.5 than nz=100, beyond the seed spread")


def _dcgan_sharper_than_mlp(metrics: dict) -> Finding:
    (mlp, lm), (dcgan, ld) = _digits(metrics, "mlp_nz100", "MLP GAN"), _digits(metrics, "dcgan_nz100", "DCGAN")
    floor = get(metrics, "frechet_floor")
    measured = (f"FD over its floor: MLP {mlp['frechet_distance'] / floor:.1f}x, DCGAN "
                f"{dcgan['frechet_distance'] / floor:.1f}x; judge confidence {mlp['judge_confidence']:.2f} vs "
                f"{dcgan['judge_confidence']:.2f}")
    outcome = not_learnt(measured, ld)
    if outcome:
        return outcome
    # an MLP that draws no digits at all did not learn: it is not the report's blurry one
    outcome = not_learnt(measured, digit_like("MLP GAN", mlp))
    if outcome:
        return replace(outcome, reason=f"{outcome.reason}; the DCGAN draws sharp digits")
    if not lm.ok:
        return Finding(measured, "reproduced", "the DCGAN's digits pass the learned bar; the MLP GAN draws digits of "
                                               "most classes that stay far from real ones, as the report's unclear ones did")
    if differ(mlp["frechet_distance"], dcgan["frechet_distance"], "fd_digits") > 0:
        return Finding(measured, "partly", "both draw digits; the DCGAN's are closer to real ones, beyond the seed spread")
    return Finding(measured, "not reproduced", "the MLP GAN draws digits as close to real ones as the DCGAN")


def _lsgan_as_sharp(metrics: dict) -> Finding:
    (dcgan, ld), (ls, ll) = _digits(metrics, "dcgan_nz100", "DCGAN"), _digits(metrics, "dcgan_ls_nz100", "LSGAN DCGAN")
    measured = f"FD: DCGAN {dcgan['frechet_distance']:.1f}, LSGAN DCGAN {ls['frechet_distance']:.1f}"
    outcome = not_learnt(measured, ld, ll)
    if outcome:
        return outcome
    if differ(ls["frechet_distance"], dcgan["frechet_distance"], "fd_digits") <= 0:
        return Finding(measured, "reproduced", "LSGAN is as close to the data as DCGAN (within the seed spread) or closer")
    return Finding(measured, "not reproduced", "LSGAN's digits are farther from real ones, beyond the seed spread")


# Histograms of D's outputs that share at most this much of their mass are "separate": the report's DCGAN
# histograms sat near 1 (real) and near 0 (fake)
SEPARATE_OVERLAP = 0.25


def _histograms(metrics: dict) -> Finding:
    (mlp, _), (dcgan, ld) = _digits(metrics, "mlp_nz100", "MLP GAN"), _digits(metrics, "dcgan_nz100", "DCGAN")
    ls = get(metrics, "runs", "dcgan_ls_nz100")
    measured = (f"overlap of D's real and fake histograms (0 apart, 1 the same): MLP {mlp['hist_overlap']:.2f}, "
                f"DCGAN {dcgan['hist_overlap']:.2f}, LSGAN {ls['hist_overlap']:.2f}")
    # The report's MLP drew blurry digits that D could not tell apart; an MLP that draws no digits
    # at all is separated trivially, which says nothing about the report's finding.
    outcome = not_learnt(measured, ld, digit_like("MLP GAN", mlp))
    if outcome:
        return outcome
    separates = differ(mlp["hist_overlap"], dcgan["hist_overlap"], "overlap")
    if separates == 0:
        return Finding(measured, "inconclusive", "the MLP's and the DCGAN's overlaps lie within twice the seed spread")
    if separates < 0:
        return Finding(measured, "not reproduced", "the DCGAN's histograms overlap more than the MLP's")
    if dcgan["hist_overlap"] > SEPARATE_OVERLAP:
        return Finding(measured, "partly", f"the MLP's histograms overlap more than the DCGAN's, but the DCGAN's still "
                                           f"share {dcgan['hist_overlap']:.2f} of their mass: shifted apart, not "
                                           f"separate (at most {SEPARATE_OVERLAP:g})")
    if differ(ls["hist_overlap"], dcgan["hist_overlap"], "overlap") >= 0:
        return Finding(measured, "reproduced", "the MLP's histograms overlap more than the DCGAN's, which separate; "
                                               "LSGAN's overlap no less")
    return Finding(measured, "partly", "the MLP's overlap more than the DCGAN's, but LSGAN's overlap less, not more")


# ---- dcgan: report 000 (cars vs cats) ----

def _scene_sets(metrics: dict):
    """The lab's datasets in order (uniform first, varied second) with their learned checks."""
    sets = list(get(metrics, "datasets").items())[:2]
    return [(name, s, generator_learnt(name, s["frechet_distance"], s["frechet_floor"], SCENES_FD_RATIO,
                                       s.get("sample_diversity"), s.get("real_diversity"))) for name, s in sets]


def coverage(scores: dict) -> float:
    """Recall over its real-vs-real floor: how much of its set's variety a generator's samples cover,
    1 when as much as as many real images do."""
    return scores["recall"] / scores["recall_floor"]


def _varied_is_harder(metrics: dict) -> Finding:
    (uniform, u, lu), (varied, v, lv) = _scene_sets(metrics)
    ru, rv = u["frechet_distance"] / u["frechet_floor"], v["frechet_distance"] / v["frechet_floor"]
    # The floor is what 1,000 real images score against the held-out ones: a varied set's is higher, so
    # the ratio flatters it. What a generator adds beyond its floor compares the two sets.
    eu, ev = u["frechet_distance"] - u["frechet_floor"], v["frechet_distance"] - v["frechet_floor"]
    cu, cv = coverage(u), coverage(v)
    measured = (f"FD over its real-vs-real floor: {uniform} {ru:.1f}x, {varied} {rv:.1f}x; beyond the floor: "
                f"{uniform} {eu:.1f}, {varied} {ev:.1f}; recall over its floor (the variety covered): {uniform} "
                f"{cu:.2f}, {varied} {cv:.2f}; precision (samples among real ones): {uniform} {u['precision']:.2f}, "
                f"{varied} {v['precision']:.2f}")
    if not lu.ok and lv.ok:
        state = "ends at the edge of the learned bar" if lu.edge else "is not"
        return Finding(measured, "not reproduced", f"the varied set ({varied}) is learnt and the uniform one {state} "
                                                   f"({lu.numbers})")
    outcome = not_learnt(measured, lu)
    if outcome:
        return outcome
    if not lv.ok:
        return Finding(measured, "reproduced", f"the uniform set is learnt, the varied one ({varied}) is not")
    # +1: the varied set is the harder one by that measure (covers less; ends farther beyond its floor)
    cover, fd = differ(cu, cv, "recall_scenes"), differ(ev, eu, "fd_scenes")
    if min(cover, fd) < 0 < max(cover, fd):
        return Finding(measured, "inconclusive", "both are learnt, and recall and FD disagree beyond the seed spread "
                                                 "on which set is the harder one")
    if max(cover, fd) > 0:
        by = " and ".join(part for part, gap in (("its samples cover less of its variety", cover),
                                                 ("it ends farther beyond its floor", fd)) if gap > 0)
        # precision has no seed margin: it only says which way each set falls short
        plausible = (" (its samples lie among real scenes more often than the uniform set's, by precision: it draws "
                     "plausible scenes of fewer kinds)"
                     if v["precision"] / v["precision_floor"] > u["precision"] / u["precision_floor"] else "")
        return Finding(measured, "partly", f"both are learnt, but the varied set is the harder one: {by}, beyond the "
                                           f"seed spread{plausible}")
    if min(cover, fd) < 0:
        return Finding(measured, "not reproduced", "both are learnt, and the varied set is the easier one (it covers "
                                                   "more of its variety, or ends closer to its floor), beyond the seed "
                                                   "spread")
    return Finding(measured, "inconclusive", "both are learnt, and their recall and their distances beyond the floor "
                                             "lie within twice the seed spread of each other: one run cannot tell "
                                             "them apart")


def _d_overpowers(metrics: dict) -> Finding:
    sets = _scene_sets(metrics)
    dom = {name: get(s, "dominance") for name, s, _ in sets}
    measured = "; ".join(
        f"{name}: D above 99% in {d['share_last_epoch']:.0%} of the last epoch's iterations, G's loss "
        + (f"{d['g_loss_then']:.2f} when D's accuracy (mean of 25 iterations) first rose above 99%, "
           f"{d['g_loss_last']:.2f} at the end" if d["from"] is not None
           else "-") for name, d in dom.items())
    # a set at the edge of the learned bar did not clearly fail: it is no evidence of a broken training
    broken = [name for name, _, learnt in sets if not learnt.ok and not learnt.edge and dom[name]["from"] is not None
              and dom[name]["g_loss_last"] >= dom[name]["g_loss_then"]]
    learnt = [name for name, _, l in sets if l.ok or l.edge]
    if not any(l.ok for _, _, l in sets):
        return not_learnt(measured, *(l for _, _, l in sets))
    if broken:
        checks = {name: l for name, _, l in sets}
        return Finding(measured, "reproduced", f"on {', '.join(broken)} D rose above 99%, G's loss rose after it and G did "
                                               f"not learn ({'; '.join(checks[n].numbers for n in broken)}); "
                                               f"{', '.join(learnt)} learnt")
    if any(dom[n]["from"] is not None for n in learnt):
        edge = [name for name, _, l in sets if l.edge and not l.ok]
        still = f"G still learned {' and '.join(n for n in learnt if n not in edge)}" + (
            f" and ended at the edge of the learned bar on {', '.join(edge)}" if edge else "")
        return Finding(measured, "partly", f"D passed 99% and G's loss rose, but {still}: training did not break")
    return Finding(measured, "not reproduced", "D's accuracy (mean of 25 iterations) never rose above 99%")


# ---- inversion: report 003 ----

PSNR_WORDS = {"out_of_domain": "the out-of-domain images", "cat": "the cat photo"}


def _inversion_in_vs_out(metrics: dict) -> Finding:
    """In-domain fits must beat both the out-of-domain set and the photo, by PSNR and by SSIM."""
    fit = get(metrics, "inversion")
    inside = fit["in_domain"]
    measured = "PSNR / SSIM: " + ", ".join(
        f"{name} {fit[key]['psnr']:.1f} dB / {fit[key]['ssim']:.2f}"
        for key, name in (("in_domain", "in-domain"), ("out_of_domain", "out-of-domain"), ("cat", "cat photo")))
    sampled = metrics.get("generator")
    if sampled:
        learnt = generator_learnt("G", sampled["frechet_distance"], sampled["frechet_floor"], SCENES_FD_RATIO,
                                  sampled.get("sample_diversity"), sampled.get("real_diversity"))
        outcome = not_learnt(measured, learnt)
        if outcome:
            return outcome
    beaten = [key for key in PSNR_WORDS if differ(inside["psnr"], fit[key]["psnr"], "psnr") > 0
              and differ(inside["ssim"], fit[key]["ssim"], "ssim") > 0]
    if len(beaten) == 2:
        return Finding(measured, "reproduced", "in-domain images are fitted better than the others, by PSNR and SSIM "
                                               "beyond the seed spread")
    if beaten:
        return Finding(measured, "partly", f"in-domain images are fitted better than {PSNR_WORDS[beaten[0]]} only")
    return Finding(measured, "not reproduced", "in-domain images are not fitted better than the others")


MNIST_LEARNT = f"each DCGAN: FD <= {DIGITS_FD_RATIO:g}x floor and class coverage >= 0.8"
SCENES_LEARNT = f"FD <= {SCENES_FD_RATIO:g}x its real-vs-real floor and samples >= half as diverse as real ones"

CLAIMS: dict[str, list[Claim]] = {
    "mnist": [
        Claim("latent_size", "001", "with nz=200, D(x) and D(G(z)) end closer to 0.5 than with nz=100 (by eye)",
              "|D(x) - 1/2| + |D(G(z)) - 1/2|, both averaged over the last epoch", MNIST_LEARNT,
              "d_outputs", _latent_size),
        Claim("mlp_blurry", "004", "the MLP GAN draws blurry digits, DCGAN sharp ones",
              "FD to real digits over its floor (the judge's features), judge confidence",
              f"the DCGAN ({MNIST_LEARNT}); the MLP failing is the report's finding", "fd_digits",
              _dcgan_sharper_than_mlp),
        Claim("lsgan_sharp", "004", "the LSGAN DCGAN draws digits as sharp as DCGAN's", "FD to real digits",
              f"both ({MNIST_LEARNT})", "fd_digits", _lsgan_as_sharp),
        Claim("histograms", "004", "D's real/fake histograms overlap for the MLP, separate for DCGAN",
              "overlap of the histograms of D's outputs on real and fake digits (sum of bin-wise minima); "
              f"separate: at most {SEPARATE_OVERLAP:g}",
              f"the DCGAN ({MNIST_LEARNT}); the MLP's samples read as digits of most classes (coverage >= 0.8, "
              "blurry or not), as the report's blurry ones were", "overlap", _histograms),
    ],
    "cgan": claims_cgan.CLAIMS,
    "dcgan": [
        Claim("varied_harder", "000", "the varied dataset (cats) fails where the uniform one (cars) is learnt",
              "FD of 1,000 samples to held-out real images (scene judge): learnt or not by its ratio to the "
              "real-vs-real floor; the two sets compared by recall (improved precision and recall, Kynkaanniemi "
              "et al. 2019, in the scene judge's features: the share of held-out real scenes the samples come "
              "near, over what 1,000 real scenes score) and by how far each lies beyond its FD floor",
              f"the uniform set: {SCENES_LEARNT}; the varied set failing is the report's finding",
              "recall_scenes, fd_scenes",
              _varied_is_harder),
        Claim("d_overpowers", "000", "D can pass 99% accuracy, overpower G and break training",
              "D's accuracy over the last epoch, and G's loss from when D first rose above 99% to the end",
              f"the other set ({SCENES_LEARNT}): without a set that learns, a stalled G cannot be told from "
              "a short budget", "-", _d_overpowers),
    ],
    "inversion": [
        Claim("in_vs_out", "003", "the fitted z reproduces in-domain images well, an unrelated photo poorly",
              "PSNR and SSIM of the fits: held-out in-domain images vs out-of-domain images and a cat photo",
              f"G (rendered data only): {SCENES_LEARNT}", "psnr, ssim", _inversion_in_vs_out),
    ],
    "cyclegan": claims_cyclegan.CLAIMS,
}


def findings(lab: str, metrics: dict, only: tuple[str, ...] | None = None) -> list[tuple[Claim, Finding]]:
    return [(claim, claim.judge(metrics)) for claim in CLAIMS.get(lab, []) if only is None or claim.id in only]


def who(claim: Claim) -> str:
    return "this lab's addition" if claim.report == "lab" else f"report {claim.report}"


def html_table(lab: str, metrics: dict, measured_by: str = "we measured") -> str:
    """The comparison as an HTML table: the report found / we measured / verdict."""
    rows = "".join(
        f"<tr><td>{html.escape(who(c))}: {html.escape(c.found)}</td><td>{html.escape(f.measured)}</td>"
        f"<td class='v {f.verdict.replace(' ', '-')}'><b>{f.verdict}</b>: {html.escape(f.reason)}</td></tr>"
        for c, f in findings(lab, metrics))
    return (f"<table class='claims'><tr><th>the report found</th><th>{html.escape(measured_by)}</th>"
            f"<th>verdict</th></tr>{rows}</table>")


def show(lab: str, metrics: dict) -> None:
    """Display the comparison in a notebook (as HTML, with a plain-text form for text frontends)."""
    from IPython.display import display

    text = "\n".join(f"- {who(c)}: {c.found}\n  measured: {f.measured}\n  verdict: {f.verdict} ({f.reason})"
                     for c, f in findings(lab, metrics))
    display({"text/html": html_table(lab, metrics, "this run measured"), "text/plain": text}, raw=True)


DOC = "docs/claims.md"


def doc_page() -> str:
    """``docs/claims.md``: every claim with its measure, learned-check and margin, and what each verdict means."""
    from .verdicts import MEANING, SEED_SPREAD

    def margin(kinds: str) -> str:
        if kinds == "-":
            return "none: thresholds only"
        return "; ".join(f"{SEED_SPREAD[k].describe()}, from {SEED_SPREAD[k].source}"
                         for k in (k.strip() for k in kinds.split(",")))

    cell = lambda text: text.replace("|", "\\|")
    lines = ["# How the labs are compared with the reports",
             "",
             "Generated from `ganlib/claims.py`, `ganlib/claims_cgan.py` and `ganlib/claims_cyclegan.py` "
             "(`python -m ganlib claims --write`); the tests fail when this page is stale.",
             "",
             "Each claim is one finding of an original report. A run's `metrics.json` gives it a verdict in two steps. "
             "First, did the models it needs learn? The learned-check names its threshold. Then the report's own measure, "
             "or the closest one, compares the models; two numbers differ only when they lie further apart than twice "
             "their spread across training seeds (for Frechet distances, whose spread grows with them, when their "
             "ratio lies beyond exp(2 x the relative spread)), measured by committed seed sweeps of the `cpu` "
             "profile (`reports/<lab>/sweeps/`). Thresholds of the learned-checks are in `ganlib/verdicts.py`, each "
             "with the samples it was chosen by.",
             "",
             "| verdict | meaning |", "|---|---|",
             *(f"| {v} | {m} |" for v, m in MEANING.items()),
             ""]
    for lab, lab_claims in CLAIMS.items():
        lines += [f"## {lab}", "", "| report | finding | measure | learned-check | margin |", "|---|---|---|---|---|"]
        lines += [f"| {who(c)} | {cell(c.found)} | {cell(c.measure)} | {cell(c.learned)} | {cell(margin(c.margin))} |"
                  for c in lab_claims]
        lines.append("")
    return "\n".join(lines)
