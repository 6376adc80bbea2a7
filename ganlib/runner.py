"""Run a lab notebook headlessly with papermill, and index the results.

``run_lab("mnist", "cpu", {"nz": 50})`` checks the parameters (papermill does not),
executes ``notebooks/mnist.ipynb`` into ``reports/mnist/cpu/`` with the kernel's
working folder at ``notebooks/``, then writes the HTML next to it. The notebook
itself writes ``figures/*.png`` and ``metrics.json`` there (``GANLIB_OUT_DIR``).
``write_index()`` builds ``reports/index.html`` from whatever reports exist.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from . import consumers, pages
from .registry import registered_in, require
from .errors import NotebookFailed
from .folders import absolute_data_root_env, absolute_paths, now_utc, read_run, report_folder, write_run, written_since
from .labs import get_lab, resolve_params
from .params import ParameterError
from .settings import OUT_DIR_ENV, PROJECT_ROOT
from .ui import HEADLESS_ENV

REPORTS = PROJECT_ROOT / "reports"


def run_lab(lab_id: str, profile: str, overrides: dict | None = None, out: str | Path | None = None,
            verbose: bool = True) -> Path:
    """Execute the lab's notebook into its report folder (written as a unit: ``ganlib.folders``);
    return the folder. Every parameter is checked before anything is written."""
    lab = get_lab(lab_id)
    params = absolute_paths(lab, resolve_params(lab_id, profile, overrides), dataset_names())
    if unread := consumers.unread(lab):   # a maintainer's slip, caught before a user's run starts
        raise ParameterError(f"lab {lab_id}: parameter {unread[0]} is declared, but no option and no code of "
                             f"{lab.notebook.name} reads it")
    require(registered_in(params), params.get("data_root"))       # missing data: before any kernel starts
    out = Path(out) if out else REPORTS / lab_id / profile
    executed = out / f"{lab_id}.ipynb"
    # A resumed run continues the folder's earlier one: its wall time counts both.
    earlier = read_run(out).get("seconds") if params.get("resume") else None
    earlier = earlier if isinstance(earlier, (int, float)) else 0.0
    with report_folder(out, lab_id) as before:
        write_run(out, lab=lab_id, profile=profile, parameters=params, status="running", ok=False,
                  started_utc=now_utc(), seconds=None, finished_utc=None, error=None, outputs=[])
        if verbose:
            if stand_ins := lab.stand_ins(params):
                print("stand-in for the report's data: " + "; ".join(stand_ins), flush=True)
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
            seconds = round(earlier + time.perf_counter() - t0, 1)
            if executed.exists():
                _relative_paths(executed, lab)
                pages.export_notebook(executed)
                pages.export_report_view(executed, params)
            write_run(out, status=state, ok=state == "ok", seconds=seconds, finished_utc=now_utc(), error=error,
                      outputs=written_since(out, before))
    if error:
        raise NotebookFailed(f"{error} (see {executed})")
    if verbose:
        print(f"done in {seconds - earlier:.0f} s" + (f" ({seconds:.0f} s with the run it resumed)" if earlier else "")
              + f": {out / pages.REPORT_VIEW} (with the code: {lab_id}.html)")
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
    drop_dask_malloc_setting(os.environ)
    try:
        pm.execute_notebook(str(lab.notebook), str(executed), parameters=params, kernel_name="python3",
                            cwd=str(lab.notebook.parent), progress_bar=False, log_output=False,
                            # The kernel's own log is not the notebook's output: it holds the TCP-encryption
                            # notice and, now and then, "KeyboardInterrupt caught in kernel" when jupyter_client
                            # interrupts the idle kernel before shutting it down. A cell's errors reach papermill.
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except PapermillExecutionError as e:
        return f"{lab.id} notebook failed in cell {e.exec_count}: {e.ename}: {e.evalue}"
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    return None


# Dask's nanny starts each worker with MALLOC_TRIM_THRESHOLD_ set (dask's config
# distributed.nanny.pre-spawn-environ), to hand a worker's freed memory back to the system. A kernel
# started from a worker inherits it, and any such setting stops glibc from raising its mmap threshold:
# every block over 128 KiB, most tensors of a step, is then mapped and unmapped afresh. With it a cyclegan
# step made 18-24% fewer iterations a second and scene rendering took 1.7 times as long (2-core EPYC,
# limited to AVX2; docs/speed.md).
DASK_MALLOC_VAR = "MALLOC_TRIM_THRESHOLD_"


def drop_dask_malloc_setting(env) -> None:
    """Remove from ``env`` the malloc setting that Dask gave its worker; a user's own value stays."""
    import dask

    dask_value = dask.config.get(f"distributed.nanny.pre-spawn-environ.{DASK_MALLOC_VAR}", None)
    if dask_value is not None and env.get(DASK_MALLOC_VAR) == str(dask_value):
        del env[DASK_MALLOC_VAR]


def dataset_names() -> set[str]:
    """Datasets known by name (a parameter value that is one of them is not a path)."""
    from .registry import REGISTRY, SCENE_SETS

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


def write_index(root: Path = REPORTS) -> Path:
    """reports/index.html from whatever reports exist under ``root`` (see ``ganlib.index``)."""
    from . import index
    return index.write_index(root)


__all__ = ["run_lab", "write_index", "resolve_params", "NotebookFailed", "ParameterError"]
