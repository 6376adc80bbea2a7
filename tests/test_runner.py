import json
import os
import subprocess
import sys

import pytest

import nbformat

from ganlib import params
from ganlib.labs import LABS, get_lab
from ganlib.params import PROFILES, ParameterError, defaults, load_profile, notebook_defaults, parse_value, validate
from ganlib.runner import resolve_params, write_index


def ganlib(*args):
    return subprocess.run([sys.executable, "-m", "ganlib", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args, message", [
    (["run", "mnist", "-p", "nz", "-5"], "error: parameter nz must be an integer >= 1, got -5"),
    (["run", "mnist", "-p", "dataset", "nope"], "error: parameter dataset must be one of mnist10k, mnist, got 'nope'"),
    (["run", "mnist", "-p", "no_such_param", "1"], "error: unknown parameter 'no_such_param' for lab mnist; valid: dataset,"),
    (["run", "mnist", "--profile", "nope"], "error: unknown profile 'nope'; choose from smoke, cpu, full"),
    (["run", "nope"], "error: unknown lab 'nope'; choose from dcgan, mnist, cgan"),
    (["run", "mnist", "-p", "lr", "fast"], "error: parameter lr must be a number >= 0, got 'fast'"),
    (["run", "mnist", "-p", "latent_sizes", "[100, 0]"], "error: parameter latent_sizes[1] must be an integer >= 1, got 0"),
    (["run", "cgan", "-p", "configs", "[type3_vanilla]"], "error: parameter configs[0] must be one of type1_vanilla,"),
    (["run", "cgan", "-p", "evaluator_checkpoint", "/nonexistent/classifier_weight.pth"],
     "error: parameter evaluator_checkpoint: no file /nonexistent/classifier_weight.pth"),
    (["sweep", "inversion", "-p", "cat_image", "/nonexistent/cat.jpg"], "error: parameter cat_image: no file /nonexistent/cat.jpg"),
    (["data", "scenes", "--out", "/nonexistent/x", "--labels", "/nonexistent"],
     "error: /nonexistent/objects.json is missing"),
])
def test_bad_input_is_one_clear_line_before_any_kernel_starts(args, message, tmp_path):
    res = ganlib(*args, "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [res.stderr.strip()]      # one line, no traceback
    assert res.stderr.startswith(message)
    assert not (tmp_path / "out").exists()                             # nothing started


def test_the_command_line_answers_without_loading_torch():
    """--help and a bad parameter take a fraction of a second: torch (seconds to import) is loaded only to train."""
    code = ("import sys; from ganlib.cli import main; rc = main(['run', 'mnist', '--profile', 'smoke', '-p', 'nz', '-1']); "
            "print(rc, 'torch' in sys.modules, 'torchvision' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.stdout.split() == ["2", "False", "False"], res.stderr
    assert "parameter nz" in res.stderr


@pytest.mark.parametrize("lab, dataset", [("dcgan", "cars"), ("inversion", "carrot_cake"), ("cyclegan", "horse2zebra")])
def test_a_full_profile_without_its_data_says_how_to_get_it_before_any_kernel_starts(lab, dataset, tmp_path):
    empty = tmp_path / "datasets"
    empty.mkdir()
    res = subprocess.run([sys.executable, "-m", "ganlib", "run", lab, "--profile", "full", "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120, env={**os.environ, "GANLIB_DATA_ROOT": str(empty)})
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [res.stderr.strip()]      # one line, no traceback
    assert res.stderr.startswith(f"error: dataset {dataset!r} is not in ")
    assert f"python -m ganlib data fetch {dataset}" in res.stderr
    assert not (tmp_path / "out").exists()                             # no kernel, nothing written


@pytest.mark.parametrize("lab", LABS)
def test_papermill_reads_every_parameters_type_from_the_notebook(lab):
    import papermill

    inferred = papermill.inspect_notebook(str(get_lab(lab).notebook))      # what papermill --help-notebook shows
    declared = get_lab(lab).params
    assert {name: p["inferred_type_name"] for name, p in inferred.items()} == \
        {name: param.type_hint() for name, param in declared.items()}
    assert get_lab("mnist").params["max_images"].type_hint() == "Optional[int]"
    assert get_lab("cgan").params["num_threads"].type_hint() == "Union[int, str]"


def test_values_are_read_as_yaml():
    assert parse_value("5") == 5 and parse_value("[100, 200]") == [100, 200]
    assert parse_value("true") is True and parse_value("null") is None
    assert validate(get_lab("mnist"), {"lr": parse_value("1e-4")}) == {"lr": 1e-4}
    assert validate(get_lab("mnist"), {"lr": 1}) == {"lr": 1.0}
    with pytest.raises(ParameterError, match="must be true or false"):
        validate(get_lab("mnist"), {"resume": 1})


@pytest.mark.parametrize("lab", LABS)
def test_each_parameter_is_declared_once_and_the_notebook_cell_is_generated_from_it(lab):
    lab = get_lab(lab)
    assert validate(lab, defaults(lab)) == defaults(lab)
    assert notebook_defaults(lab) == defaults(lab)
    assert params.parameters_cell(lab) in nbformat.read(lab.notebook, as_version=4).cells[1].source, \
        "stale parameters cell: run python -m ganlib labs --write-cells"
    cpu = load_profile(lab, "cpu")
    assert not [k for k, v in cpu.items() if defaults(lab)[k] == v], "cpu.yaml repeats a default"
    for profile in PROFILES:
        resolve_params(lab.id, profile)


def test_a_profile_changes_only_what_it_names():
    smoke = load_profile(get_lab("mnist"), "smoke")
    params = resolve_params("mnist", "smoke", {"nz": 7})
    assert params["nz"] == 7 and params["num_epochs"] == smoke["num_epochs"]
    assert params["latent_sizes"] == defaults(get_lab("mnist"))["latent_sizes"]    # not in smoke.yaml


def test_labs_lists_parameters_and_defaults():
    res = ganlib("labs")
    assert res.returncode == 0
    assert "mnist:" in res.stdout and "latent_sizes = [100, 200]" in res.stdout


def test_index_links_reports_figures_and_original_numbers(tmp_path):
    folder = tmp_path / "mnist" / "smoke"
    (folder / "figures").mkdir(parents=True)
    (folder / "figures" / "study1_samples.png").write_bytes(b"png")
    (folder / "metrics.json").write_text(json.dumps({"frechet_floor": 12.5, "runs": {"dcgan_nz100": {"seconds": 3.0}}}))
    (folder / "run.json").write_text(json.dumps({"seconds": 42.0, "finished_utc": "2026-11-23", "ok": True}))
    page = write_index(tmp_path).read_text()
    assert "mnist/smoke/mnist.html" in page and "wall time 42 s" in page
    assert "mnist/smoke/figures/study1_samples.png" in page
    assert "runs.dcgan_nz100.seconds" in page and "frechet_floor" in page
    assert "Loss_D 0.8812" in page                                       # report 001's own numbers


def test_index_lists_runs_written_with_out_and_what_they_changed(tmp_path):
    params = {**resolve_params("cyclegan", "cpu"), "dataset": "horse2zebra"}
    folder = tmp_path / "cyclegan" / "cpu-horse2zebra"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"profile": "cpu", "parameters": params, "seconds": 700.0,
                                                 "finished_utc": "2026-11-23", "ok": True}))
    page = write_index(tmp_path).read_text()
    assert "run cpu-horse2zebra: profile cpu, dataset = horse2zebra: " in page
    assert "cyclegan/cpu-horse2zebra/cyclegan.html" in page and "wall time 700 s" in page


def test_a_folder_with_one_corrupt_png_trains_and_the_report_names_it(tmp_path):
    import numpy as np
    from PIL import Image

    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for k in range(40):
        Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(folder / f"good_{k:02d}.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    out = tmp_path / "report"
    res = ganlib("run", "dcgan", "--profile", "smoke", "-p", "datasets", f"[{folder}, scenes_one]",
                 "-p", "max_images", "64", "--out", str(out))
    assert res.returncode == 0, res.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["datasets"][str(folder)]["num_train_images"] == 40
    assert "broken.png" in " ".join(metrics["datasets"][str(folder)]["skipped_files"])
    assert "broken.png" in (out / "dcgan.html").read_text()


@pytest.mark.parametrize("lab", LABS)
def test_executed_notebooks_name_no_folder_of_the_machine_they_ran_on(lab):
    from ganlib.settings import PROJECT_ROOT, data_root

    text = (PROJECT_ROOT / "tests" / "notebooks" / f"{lab}.ipynb").read_text()   # written by the runner
    for folder in {str(PROJECT_ROOT), str(data_root().resolve())}:
        assert folder not in text


def test_the_html_report_shows_the_parameters_once(tmp_path):
    from ganlib.pages import export_notebook

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("nz = 100  # the declared value", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("nz = 64", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("print(nz)")])
    nbformat.write(nb, tmp_path / "lab.ipynb")
    page = export_notebook(tmp_path / "lab.ipynb").read_text()
    assert "declared value" not in page and "64" in page


def test_the_report_view_has_no_code_and_opens_on_the_parameters(tmp_path):
    from ganlib.pages import export_report_view

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# The lab"),
        nbformat.v4.new_code_cell("nz = 64", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("print('FD 12.5'); import sys; print('a warning', file=sys.stderr)",
                                  outputs=[nbformat.v4.new_output("stream", name="stdout", text="FD 12.5\n"),
                                           nbformat.v4.new_output("stream", name="stderr", text="a warning\n")])])
    nbformat.write(nb, tmp_path / "lab.ipynb")
    page = export_report_view(tmp_path / "lab.ipynb", {"nz": 64, "dataset": "<b>my set</b>"}).read_text()
    assert "FD 12.5" in page and "a warning" not in page and "print(" not in page
    assert page.index("The lab") < page.index("run-parameters") < page.index("FD 12.5")
    assert "&lt;b&gt;my set&lt;/b&gt;" in page and "<b>my set" not in page
    assert 'href="lab.html"' in page                     # the executed notebook, code included


def test_headless_progress_is_one_final_line(capsys):
    from ganlib.ui import NotebookProgress

    bar = NotebookProgress(total=10, desc="dcgan", initial=4)
    for _ in range(6):
        bar.update(1)
    bar.close()
    out = capsys.readouterr()
    assert out.err == "" and out.out.startswith("dcgan: 6 iterations in ") and out.out.endswith("s (10/10)\n")


def test_a_plain_papermill_run_stores_no_widget_state_and_keeps_its_live_outputs(tmp_path):
    from ganlib.settings import PROJECT_ROOT

    env = {k: v for k, v in os.environ.items() if k != "GANLIB_HEADLESS"}   # papermill as its users call it
    env["GANLIB_OUT_DIR"] = str(tmp_path / "report")
    res = subprocess.run([sys.executable, "-m", "papermill", "mnist.ipynb", str(tmp_path / "out.ipynb"),
                          "-f", "params/mnist/smoke.yaml", "-y", "models: [dcgan]", "--no-progress-bar"],
                         cwd=PROJECT_ROOT / "notebooks", env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    text = (tmp_path / "out.ipynb").read_text()
    assert "application/vnd.jupyter.widget" not in text and '"widgets"' not in text
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any("iterations in" in str(o.get("data", {}).get("text/plain", "")) for o in outputs)   # a bar's end
    live_panels = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert len(live_panels) > len(list((tmp_path / "report" / "figures").glob("*.png")))      # figures + panels


def test_a_run_prints_no_kernel_notices_to_the_terminal(tmp_path):
    res = ganlib("run", "dcgan", "--profile", "smoke", "--out", str(tmp_path / "dcgan"))
    assert res.returncode == 0, res.stderr
    assert "without encryption" not in res.stderr and res.stderr.strip() == ""
    assert res.stdout.splitlines()[-1].startswith("done in ")
    assert json.loads((tmp_path / "dcgan" / "run.json").read_text())["status"] == "ok"


def test_the_training_animation_plays_offline():
    import torch
    from ganlib import viz

    frames = {k: torch.full((4, 3, 8, 8), 60 * k, dtype=torch.uint8) for k in range(3)}
    page = viz.animation_html(frames, n=4, nrow=2)
    assert "http" not in page, "the animation fetches something from the network"
    assert "\u25b6" in page                      # the play button is a character, not a web font icon
