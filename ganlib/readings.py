"""Each lab's reading: what its numbers mean, then every finding of the report it reproduces.

The sentences that compare numbers or give a verdict are the ``claims`` findings, the same ones
the index shows, so a notebook and the index cannot disagree. What comes before them only states
and explains the measured numbers. Text that comes from a user (dataset names, folders) is
escaped before it lands in the Markdown.
"""
from __future__ import annotations

from .claims import findings, who
from .escape import markdown as esc
from .lab_output import verdict
from .verdicts import DARK_EXCESS_MAX


def finding_lines(lab: str, metrics: dict, only: tuple[str, ...] | None = None) -> list[str]:
    """One paragraph per claim: what the report found, what this run measured, the verdict."""
    return [f"*{who(c).capitalize()}*: {esc(c.found)}. This run: {esc(f.measured)}. "
            + verdict(f"**{f.verdict}**: {esc(f.reason)}.") for c, f in findings(lab, metrics, only)]


def _mnist(metrics: dict, part: str | None) -> list[str]:
    runs, floor = metrics["runs"], metrics["frechet_floor"]
    lines = []
    if part in (None, "001") and {"dcgan_nz100", "dcgan_nz200"} <= runs.keys():
        a, b = runs["dcgan_nz100"], runs["dcgan_nz200"]
        lines.append(
            f"Over the last epoch, nz = 100 gives D(x) = {a['D_x']:.2f} and D(G(z)) = {a['D_G_z']:.2f}; nz = 200 gives "
            f"D(x) = {b['D_x']:.2f} and D(G(z)) = {b['D_G_z']:.2f}. The report drew its conclusion from one run and "
            "the last 19 log lines, where single iterations swing widely (its own nz = 200 excerpt has D(x) from 0.00 "
            "to 0.98). Here each is averaged over the last epoch and the two are compared against their spread across "
            f"training seeds (the verdict below). The judge sees the samples themselves: FD {a['frechet_distance']:.1f} vs "
            f"{b['frechet_distance']:.1f} (floor {floor:.1f}), confidence {a['judge_confidence']:.2f} vs "
            f"{b['judge_confidence']:.2f}.")
    if part in (None, "004"):
        lines += [f"- **{name}**: FD {r['frechet_distance']:.1f} (floor {floor:.1f}), confidence "
                  f"{r['judge_confidence']:.2f}, coverage {r['class_coverage']:.2f}, real/fake histogram overlap "
                  f"{r['hist_overlap']:.2f}" for name, r in runs.items() if "hist_overlap" in r]   # study 2's models
    only = {"001": ("latent_size",), "004": ("mlp_blurry", "lsgan_sharp", "histograms")}.get(part)
    return lines + finding_lines("mnist", metrics, only)


def _dcgan(metrics: dict, part: str | None) -> list[str]:
    lines = []
    for name, s in metrics["datasets"].items():
        if s.get("frechet_distance") is None:
            lines.append(f"- **{esc(name)}** ({esc(s['source'])}): no judge for this data, so no FD; D's accuracy "
                         f"over the last epoch {s['d_accuracy_final']:.1%}")
            continue
        d = s["dominance"]
        lines.append(
            f"- **{esc(name)}** ({esc(s['source'])}): FD {s['frechet_distance']:.1f}, "
            f"{s['frechet_distance'] / s['frechet_floor']:.1f}x its real-vs-real floor of {s['frechet_floor']:.1f}; "
            f"recall {s['recall']:.2f} (real scenes {s['recall_floor']:.2f}), precision {s['precision']:.2f} (real "
            f"scenes {s['precision_floor']:.2f}); sample diversity {s['sample_diversity']:.3f} (real images "
            f"{s['real_diversity']:.3f}); D's accuracy over the last epoch {s['d_accuracy_final']:.1%}, above 99% in "
            f"{d['share_last_epoch']:.0%} of its iterations")
    lines.append("The floor is what a perfect generator would score with this many samples: the varied set's is higher "
                 "because its images differ more from each other, so each FD is read against its own floor. Recall is "
                 "the share of held-out real scenes that some sample comes near (how much of the set's variety G "
                 "covers), precision the share of samples that lie among real scenes; the real scenes' own scores, "
                 "in brackets, are what as many real images reach.")
    return lines + finding_lines("dcgan", metrics)


def _cgan(metrics: dict, part: str | None) -> list[str]:
    lines = [f"Scored by the {esc(metrics['evaluator'])}: real scenes {metrics['judge_accuracy_real']:.1%}, random "
             f"guessing {metrics['chance_accuracy_test']:.1%} on test.json."]
    for config, c in metrics["configs"].items():
        steps, accs = c["accuracy_curve"]["g_steps"], c["accuracy_curve"]["test"]
        top = max(range(len(accs)), key=accs.__getitem__) if accs else None
        drawn = f" (drawn from an average of G, decay {c['ema']:g})" if c.get("ema") else ""
        lines.append(f"- **{config}**{drawn}: test.json {c['accuracy_test']['mean']:.1%}, new_test.json "
                     f"{c['accuracy_new_test']['mean']:.1%} (spread over the noise seeds {c['accuracy_test']['std']:.1%}); "
                     f"pixel diversity {c['early_diversity']:.3f} early, {c['final_diversity']:.3f} at the end"
                     + (f"; its snapshots peak at {accs[top]:.1%} after {steps[top]} G updates" if top is not None else ""))
    return lines + finding_lines("cgan", metrics)


