"""The i-CLEVR stand-in: renderer, layout, loader, the lab's scoring and its evaluators."""
import json
import multiprocessing
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from torch import nn

from ganlib import iclevr, judges, scenes
from ganlib.data import DataError
from ganlib.metrics import topk_accuracy

TRAIN = json.loads((iclevr.LABELS_DIR / "train.json").read_text())


def test_object_names_follow_the_labs_order():
    objects = iclevr.read_objects(iclevr.LABELS_DIR)
    assert scenes.OBJECT_NAMES == sorted(objects, key=objects.get)
    assert objects["gray cube"] == 0 and objects["red cube"] == 1 and objects["yellow cylinder"] == 23


def test_a_scene_is_deterministic_for_its_seed():
    a = scenes.render_scene(["red cube", "blue sphere"], scenes.scene_rng("CLEVR_train_000007_1.png", 0))
    b = scenes.render_scene(["red cube", "blue sphere"], scenes.scene_rng("CLEVR_train_000007_1.png", 0))
    c = scenes.render_scene(["red cube", "blue sphere"], scenes.scene_rng("CLEVR_train_000007_1.png", 1))
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_files_0_1_2_of_a_scene_add_one_object_at_a_time():
    names = [f"CLEVR_train_000000_{k}.png" for k in range(3)]
    one, two, three = scenes.render_many([TRAIN[n] for n in names], names)
    # the added object (and its shadow) changes a small part of the image, the rest stays put
    assert 0.6 < (one == two).all(-1).mean() < 1.0
    assert 0.6 < (two == three).all(-1).mean() < 1.0


def test_labels_match_what_is_drawn_the_judge_agrees():
    names = sorted(TRAIN)[:96]
    labels = [TRAIN[n] for n in names]
    images = torch.from_numpy(scenes.render_many(labels, names, seed=7)).permute(0, 3, 1, 2)   # unseen seed
    multi_hot = iclevr.multi_hot(labels, iclevr.read_objects(iclevr.LABELS_DIR), "train.json")
    assert judges.load_iclevr_evaluator().accuracy(images, multi_hot) >= 0.95


def test_rendering_is_fast_enough_for_18000_scenes_in_two_minutes():
    names = sorted(TRAIN)[:150]
    t0 = time.perf_counter()
    scenes.render_jobs([(TRAIN[n], n, 0, 64, "plain", 1.0, scenes.STRIPE_PERIOD) for n in names], workers=1)
    per_scene = (time.perf_counter() - t0) / len(names)
    assert per_scene * 18_000 / 2 < 120     # two worker processes


def test_scenes_rendered_by_two_processes_are_those_one_process_renders():
    names = sorted(TRAIN)[:120]
    jobs = [(TRAIN[n], n, 3, 32, style, 2.0, scenes.STRIPE_PERIOD) for n in names for style in scenes.STYLES]
    alone, shared = scenes.render_jobs(jobs, workers=1), scenes.render_jobs(jobs, workers=2)
    assert len(alone) == len(shared) == 240
    for (image, mask), (image2, mask2) in zip(alone, shared):
        assert np.array_equal(image, image2) and np.array_equal(mask, mask2)


def test_written_layout_reads_back(tmp_path):
    out = iclevr.write_scenes(tmp_path / "scenes", limit=9, workers=1)
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "images", "new_test.json",
                                                     "objects.json", "test.json", "train.json"]
    data = iclevr.load_iclevr(out, image_size=32)
    assert data.images.shape == (9, 3, 32, 32) and data.labels.shape == (9, 24)
    assert data.labels.sum(1).tolist() == [1, 2, 3] * 3
    labels, cond = iclevr.load_conditions(out, "test")
    assert len(labels) == 32 and cond.shape == (32, 24) and cond.sum() == sum(map(len, labels))


def _render_slowly(out, size, seed):
    """A stand-in for write_scenes that takes a second and leaves a trace of each call."""
    out = Path(out)
    with open(out.parent / "renders.log", "a") as log:
        log.write(f"{out.name}\n")
    time.sleep(1)
    (out / "images").mkdir(parents=True)
    return out


