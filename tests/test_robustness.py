"""What users do to a lab: real folders, odd image files, interrupted and repeated runs, typos.
Each test is one case that once went wrong; the right result or one clear line is expected."""
import json
import math
import os
import subprocess
import sys
import types

import numpy as np
import pytest
import torch
from PIL import Image

from ganlib import folders, iclevr, inversion, labs, params, registry, runner
from ganlib.checkpoint import CheckpointMismatch
from ganlib.data import DataError, ImageData, decode_image
from ganlib.labs import get_lab, parse_overrides
from ganlib.params import ParameterError, validate
from ganlib.losses import VanillaLoss
from ganlib.nets import define_D, define_G
from ganlib.lab_output import LabOutput, as_saved
from ganlib.settings import seed_everything
from ganlib.train import train_gan


def ganlib(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "ganlib", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**os.environ, **(env or {})})


def one_line_error(res, code=2):
    assert res.returncode == code, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


# --- where a run writes -------------------------------------------------------------------

def test_a_run_named_after_a_folder_keeps_its_checkpoint_in_the_report_folder(tmp_path):
    report = LabOutput("dcgan", tmp_path / "report")
    for name in ("/data/faces/img_align_celeba", "/data/faces/img_align_celeba/", "../../escape", ".."):
        path = report.checkpoint(name)
        assert path.parent == tmp_path / "report" / "checkpoints", name


def test_the_notebook_reads_the_numbers_its_metrics_json_holds(tmp_path):
    report = LabOutput("dcgan", tmp_path / "report")
    report.save_metrics({"rate": 0.02500000037252903, "scores": {"fd": float("nan")}})   # a float32 mean
    saved = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert saved == {"rate": 0.025, "scores": {"fd": None}}
    assert f"{report.metrics['rate']:.0%}" == f"{saved['rate']:.0%}" == "2%"   # not 3% beside the index's 2%
    assert math.isnan(report.metrics["scores"]["fd"])


def test_a_reading_made_before_metrics_json_is_written_reads_its_numbers():
    overlap = float(torch.tensor(0.745).item())                   # 0.7450000047..., a float32 statistic
    assert f"{overlap:.2f}" == "0.75"
    assert f"{as_saved({'overlap': overlap})['overlap']:.2f}" == f"{json.loads(json.dumps(0.745)):.2f}" == "0.74"


def test_relative_paths_are_read_from_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "faces").mkdir()
    monkeypatch.chdir(tmp_path)
    values = {**params.defaults(get_lab("dcgan")), "data_root": "root200", "datasets": ["scenes_one", "faces", "./x"]}
    out = folders.absolute_paths(get_lab("dcgan"), values, runner.dataset_names())
    assert out["data_root"] == str(tmp_path / "root200")
    assert out["datasets"] == ["scenes_one", str(tmp_path / "faces"), str(tmp_path / "x")]
    env = {"GANLIB_DATA_ROOT": "root200"}
    folders.absolute_data_root_env(env)
    assert env["GANLIB_DATA_ROOT"] == str(tmp_path / "root200")


# --- parameters ---------------------------------------------------------------------------

def test_string_parameters_are_taken_verbatim_and_numbers_must_be_finite():
    lab = get_lab("mnist")
    assert parse_overrides(lab, [("data_root", "/data/my #1 set")]) == {"data_root": "/data/my #1 set"}
    assert parse_overrides(lab, [("data_root", "&a b")]) == {"data_root": "&a b"}
    assert parse_overrides(lab, [("data_root", "null")]) == {"data_root": None}
    assert parse_overrides(lab, [("nz", "64"), ("latent_sizes", "[32, 64]")]) == {"nz": 64, "latent_sizes": [32, 64]}
    for text in (".nan", ".inf", "-.inf"):
        with pytest.raises(ParameterError, match="parameter lr must be a number"):
            validate(lab, parse_overrides(lab, [("lr", text)]))


