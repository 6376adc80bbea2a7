"""Run a lab notebook headlessly with papermill, and index the results.

``run_lab("mnist", "cpu", {"nz": 50})`` checks the parameters (papermill does not),
executes ``notebooks/mnist.ipynb`` into ``reports/mnist/cpu/`` with the kernel's
working folder at ``notebooks/``, then writes the HTML next to it. The notebook
itself writes ``figures/*.png`` and ``metrics.json`` there (``GANLIB_OUT_DIR``).
``write_index()`` builds ``reports/index.html`` from whatever reports exist.
"""
from __future__ import annotations

import html
import json
import os
import sys
import time
from pathlib import Path

from .folders import (STATUS_WORDS, absolute_data_root_env, absolute_paths, now_utc, read_run, report_folder, status,
                      write_run)
from .labs import LABS, PROFILES, ParameterError, defaults, get_lab, load_profile, validate
from .report import OUT_DIR_ENV
from .settings import PROJECT_ROOT
from .ui import HEADLESS_ENV

REPORTS = PROJECT_ROOT / "reports"


class NotebookFailed(RuntimeError):
    pass


def resolve_params(lab_id: str, profile: str, overrides: dict | None = None) -> dict:
    """The defaults, then the profile's values, then overrides; every name and value checked."""
    lab = get_lab(lab_id)
    params = {**defaults(lab), **validate(lab, load_profile(lab, profile))}
    params.update(validate(lab, overrides or {}))
    return params


def run_lab(lab_id: str, profile: str, overrides: dict | None = None, out: str | Path | None = None,
            verbose: bool = True) -> Path:
    """Execute the lab's notebook into its report folder (written as a unit: ``ganlib.folders``);
    return the folder. Every parameter is checked before anything is written."""
    lab = get_lab(lab_id)
    params = absolute_paths(lab, resolve_params(lab_id, profile, overrides), dataset_names())
    out = Path(out) if out else REPORTS / lab_id / profile
    executed = out / f"{lab_id}.ipynb"
    with report_folder(out, outputs=(executed.name, f"{lab_id}.html", "metrics.json", "figures")):
        write_run(out, lab=lab_id, profile=profile, parameters=params, status="running", ok=False,
                  started_utc=now_utc(), seconds=None, finished_utc=None, error=None)
        if verbose:
            print(f"running {lab.notebook.name} with profile {profile} -> {out}", flush=True)
        t0 = time.perf_counter()
        state, error = "interrupted", None
        try:
            error = _execute(lab, params, executed)
            state = "failed" if error else "ok"
        except Exception as e:       # a kernel that died or timed out: failed, not interrupted
            state, error = "failed", f"{type(e).__name__}: {e}"
            raise
        finally:
            seconds = round(time.perf_counter() - t0, 1)
            if executed.exists():
                _relative_paths(executed, lab)
                export_html(executed)
            write_run(out, status=state, ok=state == "ok", seconds=seconds, finished_utc=now_utc(), error=error)
    if error:
        raise NotebookFailed(f"{error} (see {executed})")
    if verbose:
        print(f"done in {seconds:.0f} s: {out / (lab_id + '.html')}")
    return out


