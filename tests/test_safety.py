"""What a careless or hostile user does with --out, folder names and broken files: the user's files
survive byte for byte, no page runs a script, one bad file spoils nothing else, and a sweep's labels
say what its runs used. Each refusal is one line before anything is written."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ganlib import escape, folders, index, runner, sweep, sweep_report
from ganlib.params import ParameterError
from ganlib.settings import PROJECT_ROOT

HOSTILE = "q'><img src=x onerror=alert(1)>"


def ganlib(*args, cwd=PROJECT_ROOT):
    return subprocess.run([sys.executable, "-m", "ganlib", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def one_line_error(res):
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def thesis(tmp_path) -> Path:
    """A user's folder: a figure, a metrics.json and a chapter of their own."""
    folder = tmp_path / "thesis"
    (folder / "figures").mkdir(parents=True)
    (folder / "figures" / "fig1_final.png").write_bytes(b"\x89PNG my figure")
    (folder / "metrics.json").write_text('{"mine": 1}')
    (folder / "chapter.tex").write_text("\\chapter{GANs}")
    return folder


def fake_notebook(lab, params, executed):
    """What a notebook writes into its folder, without a kernel."""
    (executed.parent / "figures").mkdir(exist_ok=True)
    (executed.parent / "figures" / "study1_d_outputs.png").write_bytes(b"png")
    (executed.parent / "metrics.json").write_text('{"runs": {}}')
    return None


# --- --out writes only where it may -------------------------------------------------------

def test_out_into_a_users_folder_is_refused_and_every_file_survives(thesis):
    before = snapshot(thesis)
    message = one_line_error(ganlib("run", "mnist", "--profile", "smoke", "--out", str(thesis)))
    assert "already holds files that no run of this project wrote" in message and "chapter.tex" in message
    assert snapshot(thesis) == before
    message = one_line_error(ganlib("sweep", "mnist", "--profile", "smoke", "--grid", "nz", "[50, 100]",
                                    "--out", str(thesis)))
    assert "no sweep of this project wrote" in message
    assert snapshot(thesis) == before


@pytest.mark.parametrize("out", ["notebooks", "ganlib", "tests", "data", "reports", ".", "notebooks/params"])
def test_the_projects_own_folders_are_never_an_output_folder(out):
    before = snapshot(PROJECT_ROOT / "notebooks")
    assert "one of the project's own folders" in one_line_error(ganlib("run", "mnist", "--profile", "smoke", "--out", out))
    assert "one of the project's own folders" in one_line_error(
        ganlib("sweep", "mnist", "--profile", "smoke", "--grid", "nz", "[50, 100]", "--out", out))
    assert snapshot(PROJECT_ROOT / "notebooks") == before


def test_another_labs_report_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "_execute", fake_notebook)
    dcgan = tmp_path / "dcgan-cpu"
    runner.run_lab("dcgan", "smoke", out=dcgan, verbose=False)
    before = snapshot(dcgan)
    with pytest.raises(ParameterError, match="holds a run of the dcgan lab, not of mnist"):
        runner.run_lab("mnist", "smoke", out=dcgan, verbose=False)
    assert snapshot(dcgan) == before


def test_a_rerun_removes_only_the_files_its_earlier_run_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "_execute", fake_notebook)
    out = tmp_path / "run"
    runner.run_lab("mnist", "smoke", out=out, verbose=False)
    run = json.loads((out / "run.json").read_text())
    assert run["outputs"] == ["figures/study1_d_outputs.png", "metrics.json"]
    (out / "figures" / "my_notes.png").write_bytes(b"mine")         # the user adds files meanwhile
    (out / "notes.txt").write_text("mine")
    (out / "checkpoints").mkdir()
    (out / "checkpoints" / "dcgan_nz100.pt").write_bytes(b"keep")

    def fails(lab, params, executed):
        return "mnist notebook failed in cell 3: boom"
    monkeypatch.setattr(runner, "_execute", fails)
    with pytest.raises(runner.NotebookFailed, match="cell 3: boom"):
        runner.run_lab("mnist", "smoke", out=out, verbose=False)
    assert not (out / "metrics.json").exists() and not (out / "figures" / "study1_d_outputs.png").exists()
    assert (out / "figures" / "my_notes.png").read_bytes() == b"mine" and (out / "notes.txt").read_text() == "mine"
    assert (out / "checkpoints" / "dcgan_nz100.pt").read_bytes() == b"keep"        # kept for resume
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "failed" and run["outputs"] == []


