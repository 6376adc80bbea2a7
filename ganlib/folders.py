"""Report folders, written as a unit, and the paths users give.

A run owns its report folder while it executes: ``run.json`` says ``running`` (and a lock
refuses a second run into the same folder), the outputs of an earlier run are cleared when a
new one starts (its checkpoints stay, for resume), and at the end ``run.json`` says ``ok``,
``failed`` or ``interrupted``. A run killed outright leaves ``running`` behind an unheld lock,
which ``status`` reads as ``incomplete``: a folder never looks finished when it is not.

Relative paths in parameters are read from the folder the user runs the command in, as
``data list`` reads them, not from the notebook's folder (``absolute_paths``).
"""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .labs import Lab, ParameterError
from .settings import DATA_ROOT_ENV, looks_like_path

LOCK = ".lock"
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


@contextmanager
def report_folder(out: Path, outputs: tuple[str, ...]):
    """Hold ``out`` for one run: refuse it when another run holds it, clear the earlier run's
    ``outputs`` (file or folder names), yield it; the lock is released however the run ends."""
    _prepare(out)
    handle = _lock(out)
    if handle is None:
        started = read_run(out).get("started_utc", "at an unknown time")
        raise ParameterError(f"report folder {out} is in use by another run (started {started}); "
                             "wait for it or choose another --out")
    try:
        for name in outputs:
            path = out / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        yield out
    finally:
        handle.close()


def read_run(folder: Path) -> dict:
    try:
        return json.loads((folder / "run.json").read_text())
    except (OSError, ValueError):
        return {}


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
    not look like a path (no slash, not starting with '.' or '~') and no such file exists here."""
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
    return out


def absolute_data_root_env(env: dict) -> None:
    """$GANLIB_DATA_ROOT made absolute in ``env``, for a kernel that starts in another folder."""
    if env.get(DATA_ROOT_ENV):
        env[DATA_ROOT_ENV] = str(Path(env[DATA_ROOT_ENV]).expanduser().resolve())