def _execute(lab, params: dict, executed: Path) -> str | None:
    """Run the notebook with papermill; the error line of a failing cell, or None."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    # The kernel inherits this environment: headless progress, output folder, an absolute data
    # root, and the kernel's python found first on PATH (kernel specs may name plain "python").
    env_backup = dict(os.environ)
    os.environ[HEADLESS_ENV] = "1"
    os.environ[OUT_DIR_ENV] = str(executed.parent.resolve())
    absolute_data_root_env(os.environ)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    try:
        pm.execute_notebook(str(lab.notebook), str(executed), parameters=params, kernel_name="python3",
                            cwd=str(lab.notebook.parent), progress_bar=False, log_output=False,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])   # no TCP-encryption notice
    except PapermillExecutionError as e:
        return f"{lab.id} notebook failed in cell {e.exec_count}: {e.ename}: {e.evalue}"
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    return None


def dataset_names() -> set[str]:
    """Datasets known by name (a parameter value that is one of them is not a path)."""
    from .datasets import REGISTRY, SCENE_SETS

    return {*REGISTRY, *SCENE_SETS, "scenes", "mnist10k"}


def _relative_paths(executed: Path, lab) -> None:
    """papermill records absolute input and output paths; a report keeps them relative to the project
    and to its own folder, naming no folder of the machine it ran on."""
    import nbformat

    if not executed.exists():
        return
    nb = nbformat.read(executed, as_version=4)
    recorded = nb.metadata.get("papermill", {})
    if recorded:
        recorded["input_path"] = f"notebooks/{lab.notebook.name}"
        recorded["output_path"] = executed.name
        if recorded.get("cwd"):
            recorded["cwd"] = "notebooks"
        nbformat.write(nb, executed)


def export_html(notebook: Path) -> Path:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in nb.cells]
    if any("injected-parameters" in t for t in tags):   # show the parameters once: those the run used
        nb.cells = [cell for cell, t in zip(nb.cells, tags) if "parameters" not in t]
    body, _ = HTMLExporter().from_notebook_node(nb)
    path = notebook.with_suffix(".html")
    path.write_text(body, encoding="utf-8")
    return path


def _metrics_table(metrics: dict) -> str:
    rows = []

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            if isinstance(value, list):
                shown = ", ".join(f"{v:.4g}" if isinstance(v, float) else html.escape(str(v)) for v in value)
            else:
                shown = f"{value:.4g}" if isinstance(value, float) else html.escape(str(value))
            rows.append(f"<tr><td>{html.escape(prefix)}</td><td>{shown}</td></tr>")

    walk("", metrics)
    return "<table>" + "".join(rows) + "</table>"


def _timing(run: dict) -> str:
    if run.get("seconds") is None:
        return f", started {run.get('started_utc', '?')}"
    return f", wall time {run['seconds']:.0f} s, {run.get('finished_utc')}"


def write_index(root: Path = REPORTS) -> Path:
    """reports/index.html: each lab and profile with its link, wall time, key figures and
    metrics, next to the numbers the original report gave."""
    parts = ["<!doctype html><meta charset='utf-8'><title>GAN Labs reports</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "table{border-collapse:collapse;font-size:13px}td{border:1px solid #ccc;padding:2px 6px}"
             "img{height:180px;margin:4px;border:1px solid #ddd}</style>",
             "<h1>GAN Labs reports</h1>"]
    for lab in LABS.values():
        parts.append(f"<h2>{lab.id}: {html.escape(lab.title)}</h2><p>Reproduces report(s) {lab.reports}.</p>")
        parts.append("<h3>What the original report gave</h3><table>" + "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in lab.report_numbers.items())
            + "</table>")
        lab_dir = root / lab.id
        others = sorted(p.name for p in lab_dir.iterdir() if p.is_dir() and p.name not in PROFILES) \
            if lab_dir.is_dir() else []
        for name in [*PROFILES, *others]:      # the profiles, then runs written with --out
            folder = lab_dir / name
            if not (folder / "run.json").exists():
                continue
            run = read_run(folder)
            state = STATUS_WORDS.get(status(folder), status(folder))
            title = f"profile {name}"
            if name not in PROFILES:
                try:
                    base = resolve_params(lab.id, run["profile"])
                except ParameterError:
                    base = {}
                changed = {k: v for k, v in run["parameters"].items() if base.get(k) != v}
                title = (f"run {name}: profile {run['profile']}"
                         + "".join(f", {k} = {v}" for k, v in changed.items()))
            parts.append(f"<h3>{html.escape(title)}: <a href='{lab.id}/{name}/{lab.id}.html'>report</a> "
                         f"({state}{_timing(run)})</h3>")
            for fig in lab.key_figures:
                if (folder / "figures" / f"{fig}.png").exists():
                    parts.append(f"<a href='{lab.id}/{name}/figures/{fig}.png'>"
                                 f"<img src='{lab.id}/{name}/figures/{fig}.png' alt='{fig}'></a>")
            if (folder / "metrics.json").exists():
                parts.append(_metrics_table(json.loads((folder / "metrics.json").read_text())))
    path = root / "index.html"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path


__all__ = ["run_lab", "write_index", "resolve_params", "NotebookFailed", "ParameterError"]