def test_a_tampered_output_list_cannot_reach_outside_the_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "_execute", fake_notebook)
    out, outside = tmp_path / "run", tmp_path / "precious.txt"
    outside.write_text("keep")
    runner.run_lab("mnist", "smoke", out=out, verbose=False)
    folders.write_run(out, outputs=["../precious.txt", str(outside), "checkpoints/x.pt"])
    runner.run_lab("mnist", "smoke", out=out, verbose=False)
    assert outside.read_text() == "keep"


# --- no page runs a script ----------------------------------------------------------------

def test_escape_keeps_names_as_text_and_links_that_resolve():
    assert escape.text(HOSTILE) == "q&#x27;&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert escape.href("mnist", "run #1?a=%20'\"", "figures", "x.png") == \
        "mnist/run%20%231%3Fa%3D%2520%27%22/figures/x.png"
    assert "](" not in escape.markdown("[click](javascript:alert(1))")


@pytest.mark.parametrize("name", [HOSTILE, "run #1 100% 'quoted'?", "<img src=x onerror=alert(1)>"])
def test_the_index_shows_a_hostile_folder_name_as_text_and_its_links_resolve(tmp_path, monkeypatch, name):
    monkeypatch.setattr(runner, "_execute", fake_notebook)
    out = tmp_path / "mnist" / name
    runner.run_lab("mnist", "smoke", out=out, verbose=False)
    page = index.write_index(tmp_path).read_text()
    assert "<img src=x" not in page and "onerror=alert(1)>" not in page
    link = escape.href("mnist", name, "figures", "study1_d_outputs.png")
    assert f"src='{link}'" in page
    from urllib.parse import unquote
    import html
    assert (tmp_path / unquote(html.unescape(link))).exists()


def test_a_sweep_page_shows_a_hostile_folder_name_as_text(tmp_path):
    folder = tmp_path / HOSTILE
    folder.mkdir()
    (folder / "sweep.json").write_text(json.dumps({"lab": "mnist", "profile": "smoke", "fixed": {}, "grid": {},
                                                   "seeds": 1, "runs": [{"id": HOSTILE, "point": {}, "seed": 1}]}))
    page = sweep_report.write_sweep_report(folder).read_text()
    assert "<img src=x" not in page and "onerror=alert(1)>" not in page
    assert "<title>sweep q&#x27;&gt;&lt;img" in page


# --- one bad file spoils nothing else ----------------------------------------------------

@pytest.mark.parametrize("content", ["", '{"runs": {"dcgan_nz100": {"frechet', '"a string"',
                                     '{"runs": {"dcgan_nz100": {"frechet_distance": "abc"}}, "frechet_floor": 0}'])
def test_the_index_builds_around_an_unreadable_or_wrong_metrics_file(tmp_path, monkeypatch, content):
    monkeypatch.setattr(runner, "_execute", fake_notebook)
    runner.run_lab("dcgan", "smoke", out=tmp_path / "dcgan" / "smoke", verbose=False)
    runner.run_lab("mnist", "smoke", out=tmp_path / "mnist" / "smoke", verbose=False)
    (tmp_path / "mnist" / "smoke" / "metrics.json").write_text(content)
    (tmp_path / "dcgan" / "smoke" / "run.json").write_text("{trunc")
    page = index.write_index(tmp_path).read_text()
    assert "dcgan" in page and "mnist" in page
    if content in ("", '{"runs": {"dcgan_nz100": {"frechet', '"a string"'):
        assert "unreadable: metrics.json" in page
    assert "unreadable: run.json" in page


