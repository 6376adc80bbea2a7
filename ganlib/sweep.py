"""Many runs on Dask: a sweep (one lab run many times, a grid of parameters times several seeds)
and ``make reports`` (every lab once, two at a time on a two-core machine).

``python -m ganlib sweep mnist --profile cpu --grid nz "[50, 100, 200]" --seeds 3 --workers 2``

Each run is an ordinary ``run_lab`` into ``reports/<lab>/sweeps/<name>/<run id>/``, submitted to a
Dask cluster with ``Client.submit``: a ``LocalCluster`` of worker processes on this machine, or any
running cluster given by its scheduler's address (``dask scheduler`` / ``dask worker`` by hand,
``dask_jobqueue`` on SLURM or PBS). papermill has no parallel runner of its own; Dask is the one
its maintainers point to, and nothing here schedules by itself.

A run whose ``run.json`` says ok with the same parameters is not run again, so a sweep stopped by
Ctrl-C, a killed worker or a lost machine resumes where it stood when the command is repeated.
"""
from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .registry import registered_in, require
from .folders import absolute_paths, check_output_folder, read_metrics, read_run, status
from .labs import get_lab, resolve_params
from .params import ParameterError, parse_value
from .settings import physical_cores, pick_device, shown_paths
from .lab_output import file_name
from .sweep_report import write_sweep_report

# How a kernel start that raced with another one's fails: jupyter_client's time-out, or a kernel that
# died because the port it was handed was taken meanwhile (jupyter/jupyter_client#154, papermill#511).
KERNEL_RACE = ("Kernel didn't respond", "Kernel died before replying to kernel_info")
KERNEL_TRIES = 3
CONNECT_TIMEOUT = 10     # seconds to reach a scheduler given by address
WORKER_CHECK_S = 5       # seconds between looks for workers that joined while every run goes on
# Parameters a sweep sets itself, so that a grid over them would be labelled with values no run used.
NOT_GRIDDED = {"seed": "a sweep's seeds are --seeds K (the lab's seed, seed + 1, ...; -p seed S sets the first)",
               "num_threads": "a sweep gives each run cores / workers threads; -p num_threads N fixes them for all"}


@dataclass(frozen=True)
class Run:
    id: str            # the folder name: grid values and seed, e.g. "nz-50_seed-999"
    point: dict        # the grid point: {name: value}
    seed: int
    overrides: dict    # everything given on top of the profile: fixed -p values, the point, seed, threads
    params: dict       # the profile with the overrides, resolved when the sweep was planned


def parse_grid(lab_id: str, pairs: list[tuple[str, str]]) -> dict[str, list]:
    """``[("nz", "[50, 100]")]`` -> ``{"nz": [50, 100]}``, each value checked as a ``-p`` value is."""
    lab = get_lab(lab_id)
    grid = {}
    for name, text in pairs:
        if name not in lab.params:
            raise ParameterError(f"unknown parameter {name!r} in --grid; {lab_id} has: {', '.join(lab.params)}")
        values = parse_value(text, None)
        if not isinstance(values, list) or not values:
            raise ParameterError(f"--grid {name}: give a non-empty YAML list of values, e.g. \"[50, 100]\"")
        if name in NOT_GRIDDED:
            raise ParameterError(f"--grid {name}: {NOT_GRIDDED[name]}")
        grid[name] = [lab.params[name].check(name, v) for v in values]
        as_text = [json.dumps(v, sort_keys=True) for v in grid[name]]
        if len(set(as_text)) < len(as_text):
            raise ParameterError(f"--grid {name}: each value once, got {text}")
    return grid


