"""A sweep's report: ``summary.csv`` (one row per run) and ``index.html`` (every run, the mean and
standard deviation over seeds at each grid point, and each key metric against each swept parameter
with error bars), rebuilt from the sweep's folder alone."""
from __future__ import annotations

import csv
import itertools
import json
import statistics
from fnmatch import fnmatch
from pathlib import Path

import matplotlib.pyplot as plt

from .escape import href, text
from .folders import read_metrics, read_run, status
from .labs import get_lab

MACHINE_KEYS = ("seconds", "images_per_s")

STYLE = ("body{font-family:system-ui,sans-serif;max-width:1500px;margin:0 auto;padding:0 16px}"
         "table{border-collapse:collapse;font-size:13px;margin:6px 0}td,th{border:1px solid #ccc;padding:3px 6px}"
         "th{background:#f3f3f3}td.failed{background:#fde0dd}img{max-width:100%;height:auto}"
         ".figures{display:flex;flex-wrap:wrap;gap:8px}.figures img{max-width:calc(33% - 8px)}")


def flat_metrics(metrics: dict, point: dict, prefix: str = "") -> dict:
    """The run's numbers by dotted name, without timings; a name that holds a swept value (the mnist
    lab's ``runs.dcgan_nz50``) is named after the parameter instead (``runs.dcgan_nz``), so that the
    runs of every grid point share their metric names."""
    flat = {}
    for key, value in metrics.items():
        for param, v in point.items():
            if not isinstance(v, (list, dict)) and key.endswith(f"{param}{v}"):
                key = key[: -len(str(v))]
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flat_metrics(value, point, name))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and not name.endswith(MACHINE_KEYS):
            flat[name] = float(value)
    return flat


def summarize(folder: Path) -> tuple[dict, list[dict]]:
    """The sweep's plan and one row per run: id, grid values, seed, status, error, metrics."""
    sweep = json.loads((folder / "sweep.json").read_text())
    rows = []
    for run in sweep["runs"]:
        run_folder = folder / run["id"]
        info = read_run(run_folder)
        state, error, metrics = (status(run_folder) if info else "not run"), info.get("error") or "", {}
        if state == "ok":
            read = read_metrics(run_folder)
            if read is None:
                state, error = "unreadable", "metrics.json cannot be read: the next run of the sweep repeats it"
            else:
                metrics = flat_metrics(read, run["point"])
        rows.append({"id": run["id"], **run["point"], "seed": run["seed"], "status": state, "error": error,
                     "seconds": info.get("seconds"), **metrics})
    return sweep, rows


def key_metrics(lab_id: str, columns: set) -> list[str]:
    """The metrics the report shows: the lab's ``sweep_metrics`` patterns, or every metric."""
    patterns = get_lab(lab_id).sweep_metrics or ["*"]
    return [c for c in sorted(columns) if any(fnmatch(c, p) for p in patterns)]


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def grid_points(sweep: dict, rows: list[dict], metrics: list[str]) -> list[dict]:
    """Per grid point: each metric's mean and standard deviation over the seeds that finished."""
    points = []
    for values in itertools.product(*sweep["grid"].values()):
        point = dict(zip(sweep["grid"], values))
        done = [r for r in rows if r["status"] == "ok" and all(r.get(k) == v for k, v in point.items())]
        stats = {m: mean_std([r[m] for r in done if m in r]) for m in metrics if any(m in r for r in done)}
        points.append({"point": point, "n": len(done), "stats": stats})
    return points


def write_csv(path: Path, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(c for r in rows for c in r))
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)


def describe(point: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in point.items()) or "(no grid)"


def escape(value) -> str:
    return text(f"{value:.4g}" if isinstance(value, float) else value)