def test_a_sweep_run_whose_metrics_are_truncated_is_not_finished_and_the_report_still_builds(tmp_path):
    run = sweep.plan("mnist", "smoke", {}, {}, 1, None)[0]
    folder = tmp_path / "s"
    (folder / run.id).mkdir(parents=True)
    (folder / "sweep.json").write_text(json.dumps({"lab": "mnist", "profile": "smoke", "fixed": {}, "grid": {},
                                                   "seeds": 1, "runs": [{"id": run.id, "point": {}, "seed": run.seed}]}))
    from ganlib.runner import absolute_paths, dataset_names
    from ganlib.labs import get_lab, resolve_params
    params = absolute_paths(get_lab("mnist"), resolve_params("mnist", "smoke", run.overrides), dataset_names())
    folders.write_run(folder / run.id, lab="mnist", status="ok", ok=True, parameters=params)
    (folder / run.id / "metrics.json").write_text('{"runs": {"dcg')
    assert not sweep.finished("mnist", "smoke", run, folder / run.id)
    (folder / run.id / "metrics.json").write_text('{"runs": {}}')
    assert sweep.finished("mnist", "smoke", run, folder / run.id)
    (folder / run.id / "metrics.json").write_text("")
    page = sweep_report.write_sweep_report(folder).read_text()
    assert "unreadable" in page


# --- sweeps whose labels say what ran ----------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--grid", "seed", "[1, 2]"], "--grid seed: a sweep's seeds are --seeds K"),
    (["--grid", "num_threads", "[1, 2]"], "--grid num_threads: a sweep gives each run"),
    (["--grid", "nz", "[50, 50]"], "--grid nz: each value once"),
    (["--grid", "nz", "[50]", "--workers", "-1"], "--workers must be between 1 and"),
    (["--grid", "nz", "[50]", "--workers", "0"], "--workers must be between 1 and"),
    (["--grid", "nz", "[50]", "--workers", "100"], "--workers must be between 1 and"),
    (["--grid", "nz", "[50]", "--workers", "1", "--scheduler", "tcp://127.0.0.1:9"], "--workers is for the local cluster"),
    (["--grid", "nz", "[50]", "--scheduler", "nonsense://x"], "cannot reach the Dask scheduler at 'nonsense://x'"),
    (["--grid", "nz", "[50]", "--scheduler", "127.0.0.1:notaport"], "cannot reach the Dask scheduler"),
    (["--grid", "nz", "[50]", "--out", "/etc/passwd/x"], "/etc/passwd/x"),
])
def test_a_sweep_refuses_what_it_cannot_do_in_one_line(args, message, tmp_path):
    if "--out" not in args:
        args = [*args, "--out", str(tmp_path / "s")]
    assert message in one_line_error(ganlib("sweep", "mnist", "--profile", "smoke", *args))


def test_a_scheduler_that_does_not_answer_is_one_line_within_the_connect_timeout(tmp_path):
    import time
    t0 = time.perf_counter()
    message = one_line_error(ganlib("sweep", "mnist", "--profile", "smoke", "--grid", "nz", "[50]",
                                    "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "s")))
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in message
    assert time.perf_counter() - t0 < sweep.CONNECT_TIMEOUT + 30


def test_a_malformed_sweep_json_is_one_line(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "sweep.json").write_text("{not json")
    assert "sweep.json cannot be read" in one_line_error(
        ganlib("sweep", "mnist", "--profile", "smoke", "--grid", "nz", "[50]", "--out", str(tmp_path / "s")))


def test_a_rerun_over_part_of_the_grid_keeps_the_other_points_in_the_plan(tmp_path):
    folder = tmp_path / "s"
    runs = sweep.plan("mnist", "smoke", {}, {"nz": [50, 100]}, 2, 1)
    sweep.write_plan(folder, "mnist", "smoke", {}, {"nz": [50, 100]}, 2, runs)
    sweep.write_plan(folder, "mnist", "smoke", {}, {"nz": [50]}, 1, sweep.plan("mnist", "smoke", {}, {"nz": [50]}, 1, 1))
    plan = json.loads((folder / "sweep.json").read_text())
    assert sorted(r["id"] for r in plan["runs"]) == sorted(r.id for r in runs)
    assert plan["grid"] == {"nz": [50, 100]} and plan["seeds"] == 2
