"""``reports/index.html``: what each lab reproduced, read in a minute.

First one summary table, a row per lab (a line per run inside it): the verdicts counted by kind, the
run's profile, processor and device, wall time, and links to its report view and notebook. Then per lab and run: the comparison table (the report found / we measured / verdict, from
``claims``), the two figures that show it, and behind a fold the other figures, the original
report's own numbers and every metric. Figures are shown at their own size or smaller, never
larger, and the page fits a 1600 px window.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from . import claims
from .escape import href, text
from .folders import STATUS_WORDS, read_metrics, read_run, status
from .labs import LABS, resolve_params
from .pages import REPORT_VIEW
from .params import PROFILES, ParameterError
from .verdicts import VERDICTS

SHOWN_FIGURES = 2     # per run, above the fold

STYLE = """
body{font-family:system-ui,sans-serif;max-width:1500px;margin:0 auto;padding:0 16px;line-height:1.4}
table{border-collapse:collapse;font-size:14px;margin:6px 0}
td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3}
table.claims td:nth-child(1){width:30%}table.claims td:nth-child(2){width:35%}
td.reproduced{background:#e5f5e0}td.partly{background:#fff7d6}td.not-reproduced{background:#fde0dd}
td.inconclusive,td.not-measured{background:#eee}td.not-learnt{background:#e3e8f8}
.figures{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
.figures figure{margin:0;max-width:calc(50% - 4px)}
.figures img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:12px;color:#555}
details{margin:6px 0 18px}summary{cursor:pointer;color:#036}
table.metrics{font-size:12px}
table.summary td div{white-space:nowrap}
span.v{padding:0 4px;margin-right:4px;border-radius:3px;white-space:nowrap}
span.reproduced{background:#e5f5e0}span.partly{background:#fff7d6}span.not-reproduced{background:#fde0dd}
span.inconclusive,span.not-measured{background:#eee}span.not-learnt{background:#e3e8f8}
"""


def metrics_table(metrics: dict) -> str:
    """Every metric, nested keys joined by dots."""
    rows = []

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
            return
        values = value if isinstance(value, list) else [value]
        shown = ", ".join(f"{v:.4g}" if isinstance(v, float) else text(str(v)) for v in values)
        rows.append(f"<tr><td>{text(prefix)}</td><td>{shown}</td></tr>")

    walk("", metrics)
    return "<table class='metrics'>" + "".join(rows) + "</table>"


def _timing(run: dict) -> str:
    if not isinstance(run.get("seconds"), (int, float)):
        return f", started {run.get('started_utc', '?')}"
    return f", wall time {run['seconds']:.0f} s, {run.get('finished_utc')}"


def _figures(lab, name: str, folder: Path, figures: list[str]) -> str:
    shown = [f for f in figures if (folder / "figures" / f"{f}.png").exists()]
    if not shown:
        return ""
    return "<div class='figures'>" + "".join(
        f"<figure><a href='{href(lab.id, name, 'figures', f + '.png')}'><img src='{href(lab.id, name, 'figures', f + '.png')}'"
        f" alt='{text(f)}'></a><figcaption>{text(f)}</figcaption></figure>" for f in shown) + "</div>"


def _title(lab, name: str, run: dict) -> str:
    """'profile cpu' (or for a run written with --out, its name and profile) and what the run changed
    from the profile, e.g. ', resume = True'."""
    head = f"profile {name}" if name in PROFILES else f"run {name}: profile {run.get('profile', '?')}"
    try:
        base = resolve_params(lab.id, run["profile"])
    except (ParameterError, KeyError, TypeError, ValueError):
        base = {}
    params = run.get("parameters") if isinstance(run.get("parameters"), dict) else {}
    changed = {k: v for k, v in params.items() if base.get(k) != v}
    return head + "".join(f", {k} = {v}" for k, v in changed.items())


def _measured_by(profile: str, metrics: dict) -> str:
    hw = metrics.get("hardware") if isinstance(metrics.get("hardware"), dict) else {}
    where = ", ".join(str(hw[k]) for k in ("processor", "device", "precision") if k in hw)
    return f"we measured (profile {profile}{', ' + where if where else ''})"


def run_section(lab, name: str, folder: Path) -> str:
    run = read_run(folder)
    state = STATUS_WORDS.get(status(folder), status(folder)) if run else "unreadable: run.json cannot be read"
    view = f"<a href='{href(lab.id, name, REPORT_VIEW)}'>report</a>, " if (folder / REPORT_VIEW).exists() else ""
    parts = [f"<h3>{text(_title(lab, name, run))}: {view}<a href='{href(lab.id, name, lab.id + '.html')}'>notebook"
             f"</a> ({text(state)}{text(_timing(run))})</h3>"]
    metrics = read_metrics(folder) or {}
    if (folder / "metrics.json").exists() and not metrics:
        parts.append("<p class='unreadable'>unreadable: metrics.json is empty, truncated or not a JSON object; "
                     "run the lab again to rewrite it</p>")
    if metrics:
        parts.append(claims.html_table(lab.id, metrics, _measured_by(run.get("profile", name), metrics)))
    parts.append(_figures(lab, name, folder, lab.key_figures[:SHOWN_FIGURES]))
    fold = [_figures(lab, name, folder, lab.key_figures[SHOWN_FIGURES:])]
    if metrics:
        fold.append("<h4>Every metric</h4>" + metrics_table(metrics))
    parts.append("<details><summary>more figures and every metric</summary>" + "".join(fold) + "</details>")
    return "\n".join(parts)


def lab_runs(root: Path, lab) -> list[str]:
    """The lab's run folders holding a run.json: the profiles first, then runs written with --out."""
    lab_dir = root / lab.id
    others = sorted(p.name for p in lab_dir.iterdir() if p.is_dir() and p.name not in PROFILES) \
        if lab_dir.is_dir() else []
    return [name for name in [*PROFILES, *others] if (lab_dir / name / "run.json").exists()]


def _verdict_counts(lab, metrics: dict) -> str:
    counts = Counter(f.verdict for _, f in claims.findings(lab.id, metrics)) if metrics else Counter()
    return " ".join(f"<span class='v {v.replace(' ', '-')}'>{counts[v]} {v}</span>" for v in VERDICTS if counts[v]) \
        or "no metrics"


def _summary_line(lab, name: str, folder: Path) -> dict:
    """One run's cells in the summary: its verdicts, profile, hardware, wall time and pages."""
    run, metrics = read_run(folder), read_metrics(folder) or {}
    hw = metrics.get("hardware") if isinstance(metrics.get("hardware"), dict) else {}
    seconds = run.get("seconds")
    pages = [f"<a href='{href(lab.id, name, REPORT_VIEW)}'>report</a>"] if (folder / REPORT_VIEW).exists() else []
    pages.append(f"<a href='{href(lab.id, name, lab.id + '.html')}'>notebook</a>")
    return {"verdicts": _verdict_counts(lab, metrics),
            "run": text(name if name in PROFILES else f"{name} ({run.get('profile', '?')})"),
            "hardware": text(", ".join(str(hw[k]) for k in ("processor", "device") if k in hw) or "?"),
            "wall time": f"{seconds / 60:.0f} min" if isinstance(seconds, (int, float)) else text(status(folder)),
            "pages": " · ".join(pages)}


def summary_table(root: Path) -> str:
    """One row per lab, a line per run inside it: the state of every lab in one screen."""
    columns = ("verdicts", "run", "hardware", "wall time", "pages")
    rows = []
    for lab in LABS.values():
        lines = [_summary_line(lab, name, root / lab.id / name) for name in lab_runs(root, lab)]
        cells = ["".join(f"<div>{line[c]}</div>" for line in lines) for c in columns] if lines else \
            [f"no run yet: <code>python -m ganlib run {lab.id} --profile cpu</code>", "", "", "", ""]
        rows.append(f"<tr><td><a href='#{lab.id}'>{lab.id}</a></td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{c}</th>" for c in ("lab", "verdicts on the report's findings", "run", "processor, device",
                                              "wall time", "pages"))
    return f"<table class='summary'><tr>{head}</tr>{''.join(rows)}</table>"


def write_index(root: Path) -> Path:
    parts = ["<!doctype html><meta charset='utf-8'><meta name='viewport' content='width=device-width'>",
             f"<title>GAN Labs reports</title><style>{STYLE}</style>", "<h1>GAN Labs reports</h1>",
             summary_table(root),
             "<p>Each lab set against the report it reproduces: what the report found, what the run measured, "
             "and whether that reproduces it. A finding is read only when the models it needs have learned "
             "('not learnt' otherwise), and two numbers differ only beyond twice their spread across training seeds "
             "('inconclusive' inside it): <a href='../docs/claims.md'>every claim's measure, learned-check and "
             "margin</a>.</p>"]
    for lab in LABS.values():
        parts.append(f"<h2 id='{lab.id}'>{lab.id}: {text(lab.title)}</h2>")
        lab_dir = root / lab.id
        runs = lab_runs(root, lab)
        parts.extend(run_section(lab, name, lab_dir / name) for name in runs)
        if not runs:
            parts.append(f"<p>No run yet: <code>python -m ganlib run {lab.id} --profile cpu</code>.</p>")
        sweeps = sorted(p.parent.name for p in lab_dir.glob("sweeps/*/index.html"))
        if sweeps:
            parts.append("<p>Sweeps (many runs, mean and spread over seeds): " + ", ".join(
                f"<a href='{href(lab.id, 'sweeps', s, 'index.html')}'>{text(s)}</a>" for s in sweeps) + "</p>")
        parts.append(f"<details><summary>what report {lab.reports} gave, in its own words and numbers</summary>"
                     "<table>" + "".join(f"<tr><td>{text(k)}</td><td>{text(v)}</td></tr>"
                                         for k, v in lab.report_numbers.items()) + "</table></details>")
    path = root / "index.html"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