def plan(lab_id: str, profile: str, fixed: dict, grid: dict, seeds: int, num_threads: int | None) -> list[Run]:
    """Every run of the sweep, each one's parameters resolved and checked before anything starts."""
    if seeds < 1:
        raise ParameterError(f"--seeds must be at least 1, got {seeds}")
    first_seed = resolve_params(lab_id, profile, fixed)["seed"]
    runs = []
    for values in itertools.product(*grid.values()):
        point = dict(zip(grid, values))
        for seed in range(first_seed, first_seed + seeds):
            overrides = {**fixed, **point, "seed": seed}
            if num_threads is not None:
                overrides["num_threads"] = num_threads
            params = resolve_params(lab_id, profile, overrides)     # raises ParameterError naming the value
            require(registered_in(params), params.get("data_root"))    # and DataError naming missing data
            absolute_paths(get_lab(lab_id), params)                    # and a missing input file
            run_id = "_".join([*(f"{k}-{json.dumps(v, separators=(',', ':'))}" for k, v in point.items()),
                               f"seed-{seed}"])
            runs.append(Run(file_name(run_id), point, seed, overrides, params))
    return runs


def finished(lab_id: str, profile: str, run: Run, folder: Path) -> bool:
    """True when ``folder`` holds an ok run of exactly these parameters."""
    from .runner import absolute_paths, dataset_names

    if status(folder) != "ok" or read_metrics(folder) is None:     # an unreadable result is run again
        return False
    wanted = absolute_paths(get_lab(lab_id), run.params, dataset_names())
    return read_run(folder).get("parameters") == json.loads(json.dumps(wanted))


def execute(lab_id: str, profile: str, overrides: dict, out: str, planned: dict | None = None) -> dict:
    """One run, on a Dask worker: ``run_lab`` into ``out``. Returns its status and error line; a
    kernel whose start lost a race with another kernel's is started again (``KERNEL_TRIES`` in all).
    ``planned``: the parameters the sweep planned for it; a worker that resolves others (the profile's
    file or the lab's defaults changed while the sweep ran) fails the run instead of mixing settings."""
    from .runner import NotebookFailed, run_lab

    if planned is not None:
        now = resolve_params(lab_id, profile, overrides)
        changed = [k for k in planned if now.get(k) != planned[k]]
        if changed:
            k = changed[0]
            return {"status": "failed", "error": f"the {profile} profile changed after the sweep was planned "
                                                 f"({k}: {planned[k]!r} -> {now.get(k)!r}); run the sweep again"}
    for attempt in range(1, KERNEL_TRIES + 1):
        try:
            run_lab(lab_id, profile, overrides, out, verbose=False)
            return {"status": "ok", "error": None}
        except NotebookFailed as e:
            error = str(e)
        except Exception as e:      # noqa: BLE001  the sweep goes on; the error is recorded
            if any(race in str(e) for race in KERNEL_RACE) and attempt < KERNEL_TRIES:
                continue
            error = f"{type(e).__name__}: {e}".splitlines()[0]
        # The error lands in the sweep's report: it names the data root, not this machine's folders.
        return {"status": "failed", "error": shown_paths(error, overrides.get("data_root"))}