def test_a_malformed_profile_is_one_line_naming_the_file(tmp_path, monkeypatch):
    (tmp_path / "params" / "mnist").mkdir(parents=True)
    (tmp_path / "params" / "mnist" / "smoke.yaml").write_text("num_epochs: [1\nnz: 3\n")
    monkeypatch.setattr(params, "NOTEBOOKS", tmp_path)
    with pytest.raises(ParameterError, match=r"smoke.yaml is not valid YAML \(line"):
        params.load_profile(get_lab("mnist"), "smoke")
    (tmp_path / "params" / "mnist" / "smoke.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ParameterError, match="must hold 'name: value' lines"):
        params.load_profile(get_lab("mnist"), "smoke")


@pytest.mark.parametrize("args, message", [
    (["run", "mnist", "-p", "lr", ".nan"], "error: parameter lr must be a number >= 0, got nan"),
    (["judge", "train", "mnist", "--epochs", "-1"], "error: --epochs must be at least 1, got -1"),
    (["data", "scenes", "--out", "OUT", "--size", "0"], "error: --size must be at least 16, got 0"),
    (["data", "scenes", "--out", "OUT", "--workers", "0"], "error: --workers must be at least 1, got 0"),
])
def test_bad_command_values_are_one_line_and_write_nothing(args, message, tmp_path):
    res = ganlib(*[str(tmp_path / "scenes") if a == "OUT" else a for a in args])
    assert one_line_error(res).startswith(message)
    assert list(tmp_path.iterdir()) == []                     # no folder, no .partial


# --- report folders -----------------------------------------------------------------------

def test_out_that_is_a_file_or_not_writable_is_refused_before_anything_runs(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("mine")
    res = ganlib("run", "mnist", "--profile", "smoke", "--out", str(tmp_path / "afile"))
    assert "is a file, not a folder" in one_line_error(res)
    assert (tmp_path / "afile").read_text() == "mine"
    monkeypatch.setattr(folders.os, "access", lambda path, mode: False)   # a read-only folder, even for root
    with pytest.raises(ParameterError, match="cannot write into the report folder"):
        runner.run_lab("mnist", "smoke", out=tmp_path / "ro", verbose=False)


def test_a_kernel_that_dies_marks_the_run_failed(tmp_path, monkeypatch):
    def dies(lab, params, executed):
        raise RuntimeError("Kernel died before replying to kernel_info")
    monkeypatch.setattr(runner, "_execute", dies)
    with pytest.raises(RuntimeError):
        runner.run_lab("mnist", "smoke", out=tmp_path / "run", verbose=False)
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["status"] == "failed" and run["error"] == "RuntimeError: Kernel died before replying to kernel_info"


def interrupted_run(out, monkeypatch) -> None:
    """A smoke run into ``out`` stopped by Ctrl-C, without a kernel."""
    def interrupt(lab, params, executed):
        raise KeyboardInterrupt
    monkeypatch.setattr(runner, "_execute", interrupt)
    with pytest.raises(KeyboardInterrupt):
        runner.run_lab("mnist", "smoke", out=out, verbose=False)


def test_an_interrupted_run_is_marked_and_a_killed_one_reads_incomplete(tmp_path, monkeypatch):
    out = tmp_path / "run"
    interrupted_run(out, monkeypatch)
    assert folders.status(out) == "interrupted"
    folders.write_run(out, status="running")          # what a SIGKILL leaves: 'running', nobody holding the lock
    assert folders.status(out) == "incomplete"
    (tmp_path / "mnist").mkdir()
    os.replace(out, tmp_path / "mnist" / "smoke")
    assert "INCOMPLETE" in runner.write_index(tmp_path).read_text()


def test_a_resumed_run_counts_the_wall_time_of_the_run_it_continues(tmp_path, monkeypatch):
    out = tmp_path / "run"
    interrupted_run(out, monkeypatch)
    folders.write_run(out, seconds=600.0)                  # as if it had trained 10 minutes first
    monkeypatch.setattr(runner, "_execute", lambda lab, params, executed: None)
    runner.run_lab("mnist", "smoke", {"resume": True}, out=out, verbose=False)
    assert 600 <= folders.read_run(out)["seconds"] < 630
    runner.run_lab("mnist", "smoke", out=out, verbose=False)   # a fresh run starts its clock again
    assert folders.read_run(out)["seconds"] < 30


def test_a_second_run_into_a_folder_in_use_is_refused(tmp_path, monkeypatch):
    out = tmp_path / "busy"
    with folders.report_folder(out, "mnist"):
        folders.write_run(out, lab="mnist", status="running", started_utc="2026-11-24T10:00:00+00:00")
        assert folders.status(out) == "running"
        res = ganlib("run", "mnist", "--profile", "smoke", "--out", str(out))
        assert "is in use by another run (started 2026-11-24T10:00:00+00:00)" in one_line_error(res)


# --- training -----------------------------------------------------------------------------

def tiny(n=64):
    seed_everything(0, 2)
    data = ImageData(torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8), None, "tiny", "random")
    return define_G("dcgan", nz=8, ngf=4, nc=1, image_size=28), define_D("dcgan", ndf=4, nc=1, image_size=28), data


def test_resuming_with_fewer_epochs_than_done_is_refused(tmp_path):
    netG, netD, data = tiny()
    args = dict(nz=8, batch_size=16, checkpoint=tmp_path / "c.pt", verbose=False)
    train_gan(netG, netD, data, VanillaLoss(), num_epochs=3, **args)
    netG, netD, data = tiny()
    with pytest.raises(CheckpointMismatch, match=r"at iteration 12 \(3 epochs\), past the 4 iterations \(1 epochs\)"):
        train_gan(netG, netD, data, VanillaLoss(), num_epochs=1, resume=True, **args)


def test_a_torch_file_that_is_not_a_ganlib_checkpoint_is_refused_in_one_line(tmp_path):
    torch.save(torch.zeros(3), tmp_path / "c.pt")
    netG, netD, data = tiny()
    with pytest.raises(CheckpointMismatch, match="is a PyTorch file but not a ganlib checkpoint"):
        train_gan(netG, netD, data, VanillaLoss(), nz=8, checkpoint=tmp_path / "c.pt", resume=True, verbose=False)


# --- data ---------------------------------------------------------------------------------

def test_inversion_heldout_images_are_never_training_images(tmp_path):
    folder = tmp_path / "cakes"
    folder.mkdir()
    for k in range(30):
        Image.fromarray(np.full((32, 32, 3), 8 * k, np.uint8)).save(folder / f"{k:02d}.png")
    train, heldout = inversion.training_and_heldout(str(folder), None, 20, 5, seed=0)
    assert len(train) == 20 and len(heldout) == 5
    train_values = {int(x[0, 0, 0]) for x in train.images}          # each image is one gray level
    held_values = {round(float((x[0, 0, 0] + 1) * 127.5)) for x in heldout}
    assert len(train_values) == 20 and len(held_values) == 5 and not train_values & held_values


@pytest.mark.parametrize("mode, make, mean", [
    ("16-bit grayscale", lambda: Image.fromarray(np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (64, 1))), 127.5),
    ("32-bit grayscale", lambda: Image.fromarray(np.tile(np.linspace(0, 65535, 64).astype(np.int32), (64, 1))), 127.5),
    ("palette", lambda: Image.fromarray(np.full((64, 64, 3), 100, np.uint8)).convert("P"), 100),
    ("RGBA, half transparent", lambda: Image.fromarray(np.dstack([np.zeros((64, 64, 3), np.uint8),
                                                                 np.full((64, 64), 128, np.uint8)]), "RGBA"), 127),
    ("gray + alpha, transparent", lambda: Image.fromarray(np.zeros((64, 64, 2), np.uint8), "LA"), 255),
    ("1-bit", lambda: Image.fromarray(np.ones((64, 64), bool)), 255),
    ("CMYK", lambda: Image.new("CMYK", (64, 64), (0, 0, 0, 0)), 255),
])
def test_every_image_mode_arrives_scaled_to_8_bit_rgb(mode, make, mean, tmp_path):
    path = tmp_path / ("x.tiff" if mode in ("CMYK", "32-bit grayscale") else "x.png")
    make().save(path)
    image = decode_image(path)
    assert image.shape == (3, 64, 64) and image.dtype == torch.uint8, mode
    assert abs(image.float().mean().item() - mean) < 1.5, mode


