"""The i-CLEVR layout: real i-CLEVR and the project's rendered stand-in, one code path.

A folder in this layout holds

* ``objects.json``: the 24 object names -> indices ("gray cube": 0 ... "yellow cylinder": 23);
* ``train.json``: image filename -> list of object names (1-3 per image);
* ``test.json``, ``new_test.json``: lists of 32 label lists each, the lab's evaluation conditions;
* the images, in ``images/`` (the rendered stand-in) or ``iclevr/`` (the course's archive).

``data/iclevr/`` ships the lab's real label files. ``write_scenes`` renders a stand-in for
every entry of its ``train.json``: the same filenames and label lists, hence exactly
i-CLEVR's label distribution. Labels become 24-d multi-hot vectors.
"""
from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch
from filelock import FileLock
from PIL import Image

from . import scenes
from .data import DataError, ImageData, decode_image, resize
from .settings import PROJECT_ROOT, data_root as resolve_data_root, shown_path

LABELS_DIR = PROJECT_ROOT / "data" / "iclevr"      # the lab's real label files
LABEL_FILES = ("objects.json", "train.json", "test.json", "new_test.json")
IMAGE_DIRS = ("images", "iclevr")
SPLITS = ("test", "new_test")


def _read_json(path: Path):
    if not path.is_file():
        raise DataError(f"{path} is missing: an i-CLEVR folder needs {', '.join(LABEL_FILES)}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise DataError(f"{path} is not valid JSON ({e})") from None


def read_objects(root: str | Path) -> dict[str, int]:
    """The name -> index map of ``root/objects.json``."""
    return _read_json(Path(root) / "objects.json")


def multi_hot(label_lists: list[list[str]], objects: dict[str, int], source: str | Path,
              keys: list | None = None) -> torch.Tensor:
    """(N, len(objects)) float multi-hot vectors; an unknown name, or an entry that is not a list of
    names, is an error naming ``source`` and the entry (``keys[k]`` where given, else its index)."""
    out = torch.zeros(len(label_lists), len(objects))
    for k, labels in enumerate(label_lists):
        if not isinstance(labels, list) or not all(isinstance(name, str) for name in labels):
            raise DataError(f"{source}: entry {keys[k] if keys else k!r} must be a list of object names such as "
                            f"[\"red cube\"], got {labels!r}")
        for name in labels:
            if name not in objects:
                raise DataError(f"{source}: label {name!r} is not in objects.json "
                                f"(known: {', '.join(sorted(objects))})")
            out[k, objects[name]] = 1.0
    return out


def load_conditions(root: str | Path, split: str) -> tuple[list[list[str]], torch.Tensor]:
    """The label lists of ``root/<split>.json`` ('test' or 'new_test') and their multi-hot vectors."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; choose from {SPLITS}")
    root = Path(root)
    path = root / f"{split}.json"
    label_lists = _read_json(path)
    if not isinstance(label_lists, list):
        raise DataError(f"{path} must be a list of label lists such as [[\"red cube\"], ...]")
    return label_lists, multi_hot(label_lists, read_objects(root), path)


def image_dir(root: str | Path) -> Path:
    root = Path(root)
    for name in IMAGE_DIRS:
        if (root / name).is_dir():
            return root / name
    raise DataError(f"{root} has no image folder (looked for {', '.join(IMAGE_DIRS)}/)")


def load_iclevr(root: str | Path, image_size: int = 64, max_images: int | None = None,
                name: str = "iclevr", data_root=None) -> ImageData:
    """Images of ``root/train.json`` as uint8 (N, 3, S, S) with multi-hot labels (N, 24).

    ``max_images`` keeps the first entries in filename order (whole scenes first).
    """
    root = Path(root)
    objects = read_objects(root)
    train = _read_json(root / "train.json")
    if not isinstance(train, dict):
        raise DataError(f"{root / 'train.json'} must map image file names to lists of object names")
    files = sorted(train)[:max_images]
    labels = multi_hot([train[f] for f in files], objects, root / "train.json", keys=files)
    folder = image_dir(root)
    images = []
    for f in files:
        path = folder / f
        try:
            images.append(decode_image(path))
        except FileNotFoundError:
            raise DataError(f"{path} is listed in {root / 'train.json'} but missing") from None
        except OSError as e:
            raise DataError(f"{path} is not a readable image ({e})") from None
        if images[-1].shape != images[0].shape:
            raise DataError(f"{path} is {tuple(images[-1].shape[1:])} px but {folder / files[0]} is "
                            f"{tuple(images[0].shape[1:])}: the images of an i-CLEVR folder share one size")
    return resize(ImageData(torch.stack(images), labels, name, shown_path(root, data_root)), image_size)


def _render_chunk(args) -> None:
    out, items, seed, size = args
    for filename, labels in items:
        image = scenes.render_scene(labels, scenes.scene_rng(filename, seed), size)
        Image.fromarray(image).save(out / filename)


def write_scenes(out: str | Path, labels_dir: str | Path = LABELS_DIR, size: int = 64, seed: int = 0,
                 limit: int | None = None, workers: int = 2) -> Path:
    """Render a scene for every entry of ``labels_dir/train.json`` into ``out`` in the i-CLEVR
    layout (label files copied). Written to a temporary folder and renamed when complete, so
    an interrupted run never leaves a folder that looks complete."""
    out, labels_dir = Path(out), Path(labels_dir)
    for name, value, least in (("size", size, 16), ("workers", workers, 1), ("limit", limit, 1)):
        if value is not None and value < least:
            raise DataError(f"--{name} must be at least {least}, got {value}")
    objects = read_objects(labels_dir)
    train = _read_json(labels_dir / "train.json")
    multi_hot(list(train.values()), objects, labels_dir / "train.json")     # fail before rendering
    if out.exists():
        raise DataError(f"{out} already exists; remove it or choose another --out")
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _render_into(tmp, labels_dir, train, size, seed, limit, workers)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)    # nothing half-written is left behind
        raise
    os.replace(tmp, out)
    return out


def _render_into(tmp: Path, labels_dir: Path, train: dict, size: int, seed: int, limit: int | None,
                 workers: int) -> None:
    (tmp / "images").mkdir(parents=True)
    files = sorted(train)[:limit]
    if limit is not None:
        train = {f: train[f] for f in files}
    for name in LABEL_FILES:
        if name == "train.json":
            (tmp / name).write_text(json.dumps(train, indent=0))
        else:
            shutil.copy(labels_dir / name, tmp / name)
    chunks = [(tmp / "images", [(f, train[f]) for f in files[k::workers * 8]], seed, size)
              for k in range(workers * 8)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_render_chunk, chunks))
    else:
        for chunk in chunks:
            _render_chunk(chunk)
    (tmp / "README.md").write_text(
        f"Procedural i-CLEVR stand-in rendered by ganlib.scenes (size {size}, seed {seed}) for the "
        f"label lists of {labels_dir / 'train.json'}.\n")


def scenes_folder(data_root: str | Path | None = None, size: int = 64, seed: int = 0) -> Path:
    """The rendered stand-in under the data root, rendered on first use (about a minute)."""
    folder = resolve_data_root(data_root) / f"iclevr-scenes-{size}px-seed{seed}"
    # The runs of a sweep start together: the first renders, the others wait for it and read its folder.
    with FileLock(folder.with_name(folder.name + ".lock")):
        if not folder.exists():
            print(f"rendering the i-CLEVR stand-in into {shown_path(folder, data_root)} (once) ...", flush=True)
            write_scenes(folder, size=size, seed=seed)
    return folder


def load_scenes(data_root=None, image_size: int = 64, max_images: int | None = None,
                seed: int = 0) -> ImageData:
    """The rendered stand-in at ``image_size``. A capped set is rendered in memory (quick runs);
    the full set is rendered once into the data root and read from there."""
    if max_images is None:
        return load_iclevr(scenes_folder(data_root, 64, seed), image_size, name="scenes", data_root=data_root)
    objects = read_objects(LABELS_DIR)
    train = _read_json(LABELS_DIR / "train.json")
    files = sorted(train)[:max_images]
    label_lists = [train[f] for f in files]
    images = torch.from_numpy(scenes.render_many(label_lists, files, seed, 64)).permute(0, 3, 1, 2)
    return resize(ImageData(images, multi_hot(label_lists, objects, LABELS_DIR / "train.json"), "scenes",
                            f"rendered scenes (seed {seed}, first {len(files)} of train.json)"), image_size)


def load_training(name: str, data_root=None, image_size: int = 64, max_images: int | None = None) -> ImageData:
    """The cgan lab's training scenes (``registry.load_images`` calls this); ``.folder`` holds the
    test.json / new_test.json that go with them.

    * ``scenes``: the project's rendered stand-in (offline, always there);
    * ``iclevr``: the course's i-CLEVR, unpacked by the user under ``<data_root>/iclevr``
      (label files beside an ``iclevr/`` or ``images/`` folder of PNGs).
    """
    if name == "scenes":
        data, folder = load_scenes(data_root, image_size, max_images), LABELS_DIR
    else:
        folder = resolve_data_root(data_root) / "iclevr"
        if not folder.is_dir():
            raise DataError(f"dataset 'iclevr' is not at {folder}: the course hands it out (it cannot be "
                            f"downloaded); unpack it there with {', '.join(LABEL_FILES)} beside its "
                            f"image folder, or use dataset 'scenes' (the rendered stand-in)")
        data = load_iclevr(folder, image_size, max_images, data_root=data_root)
    data.folder = folder
    return data