def metric_plot(sweep: dict, points: list[dict], param: str, metric: str):
    """``metric`` (mean +- standard deviation over seeds) against ``param``, one line per setting
    of the other swept parameters."""
    fig, ax = plt.subplots(figsize=(4.4, 3.2))
    others = [k for k in sweep["grid"] if k != param]
    lines = {}
    for p in points:
        if metric in p["stats"]:
            lines.setdefault(tuple((k, str(p["point"][k])) for k in others), []).append(p)
    numeric = all(isinstance(p["point"][param], (int, float)) for p in points)
    for label, pts in lines.items():
        xs = [p["point"][param] if numeric else str(p["point"][param]) for p in pts]
        means, stds = zip(*(p["stats"][metric] for p in pts))
        ax.errorbar(xs, means, yerr=stds, marker="o", capsize=4, label=", ".join(f"{k}={v}" for k, v in label) or None)
    if numeric:
        ax.set_xticks(sorted({p["point"][param] for p in points}))
    ax.set_xlabel(param)
    ax.set_title(metric, fontsize=9)
    if others:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def write_sweep_report(folder: Path) -> Path:
    sweep, rows = summarize(folder)
    write_csv(folder / "summary.csv", rows)
    metric_names = {c for r in rows for c in r} - {"id", "seed", "status", "error", "seconds", *sweep["grid"]}
    metrics = key_metrics(sweep["lab"], metric_names)
    points = grid_points(sweep, rows, metrics)
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    shown = []
    for param in sweep["grid"]:
        for metric in metrics:
            fig = metric_plot(sweep, points, param, metric)
            name = f"{param}__{metric}.png".replace("/", "_")
            fig.savefig(figures / name, dpi=100)
            plt.close(fig)
            shown.append(name)
    n_ok = sum(r["status"] == "ok" for r in rows)
    fixed = ", ".join(f"{k} = {v}" for k, v in sweep["fixed"].items()) or "none"
    parts = [f"<!doctype html><meta charset='utf-8'><title>sweep {escape(folder.name)}</title><style>{STYLE}</style>",
             f"<h1>{escape(sweep['lab'])}: sweep {escape(folder.name)}</h1>",
             f"<p>Profile {escape(sweep['profile'])}; fixed parameters: {escape(fixed)}; grid: "
             f"{escape(describe(sweep['grid']))}; {sweep['seeds']} seed(s) per grid point. "
             f"{n_ok} of {len(rows)} runs finished. Every run: <a href='summary.csv'>summary.csv</a>.</p>",
             "<h2>Mean and standard deviation over seeds</h2>", _points_table(points, metrics),
             "<div class='figures'>" + "".join(f"<img src='{href('figures', n)}' alt='{escape(n)}'>" for n in shown) + "</div>",
             "<h2>Every run</h2>", _runs_table(rows, list(sweep["grid"]), metrics)]
    path = folder / "index.html"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path


def _points_table(points: list[dict], metrics: list[str]) -> str:
    head = "<tr><th>grid point</th><th>seeds</th>" + "".join(f"<th>{escape(m)}</th>" for m in metrics) + "</tr>"
    body = "".join(
        f"<tr><td>{escape(describe(p['point']))}</td><td>{p['n']}</td>" + "".join(
            f"<td>{p['stats'][m][0]:.4g} &plusmn; {p['stats'][m][1]:.2g}</td>" if m in p["stats"] else "<td>-</td>"
            for m in metrics) + "</tr>" for p in points)
    return f"<table>{head}{body}</table>"


def _runs_table(rows: list[dict], grid: list[str], metrics: list[str]) -> str:
    columns = ["id", *grid, "seed", "status", *metrics, "seconds", "error"]
    head = "<tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr>"
    body = "".join(
        "<tr>" + "".join(
            f"<td class='{'failed' if r['status'] != 'ok' else ''}'>"
            + (f"<a href='{href(r['id'])}/'>{escape(r['id'])}</a>" if c == "id" else escape(r.get(c, "") if r.get(c) is not None else ""))
            + "</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table>{head}{body}</table>"