def iclevr_folder(tmp_path, train, sizes=(16, 16)):
    root = tmp_path / "iclevr"
    (root / "images").mkdir(parents=True)
    (root / "objects.json").write_text(json.dumps({"red cube": 0, "blue sphere": 1}))
    (root / "train.json").write_text(json.dumps(train))
    for k, name in enumerate(sorted(train)):
        size = sizes[min(k, len(sizes) - 1)]
        Image.fromarray(np.zeros((size, size, 3), np.uint8)).save(root / "images" / name)
    return root


@pytest.mark.parametrize("value", ["red cube", 3, [3]])
def test_an_iclevr_entry_that_is_not_a_list_of_names_is_one_line(value, tmp_path):
    root = iclevr_folder(tmp_path, {"a.png": ["red cube"], "b.png": value})
    with pytest.raises(DataError, match=r"train.json: entry 'b.png' must be a list of object names"):
        iclevr.load_iclevr(root, image_size=16)


def test_iclevr_images_of_different_sizes_are_one_line_naming_the_file(tmp_path):
    root = iclevr_folder(tmp_path, {"a.png": ["red cube"], "b.png": ["blue sphere"]}, sizes=(16, 24))
    with pytest.raises(DataError, match=r"b.png is \(24, 24\) px but .*a.png is \(16, 16\)"):
        iclevr.load_iclevr(root, image_size=16)


# --- Kaggle -------------------------------------------------------------------------------

def test_a_malformed_kaggle_json_is_one_line_naming_it(tmp_path):
    (tmp_path / "kaggle.json").write_text("{not json")
    env = {"KAGGLE_CONFIG_DIR": str(tmp_path), "KAGGLE_USERNAME": "", "KAGGLE_KEY": "", "KAGGLE_API_TOKEN": ""}
    res = ganlib("data", "fetch", "cars", "--data-root", str(tmp_path / "root"), env=env)
    assert f"{tmp_path / 'kaggle.json'} is not a readable Kaggle token" in one_line_error(res)
    (tmp_path / "kaggle.json").write_text('{"user": "me"}')
    res = ganlib("data", "fetch", "cars", "--data-root", str(tmp_path / "root"), env=env)
    assert 'must hold {"username": "...", "key": "..."}' in one_line_error(res)
    assert not (tmp_path / "root").exists()


def test_no_network_is_not_blamed_on_the_credentials(monkeypatch, tmp_path):
    class Offline:
        def authenticate(self):
            try:
                raise OSError("[Errno -3] Temporary failure in name resolution")
            except OSError as e:
                raise RuntimeError("Max retries exceeded with url: /api/v1/hello") from e
    monkeypatch.setitem(sys.modules, "kaggle", types.SimpleNamespace(api=Offline()))
    monkeypatch.setenv("KAGGLE_API_TOKEN", "token")
    with pytest.raises(DataError, match=r"cannot reach Kaggle to check the credentials \(offline\?"):
        registry.fetch("cars", tmp_path)
    assert list(tmp_path.iterdir()) == []