def local_threads(workers: int) -> int:
    """Threads per run so that workers x threads <= the physical cores this process may use."""
    return max(1, physical_cores() // workers)


def check_workers(workers: int | None, scheduler: str | None) -> int:
    """The LocalCluster's worker count: 1 to the cores this process may use; none with ``scheduler``."""
    cores = local_threads(1)
    if scheduler:
        if workers is not None:
            raise ParameterError("--workers is for the local cluster; with --scheduler the cluster's own workers "
                                 "run the sweep: drop one of the two")
        return 0
    if workers is None:
        return max(1, cores // 2)
    if not 1 <= workers <= cores:
        raise ParameterError(f"--workers must be between 1 and {cores} (the cores this machine gives the sweep), "
                             f"got {workers}")
    return workers


def connect(workers: int, scheduler: str | None):
    """A Dask client: of the cluster at ``scheduler``, or of a new LocalCluster of ``workers``
    single-threaded worker processes (each run sets its own torch threads)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT}s")
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ParameterError(f"cannot reach the Dask scheduler at {scheduler!r} within {CONNECT_TIMEOUT} s: "
                                 f"{why}") from None
        busy = {w: n for w, n in client.nthreads().items() if n != 1}
        if busy:
            client.close()
            raise ParameterError(f"the workers of {scheduler} must run one task at a time (dask worker "
                                 f"--nthreads 1): {', '.join(f'{w} has {n}' for w, n in busy.items())}")
        return client
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster)


@dataclass
class SweepOutcome:
    folder: Path
    ran: list[str]
    skipped: list[str]
    failed: dict          # run id -> error line


def run_sweep(lab_id: str, profile: str, fixed: dict, grid: dict, seeds: int, workers: int | None = None,
              scheduler: str | None = None, name: str | None = None, out: str | Path | None = None) -> SweepOutcome:
    """Run the sweep's missing runs on Dask and write its report; ``out``: the sweep's folder
    (default ``reports/<lab>/sweeps/<name>``)."""
    from .runner import REPORTS

    workers = check_workers(workers, scheduler)
    # Threads per run: a LocalCluster shares this machine's cores among its workers; on a cluster
    # given by address, or when -p num_threads is given, each run keeps the profile's or that value.
    threads = None if scheduler or "num_threads" in fixed else local_threads(workers)
    runs = plan(lab_id, profile, fixed, grid, seeds, threads)
    name = file_name(name or f"{profile}-{'_'.join(grid) or 'seeds'}")
    folder = Path(out) if out else REPORTS / lab_id / "sweeps" / name
    check_output_folder(folder, lab_id, "sweep.json")
    check_same_sweep(folder, lab_id, profile, fixed, grid)
    todo = [r for r in runs if not finished(lab_id, profile, r, folder / r.id)]
    skipped = [r.id for r in runs if r not in todo]
    print(f"sweep {folder.name}: {len(runs)} runs, {len(skipped)} already finished -> {folder}", flush=True)
    check_creatable(folder)
    client = connect(workers, scheduler) if todo else None     # a scheduler that does not answer: nothing written
    try:
        write_plan(folder, lab_id, profile, fixed, grid, seeds, runs)
        failed = run_all(client, {r.id: (lab_id, profile, r.overrides, str((folder / r.id).resolve()), r.params)
                                  for r in todo}, f"sweep {folder.name}")
    finally:
        close(client)
    write_sweep_report(folder)
    return SweepOutcome(folder, [r.id for r in todo], skipped, failed)


def run_all(client, jobs: dict, desc: str, task=execute) -> dict:
    """``task(*args)`` for each ``name: args`` of ``jobs`` on the client's workers, started in the order
    given; returns ``name: error line`` for those that failed."""
    from dask.distributed import wait
    from tqdm import tqdm

    failed, in_flight, waiting = {}, {}, list(jobs.items())
    if not jobs:            # a repeated sweep whose runs all finished may have no client
        return failed
    with tqdm(total=len(jobs), desc=desc, unit="run") as bar, client.as_current():
        while waiting or in_flight:
            # As many runs in flight as the workers have threads now (a cluster's workers may join or
            # leave during a sweep), the next submitted as one ends: Dask would otherwise hand a busy
            # worker its next run ahead of time, where it waits while another worker idles.
            while waiting and len(in_flight) < max(1, sum(client.nthreads().values())):
                name, args = waiting.pop(0)
                in_flight[client.submit(task, *args, pure=False)] = name
            try:
                done = wait(list(in_flight), timeout=WORKER_CHECK_S, return_when="FIRST_COMPLETED").done
            except TimeoutError:       # nothing ended: look again for workers that have joined
                continue
            for future in done:
                name, error = in_flight.pop(future), failure(future)
                if error:
                    failed[name] = error
                    tqdm.write(f"failed: {name}: {error}")
                bar.update()
    return failed


def failure(future) -> str | None:
    """The error line of a finished run, None if it went well."""
    try:
        result = future.result()
    except Exception as e:     # noqa: BLE001  e.g. KilledWorker: the run's worker kept dying
        return f"{type(e).__name__}: {e}".splitlines()[0]
    return None if result["status"] == "ok" else result["error"]


def close(client) -> None:
    if client is not None:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


REPORT_WORKERS = 2    # labs at a time on a CPU: on 2 cores, two 1-thread labs finish sooner than one 2-thread lab


def run_reports(labs: list[str], profile: str, workers: int | None = None, root: Path | None = None) -> dict:
    """Every lab of ``labs`` with ``profile`` into ``<root>/<lab>/<profile>/`` (root: ``reports``), ``workers``
    labs at a time, each with its share of the physical cores as threads, started in the order given. None:
    two on a CPU (one on a one-core machine), one where a GPU trains them. The cpu profiles' small nets gain
    little from a second thread, so on 2 cores two labs of 1 thread each finish sooner than one after another
    with 2. Returns ``lab: error line`` of the labs that failed."""
    from .runner import REPORTS

    root = Path(root or REPORTS)
    if workers is None:
        workers = 1 if pick_device("auto").type != "cpu" else min(REPORT_WORKERS, local_threads(1))
    workers = check_workers(workers, None)
    # One lab at a time keeps the profile's own threads, as `ganlib run` does.
    overrides = {} if workers == 1 else {"num_threads": local_threads(workers)}
    for lab in labs:
        check_output_folder(root / lab / profile, lab, "run.json")
    client = connect(workers, None)
    try:
        return run_all(client, {lab: (lab, profile, overrides, str((root / lab / profile).resolve())) for lab in labs},
                       f"{profile} reports, {workers} at a time")
    finally:
        close(client)


def check_creatable(folder: Path) -> None:
    """A one-line error, before anything starts, when ``folder`` cannot be made: the nearest existing
    folder above it must be a writable folder."""
    existing = next(p for p in [folder.absolute(), *folder.absolute().parents] if p.exists())
    if not existing.is_dir():
        raise ParameterError(f"cannot create the sweep folder {folder}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ParameterError(f"cannot create the sweep folder {folder}: {existing} is not writable")


def read_sweep(folder: Path) -> dict | None:
    """The folder's sweep.json; None when there is none; a one-line error when it cannot be read."""
    path = folder / "sweep.json"
    if not path.exists():
        return None
    try:
        sweep = json.loads(path.read_text())
        if not isinstance(sweep, dict) or not isinstance(sweep.get("runs"), list):
            raise ValueError("not a sweep plan")
        return sweep
    except (OSError, ValueError) as e:
        raise ParameterError(f"{path} cannot be read ({e}); move it away or give the sweep another --out") from None


def check_same_sweep(folder: Path, lab_id: str, profile: str, fixed: dict, grid: dict) -> None:
    """A sweep folder holds one lab, profile, set of fixed values and swept parameters; its grid
    values and seeds may grow."""
    before = read_sweep(folder)
    if before is None:
        return
    if (before.get("lab"), before.get("profile"), before.get("fixed")) != (lab_id, profile, json.loads(json.dumps(fixed))) \
            or sorted(before.get("grid", {})) != sorted(grid):
        raise ParameterError(f"{folder} holds another sweep ({before.get('lab')}, profile {before.get('profile')}, fixed "
                             f"{before.get('fixed')}, grid over {', '.join(before.get('grid', {})) or 'seeds only'}): "
                             "give this one its own --name")


def write_plan(folder: Path, lab_id: str, profile: str, fixed: dict, grid: dict, seeds: int, runs: list[Run]):
    """sweep.json: what the sweep is, so that its report can be rebuilt from the folder alone. A rerun
    over fewer grid values or seeds keeps the runs the folder's plan already had."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ParameterError(f"cannot create the sweep folder {folder}: {e.strerror}") from None
    before = read_sweep(folder) or {}
    planned = [{"id": r.id, "point": r.point, "seed": r.seed} for r in runs]
    ids = {r["id"] for r in planned}
    kept = [r for r in before.get("runs", []) if isinstance(r, dict) and r.get("id") not in ids]
    merged_grid = {k: [*v, *(x for x in before.get("grid", {}).get(k, []) if x not in v)] for k, v in grid.items()}
    (folder / "sweep.json").write_text(json.dumps(
        {"lab": lab_id, "profile": profile, "fixed": fixed, "grid": merged_grid,
         "seeds": max(seeds, before.get("seeds", 0)),
         "runs": planned + kept}, indent=1) + "\n")
