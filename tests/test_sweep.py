"""Sweeps on Dask: a LocalCluster, a cluster started by hand, a worker lost mid-sweep.

Every sweep here is the mnist lab's study 1 alone on the smoke data (one small DCGAN per run,
about 15 s), nz in {50, 100} times 2 seeds, one thread per run, so that every sweep has the same
four runs and their numbers can be compared bitwise.
"""
from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import free_port

from ganlib.settings import PROJECT_ROOT

SWEEP = ["-m", "ganlib", "sweep", "mnist", "--profile", "smoke", "-p", "latent_sizes", "null",
         "-p", "models", "[dcgan]", "-p", "num_threads", "1", "--grid", "nz", "[50, 100]", "--seeds", "2"]
BIN = Path(sys.executable).parent


def sweep(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *SWEEP, *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=600, **kwargs)


def results(folder: Path) -> list[dict]:
    """summary.csv without what measures the machine (wall times)."""
    with open(folder / "summary.csv") as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "nz"
    res = sweep("--workers", "2", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    return out


def test_a_sweep_on_a_local_cluster_writes_every_run_and_its_report(local_sweep):
    rows = results(local_sweep)
    assert [(r["nz"], r["seed"], r["status"]) for r in rows] == [
        ("50", "999", "ok"), ("50", "1000", "ok"), ("100", "999", "ok"), ("100", "1000", "ok")]
    for row in rows:
        assert (local_sweep / row["id"] / "mnist.html").exists()
        assert float(row["runs.dcgan_nz.frechet_distance"]) > 0
    page = (local_sweep / "index.html").read_text()
    assert "nz = 50" in page and "&plusmn;" in page
    assert (local_sweep / "figures" / "nz__runs.dcgan_nz.D_distance_from_half.png").exists()


def test_a_bad_grid_value_is_one_line_before_any_worker_starts(tmp_path):
    res = subprocess.run([sys.executable, "-m", "ganlib", "sweep", "mnist", "--profile", "smoke",
                          "--grid", "nz", "[50, -1]", "--out", str(tmp_path / "bad")],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == ["error: parameter nz must be an integer >= 1, got -1"]
    assert not (tmp_path / "bad").exists()


@pytest.fixture
def dask_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on localhost, as a user starts them; each
    worker without a nanny, so that killing it loses it as a lost machine would."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ)
    log = open(tmp_path / "dask.log", "w")
    scheduler = subprocess.Popen([BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=log, stderr=log, env=env)
    workers = [subprocess.Popen([BIN / "dask", "worker", address, "--nthreads", "1", "--no-nanny",
                                 "--no-dashboard", "--host", "127.0.0.1"], stdout=log, stderr=log, env=env,
                                cwd=PROJECT_ROOT) for _ in range(2)]
    from dask.distributed import Client
    with Client(address, timeout="60s") as client:
        client.wait_for_workers(2, timeout=60)
    yield {"address": address, "workers": workers}
    for p in [*workers, scheduler]:
        if p.poll() is None:
            p.terminate()
    for p in [*workers, scheduler]:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
    log.close()


def status_of(folder: Path) -> dict:
    return {p.parent.name: json.loads(p.read_text())["status"] for p in folder.glob("*/run.json")}


def test_a_sweep_survives_a_lost_worker_and_a_stop_and_its_rerun_does_only_what_is_missing(
        dask_cluster, local_sweep, tmp_path):
    out = tmp_path / "nz"
    first = subprocess.Popen([sys.executable, *SWEEP, "--scheduler", dask_cluster["address"], "--out", str(out)],
                             cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 300
    while "ok" not in status_of(out).values() and first.poll() is None and time.monotonic() < end:
        time.sleep(0.5)
    assert "ok" in status_of(out).values(), "no run finished before the kill"
    dask_cluster["workers"][0].kill()            # a machine lost in the middle of the sweep ...
    first.send_signal(signal.SIGINT)             # ... and the sweep stopped (Ctrl-C)
    first.communicate(timeout=120)
    done = {run for run, state in status_of(out).items() if state == "ok"}
    finished_before = {run: (out / run / "run.json").stat().st_mtime_ns for run in done}

    rerun = sweep("--scheduler", dask_cluster["address"], "--out", str(out))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    # The surviving worker may still finish the run it held when the sweep stopped, so the rerun
    # finds at least the runs finished at the stop, and runs only the others.
    ran, skipped = map(int, re.search(r"\((\d+) run, (\d+) already finished", rerun.stdout).groups())
    assert skipped >= len(done) and ran + skipped == 4
    assert {run: (out / run / "run.json").stat().st_mtime_ns for run in done} == finished_before
    assert results(out) == results(local_sweep)   # the same numbers as an uninterrupted sweep


def test_repeating_a_finished_sweep_runs_nothing_and_keeps_its_results(local_sweep):
    before = results(local_sweep)
    res = sweep("--workers", "2", "--out", str(local_sweep))
    assert res.returncode == 0, res.stderr[-3000:]
    assert "4 runs, 4 already finished" in res.stdout
    assert results(local_sweep) == before


def test_a_sweep_folder_refuses_another_sweeps_runs(local_sweep):
    """Repeating a sweep resumes it; another profile or other fixed values in its folder would mix
    two experiments, so they are refused before anything runs."""
    res = subprocess.run([sys.executable, "-m", "ganlib", "sweep", "mnist", "--profile", "smoke",
                          "--grid", "nz", "[50, 100]", "--out", str(local_sweep)],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert "holds another sweep" in res.stderr and "--name" in res.stderr
    assert [r["status"] for r in results(local_sweep)] == ["ok"] * 4


def test_a_kernel_whose_start_raced_with_another_is_started_again(monkeypatch):
    from ganlib import runner, sweep as sweep_module

    calls = []
    races = ["Kernel didn't respond in 60 seconds", "Kernel died before replying to kernel_info"]

    def flaky_run_lab(*args, **kwargs):
        calls.append(args)
        if len(calls) <= len(races):
            raise RuntimeError(races[len(calls) - 1])
    monkeypatch.setattr(runner, "run_lab", flaky_run_lab)
    assert sweep_module.execute("mnist", "smoke", {}, "out") == {"status": "ok", "error": None}
    assert len(calls) == 3

    def broken_run_lab(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("Kernel didn't respond in 60 seconds")
    calls.clear()
    monkeypatch.setattr(runner, "run_lab", broken_run_lab)
    assert sweep_module.execute("mnist", "smoke", {}, "out") == {
        "status": "failed", "error": "RuntimeError: Kernel didn't respond in 60 seconds"}
    assert len(calls) == sweep_module.KERNEL_TRIES


def test_a_failed_runs_error_names_the_data_root_not_the_machines_folders(monkeypatch, tmp_path):
    from ganlib import runner, sweep as sweep_module

    def run_lab_missing_a_file(*args, **kwargs):
        raise FileNotFoundError(f"No such file: {tmp_path / 'iclevr-scenes' / '0001.png'}")
    monkeypatch.setattr(runner, "run_lab", run_lab_missing_a_file)
    result = sweep_module.execute("mnist", "smoke", {"data_root": str(tmp_path)}, "out")
    assert result["error"] == "FileNotFoundError: No such file: <data root>/iclevr-scenes/0001.png"


def test_a_run_whose_profile_changed_after_planning_fails_instead_of_mixing_settings(monkeypatch):
    from ganlib import runner, sweep as sweep_module
    from ganlib.labs import resolve_params

    ran = []
    monkeypatch.setattr(runner, "run_lab", lambda *args, **kwargs: ran.append(args))
    planned = resolve_params("mnist", "smoke", {"seed": 5})
    assert sweep_module.execute("mnist", "smoke", {"seed": 5}, "out", planned)["status"] == "ok"
    # a worker that reads an edited profile resolves another nz than the sweep planned
    result = sweep_module.execute("mnist", "smoke", {"seed": 5}, "out", {**planned, "nz": planned["nz"] + 1})
    assert result["status"] == "failed" and "smoke profile changed" in result["error"] and "nz" in result["error"]
    assert len(ran) == 1


def test_a_sweep_over_missing_data_stops_before_planning_a_run(tmp_path, monkeypatch):
    from ganlib.data import DataError
    from ganlib.sweep import plan

    monkeypatch.setenv("GANLIB_DATA_ROOT", str(tmp_path))
    with pytest.raises(DataError, match="dataset 'carrot_cake' is not in .*ganlib data fetch carrot_cake"):
        plan("inversion", "full", {}, {}, seeds=2, num_threads=None)


def test_the_reports_run_two_labs_at_a_time_each_on_its_share_of_the_cores(tmp_path):
    from ganlib.settings import physical_cores
    from ganlib.sweep import run_reports

    assert run_reports(["inversion", "dcgan"], "smoke", workers=2, root=tmp_path) == {}
    runs = {lab: json.loads((tmp_path / lab / "smoke" / "run.json").read_text()) for lab in ("inversion", "dcgan")}
    for lab, run in runs.items():
        metrics = json.loads((tmp_path / lab / "smoke" / "metrics.json").read_text())
        assert run["ok"] and metrics["hardware"]["threads"] == max(1, physical_cores() // 2)
    first, second = runs.values()
    assert first["started_utc"] < second["finished_utc"] and second["started_utc"] < first["finished_utc"]


def sleeper():
    """A stand-in for a run: ``task(seconds, log)`` sleeps, and logs when it started and ended."""
    def task(seconds: float, log: str) -> dict:     # nested: Dask ships it to the workers by value
        import time
        with open(log, "w") as f:
            f.write(f"{time.time()}\n")
            time.sleep(seconds)
            f.write(f"{time.time()}\n")
        return {"status": "ok"}
    return task


def test_a_worker_that_joins_during_a_sweep_takes_the_next_run(tmp_path, monkeypatch):
    import threading
    from dask.distributed import Client, LocalCluster
    from ganlib import sweep as sweep_module

    def add_a_worker_once_the_first_run_started():   # as a SLURM job that starts after the sweep did
        while not (tmp_path / "run1").exists():
            time.sleep(0.1)
        cluster.scale(2)

    monkeypatch.setattr(sweep_module, "WORKER_CHECK_S", 0.5)
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    threading.Thread(target=add_a_worker_once_the_first_run_started, daemon=True).start()
    try:
        jobs = {run: (8.0, str(tmp_path / run)) for run in ("run1", "run2")}
        assert sweep_module.run_all(client, jobs, "runs", task=sleeper()) == {}
    finally:
        sweep_module.close(client)
    (start1, end1), (start2, _) = ([float(t) for t in (tmp_path / run).read_text().split()] for run in ("run1", "run2"))
    assert start2 < end1            # the second run did not wait for the first one's worker


def test_runs_start_in_the_order_given_whichever_worker_frees_first(tmp_path):
    from ganlib.sweep import close, connect, run_all

    # One long run, then four short ones: the second worker should take every short run in turn
    # while the first is busy, not leave one queued behind the long run.
    durations = {"long": 3.0, "short1": 0.5, "short2": 0.5, "short3": 0.5, "short4": 0.5}
    client = connect(2, None)
    try:
        assert run_all(client, {name: (s, str(tmp_path / name)) for name, s in durations.items()}, "runs",
                       task=sleeper()) == {}
    finally:
        close(client)
    started = {name: float((tmp_path / name).read_text().split()[0]) for name in durations}
    order = sorted(started, key=started.get)
    assert set(order[:2]) == {"long", "short1"}            # one on each worker, at the same moment
    assert order[2:] == ["short2", "short3", "short4"]
    assert started["short4"] < started["long"] + 3.0       # none waited for the long run


def test_a_kernel_started_on_a_dask_worker_leaves_malloc_to_glibc(tmp_path):
    """Dask's workers run with MALLOC_TRIM_THRESHOLD_ set; the kernels they start run without it
    (with it, every tensor over 128 KiB is mapped afresh and training runs about 20% slower)."""
    from types import SimpleNamespace

    import nbformat
    from ganlib import runner
    from ganlib.sweep import close, connect

    probe = tmp_path / "probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os; print(os.environ.get('MALLOC_TRIM_THRESHOLD_', 'unset'))")]), probe)
    lab = SimpleNamespace(id="probe", notebook=probe)
    client = connect(1, None)
    try:
        on_worker = client.submit(os.environ.get, runner.DASK_MALLOC_VAR).result()
        assert client.submit(runner._execute, lab, {}, tmp_path / "out.ipynb").result() is None
    finally:
        close(client)
    assert on_worker is not None                       # what the kernel would otherwise inherit
    printed = nbformat.read(tmp_path / "out.ipynb", 4).cells[0].outputs[0]["text"]
    assert printed.strip() == "unset"


def test_a_users_own_malloc_setting_reaches_the_kernel():
    from ganlib.runner import DASK_MALLOC_VAR, drop_dask_malloc_setting

    env = {DASK_MALLOC_VAR: "1048576"}
    drop_dask_malloc_setting(env)
    assert env == {DASK_MALLOC_VAR: "1048576"}