def _scenes_folder_with_a_slow_render(root):
    iclevr.write_scenes = _render_slowly
    return iclevr.scenes_folder(root)


def test_runs_that_start_together_render_the_scenes_once(tmp_path):
    # The runs of a sweep are separate processes that all ask for the scenes at the start.
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        folders = pool.map(_scenes_folder_with_a_slow_render, [tmp_path, tmp_path])
    assert folders[0] == folders[1] and (folders[0] / "images").is_dir()
    assert (tmp_path / "renders.log").read_text().splitlines() == ["iclevr-scenes-64px-seed0"]


def test_folder_without_objects_json_is_a_clear_error(tmp_path):
    out = iclevr.write_scenes(tmp_path / "scenes", limit=3, workers=1)
    (out / "objects.json").unlink()
    with pytest.raises(DataError, match="objects.json is missing"):
        iclevr.load_iclevr(out)


def test_unknown_label_names_the_file_and_the_label(tmp_path):
    out = iclevr.write_scenes(tmp_path / "scenes", limit=3, workers=1)
    train = json.loads((out / "train.json").read_text())
    train[next(iter(train))] = ["pink cube"]
    (out / "train.json").write_text(json.dumps(train))
    with pytest.raises(DataError, match=r"train\.json: label 'pink cube' is not in objects\.json"):
        iclevr.load_iclevr(out)


def test_missing_real_iclevr_says_where_it_was_expected(tmp_path):
    with pytest.raises(DataError, match="dataset 'iclevr' is not at .*iclevr"):
        iclevr.load_training("iclevr", tmp_path)


def test_topk_accuracy_on_hand_made_cases():
    labels = torch.tensor([[1., 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 1]])
    perfect = labels + 0.1 * torch.arange(4)
    assert topk_accuracy(perfect, labels) == 1.0
    # image 1: top-1 is class 3 (miss); image 2: top-2 are 0, 2 (one hit); image 3: top-3 are 0, 1, 2 (two hits)
    scores = torch.tensor([[.1, .2, .3, .9], [.9, .1, .8, .0], [.9, .8, .7, .1]])
    assert topk_accuracy(scores, labels) == pytest.approx(3 / 6)


def test_official_evaluator_checkpoint_loads(tmp_path):
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None)
    net.fc = nn.Sequential(nn.Linear(512, 24), nn.Sigmoid())
    torch.save({"model": net.state_dict()}, tmp_path / "classifier_weight.pth")

    evaluator = judges.load_iclevr_evaluator(tmp_path / "classifier_weight.pth")
    images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)    # upsampled to 64 inside
    scores = evaluator.scores(images)
    assert scores.shape == (4, 24) and 0 <= scores.min() and scores.max() <= 1
    assert 0 <= evaluator.accuracy(images, torch.eye(24)[:4]) <= 1


def test_evaluator_checkpoint_in_another_format_is_a_clear_error(tmp_path):
    torch.save({"state_dict": {}}, tmp_path / "other.pth")
    with pytest.raises(ValueError, match="no 'model' entry"):
        judges.load_official_evaluator(tmp_path / "other.pth")
    torch.save({"model": nn.Linear(2, 2).state_dict()}, tmp_path / "wrong.pth")
    with pytest.raises(ValueError, match="resnet18 with a 24-way sigmoid head"):
        judges.load_official_evaluator(tmp_path / "wrong.pth")


def test_scene_zoom_draws_the_same_scenes_with_larger_objects():
    from ganlib.registry import load_images

    _, small = scenes.render_variety("one", 20, 64, seed=3, with_masks=True)
    _, large = scenes.render_variety("one", 20, 64, seed=3, with_masks=True, zoom=2.5)
    assert large.mean() > 4 * small.mean()          # area grows about as zoom squared
    zoomed = load_images("scenes_one", image_size=32, max_images=8, seed=3, scene_zoom=2.5)
    assert zoomed.images.shape == (8, 3, 32, 32) and "objects x2.5" in zoomed.source
    assert "objects x" not in load_images("scenes_one", image_size=32, max_images=8, seed=3).source
