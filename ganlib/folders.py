"""Report folders, written as a unit, and the paths users give.

A run writes only into an empty or new folder, or into a report folder of the same lab that this
project wrote (its ``run.json`` says so); never into the project's own source folders or the
``reports/`` root (``check_output_folder``). It owns the folder while it executes: ``run.json``
says ``running`` (and a lock refuses a second run into the same folder), the files the earlier run
recorded as its outputs are removed when a new one starts (its checkpoints stay, for resume; no
other file is touched), and at the end ``run.json`` says ``ok``, ``failed`` or ``interrupted`` and
lists the files this run wrote. A run killed outright leaves ``running`` behind an unheld lock,
which ``status`` reads as ``incomplete``: a folder never looks finished when it is not.

Relative paths in parameters are read from the folder the user runs the command in, as
``data list`` reads them, not from the notebook's folder (``absolute_paths``).
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .params import Lab, ParameterError
from .settings import DATA_ROOT_ENV, PROJECT_ROOT, looks_like_path

LOCK = ".lock"
# The project's own folders: never an output folder, nor anything inside them ("reports" itself only).
SOURCE_FOLDERS = ("notebooks", "ganlib", "tests", "data", "docs", "benchmarks", "jupyter", ".ci", ".git", ".venv")
# What a run writes besides its outputs, and what it keeps across reruns.
BOOKKEEPING = ("run.json", "run.json.tmp", LOCK, "checkpoints")
STATUS_WORDS = {"ok": "ok", "failed": "FAILED", "interrupted": "INTERRUPTED", "running": "running",
                "incomplete": "INCOMPLETE (stopped before the end)"}


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _lock(folder: Path):
    """An exclusive lock on the folder's lock file, or None if another live process holds it."""
    try:
        import fcntl
    except ImportError:          # no advisory locks (Windows): the run.json status still tells
        return open(folder / LOCK, "a")
    handle = open(folder / LOCK, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _prepare(out: Path) -> Path:
    """The folder, created; a one-line error when it cannot be a report folder."""
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ParameterError(f"cannot create the report folder {out}: {e.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ParameterError(f"cannot write into the report folder {out}: permission denied")
    return out


def check_output_folder(out: Path, lab_id: str, record: str = "run.json") -> None:
    """Refuse ``out`` in one line unless it is missing, empty, or a folder of this project's own
    for ``lab_id``: a run folder (``record`` run.json) or a sweep folder (sweep.json)."""
    target, root = Path(out).expanduser().resolve(), PROJECT_ROOT.resolve()
    sources = [root / name for name in SOURCE_FOLDERS]
    if target in (root, root / "reports") or any(target == f or f in target.parents for f in sources):
        raise ParameterError(f"--out {out} is one of the project's own folders: give a folder of its own, "
                             f"e.g. reports/{lab_id}/mine")
    if target.exists() and not target.is_dir():
        raise ParameterError(f"--out {out} is a file, not a folder")
    entries = sorted(p.name + ("/" if p.is_dir() else "") for p in target.iterdir()) if target.is_dir() else []
    if not [e for e in entries if e != LOCK]:
        return
    kind = "sweep" if record == "sweep.json" else "run"
    if not (target / record).is_file():
        other = " (a sweep's folder)" if (target / "sweep.json").exists() else \
            " (a run's folder)" if (target / "run.json").exists() else ""
        shown = ", ".join(entries[:4]) + (", ..." if len(entries) > 4 else "")
        raise ParameterError(f"--out {out} already holds files that no {kind} of this project wrote{other}: "
                             f"{shown}; choose an empty or new folder")
    try:
        owner = json.loads((target / record).read_text()).get("lab")
    except (OSError, ValueError, AttributeError):
        raise ParameterError(f"--out {out}: its {record} cannot be read; choose an empty or new folder") from None
    if owner != lab_id:
        raise ParameterError(f"--out {out} holds a {kind} of the {owner} lab, not of {lab_id}; choose another folder")


def files_now(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` but the bookkeeping, by relative path: (mtime in ns, size)."""
    found = {}
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if path.is_file() and rel.parts[0] not in BOOKKEEPING:
            stat = path.stat()
            found[rel.as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


def written_since(folder: Path, before: dict) -> list[str]:
    """The files under ``folder`` that are new or changed since ``before`` (``files_now``)."""
    return sorted(rel for rel, sig in files_now(folder).items() if before.get(rel) != sig)


def remove_outputs(folder: Path, lab_id: str) -> None:
    """Delete the files the folder's earlier run recorded as its outputs, and nothing else. A run.json
    from before outputs were recorded names the files every run of the lab writes."""
    outputs = read_run(folder).get("outputs")
    if not isinstance(outputs, list):
        outputs = [f"{lab_id}.ipynb", f"{lab_id}.html", "metrics.json",
                   *(p.relative_to(folder).as_posix() for p in (folder / "figures").glob("*.png"))]
    root = folder.resolve()
    for rel in outputs:
        path = (folder / str(rel)).resolve()
        if root in path.parents and path.is_file() and path.relative_to(root).parts[0] not in BOOKKEEPING:
            path.unlink()
            for parent in path.parents:          # folders the run made and left empty
                if parent == root or any(parent.iterdir()):
                    break
                parent.rmdir()


@contextmanager
def report_folder(out: Path, lab_id: str):
    """Hold ``out`` for one run of ``lab_id``: refuse a folder that is not this lab's to write (see
    ``check_output_folder``) or that another run holds, remove the earlier run's recorded outputs,
    and yield the files there now (``files_now``), so that the run can record what it wrote. The lock
    is released however the run ends."""
    check_output_folder(out, lab_id)
    _prepare(out)
    handle = _lock(out)
    if handle is None:
        started = read_run(out).get("started_utc", "at an unknown time")
        raise ParameterError(f"report folder {out} is in use by another run (started {started}); "
                             "wait for it or choose another --out")
    try:
        remove_outputs(out, lab_id)
        yield files_now(out)
    finally:
        handle.close()


def read_run(folder: Path) -> dict:
    """The folder's run.json, or {} when it is missing or cannot be read."""
    try:
        run = json.loads((folder / "run.json").read_text())
    except (OSError, ValueError):
        return {}
    return run if isinstance(run, dict) else {}


def read_metrics(folder: Path) -> dict | None:
    """The folder's metrics.json as a dict; None when it is missing, truncated or not an object."""
    try:
        metrics = json.loads((folder / "metrics.json").read_text())
    except (OSError, ValueError):
        return None
    return metrics if isinstance(metrics, dict) else None


def write_run(folder: Path, **fields) -> None:
    """Update ``run.json`` (written whole, then renamed: never half a file)."""
    run = {**read_run(folder), **fields}
    tmp = folder / "run.json.tmp"
    tmp.write_text(json.dumps(run, indent=2) + "\n")
    os.replace(tmp, folder / "run.json")


def status(folder: Path) -> str:
    """ok, failed, interrupted, running (a live run holds the folder) or incomplete."""
    run = read_run(folder)
    state = run.get("status") or ("ok" if run.get("ok") else "failed")
    if state == "running":
        handle = _lock(folder) if folder.is_dir() else None
        if handle is not None:      # nobody holds it: the run died without a word
            handle.close()
            return "incomplete"
    return state


def absolute_paths(lab: Lab, params: dict, names: set[str] = frozenset()) -> dict:
    """Parameters that name files or folders, made absolute against the current folder. A value
    of a name-or-path parameter stays a name when it is one of ``names`` (datasets by name) or does
    not look like a path (no slash, not starting with '.' or '~') and no such file exists here. A
    missing input file (a "file" parameter) is a ``ParameterError`` naming it."""
    out = dict(params)
    for name, param in lab.params.items():
        kind = param.path or (param.item.path if param.item else None)
        if not kind or out.get(name) is None:
            continue

        def absolute(value: str) -> str:
            if kind == "name or path" and (value in names or not looks_like_path(value)):
                return value
            return str(Path(value).expanduser().resolve())

        out[name] = [absolute(v) for v in out[name]] if param.type is list else absolute(out[name])
        if kind == "file" and not Path(out[name]).is_file():
            raise ParameterError(f"parameter {name}: no file {out[name]}")
    return out


def absolute_data_root_env(env: dict) -> None:
    """$GANLIB_DATA_ROOT made absolute in ``env``, for a kernel that starts in another folder."""
    if env.get(DATA_ROOT_ENV):
        env[DATA_ROOT_ENV] = str(Path(env[DATA_ROOT_ENV]).expanduser().resolve())