def _inversion(metrics: dict, part: str | None) -> list[str]:
    fit, n = metrics["inversion"], metrics["n_scores"]

    def line(name, s):
        obj = f", error inside the object {s['object_mse']:.4f}" if "object_mse" in s else ""
        return f"{name}: PSNR {s['psnr']:.2f} dB, SSIM {s['ssim']:.3f}{obj}"

    outside = f"out-of-domain ({esc(metrics['out_of_domain'])})"
    seen = f"{line('training images (as the report inverted)', fit['training'])}; " if "training" in fit else ""
    lines = [f"Over {n} images each, {line('held-out in-domain', fit['in_domain'])}; {seen}"
             f"{line(outside, fit['out_of_domain'])}; "
             f"{line('the cat photo', fit['cat'])}."]
    g = metrics.get("generator")
    if g:
        lines.append(f"The generator itself: FD {g['frechet_distance']:.1f} to held-out images, "
                     f"{g['frechet_distance'] / g['frechet_floor']:.1f}x the real-vs-real floor of {g['frechet_floor']:.1f}.")
    lines.append("PSNR counts every pixel, so a large flat background fitted well lifts it; SSIM (1: the same structure, "
                 "0: none in common) follows edges and texture; the error inside the object is the mean squared error "
                 "over the object's pixels alone, in [-1, 1] units (0.01, about 5% of the range per pixel, still shows "
                 "as blur; 0.1 is a plain difference, 0.5 and more another image).")
    return lines + finding_lines("inversion", metrics)


def _recall(scores: dict) -> str:
    return "not measured" if scores.get("input_recall") is None else f"{scores['input_recall']:.0%}"


def _regions(s: dict, base: dict) -> str:
    if s.get("ssim_floor") is None:
        return ""
    return (f", on the objects {s['ssim_objects']:.2f} (input: {base['ssim_objects']:.2f}) and on the floor "
            f"{s['ssim_floor']:.2f} (input: {base['ssim_floor']:.2f})")


def _cyclegan(metrics: dict, part: str | None) -> list[str]:
    a, b = (esc(d) for d in metrics["domains"])
    base = metrics["identity_baseline"]
    lines = [f"The judge tells {a} from {b} on {metrics['judge_accuracy_real']:.1%} of the test images; untranslated, "
             f"{base['A2B']['domain_rate']:.0%} of the {a} test images pass for {b}. Diversity is the mean distance "
             f"between the translations of different inputs (the inputs themselves: {base['A2B']['diversity']:.3f}); "
             f"a generator that draws one image for every input has none. Input recall is the share of translations "
             f"whose own input is among the nearest 5% of the inputs (chance 5%): a generator that draws the same "
             f"object wherever the input's object was keeps some diversity but loses its inputs."]
    for config, c in metrics["configs"].items():
        s = c["A2B"]
        close = (f"SSIM to the true translation {s['ssim']:.2f} (input: {base['A2B']['ssim']:.2f}){_regions(s, base['A2B'])}"
                 if metrics["paired"] else
                 f"FD to real {b} {s['frechet_distance']:.3g} (input: {base['A2B']['frechet_distance']:.3g})")
        lines.append(f"- **{config}**, {a} -> {b}: {s['domain_rate']:.0%} judged {b}; {close}; diversity "
                     f"{s['diversity']:.3f}; input recall {_recall(s)}; mean change from the input {s['change']:.3f}; dark holes "
                     f"{s['dark_excess']:.1%} of the image (near-black beyond what it should have; holes: over "
                     f"{DARK_EXCESS_MAX:.0%}). {b} -> {a}: "
                     f"{c['B2A']['domain_rate']:.0%} judged {a}, diversity {c['B2A']['diversity']:.3f}, input recall "
                     f"{_recall(c['B2A'])}.")
    return lines + finding_lines("cyclegan", metrics)


READERS = {"mnist": _mnist, "dcgan": _dcgan, "cgan": _cgan, "inversion": _inversion, "cyclegan": _cyclegan}


def reading(lab: str, metrics: dict, part: str | None = None) -> str:
    """The lab's reading of ``metrics`` (its metrics.json) as Markdown; ``part`` picks the findings
    of one report where a lab reproduces two (mnist: '001' or '004')."""
    return "**Reading.**\n\n" + "\n\n".join(READERS[lab](metrics, part))
