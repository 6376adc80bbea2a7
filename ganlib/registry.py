"""The registry of real datasets: where each comes from, how it is laid out, its terms.

``fetch(name)`` downloads a dataset into ``<data root>/<name>/``: Kaggle datasets through
the kaggle API (imported only when needed: it authenticates on import), MNIST through
torchvision. The download goes to a temporary folder that is renamed when complete, so an
interrupted download never looks like a dataset. ``status()`` says what is present.

Offline defaults (the embedded MNIST, the rendered scenes) are not in this registry: they
are always there. ``load_images(name, ...)`` loads any single image set by name (offline
defaults, registered datasets, i-CLEVR, a folder); ``load_unaligned`` the two-domain sets
of the CycleGAN lab.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from .errors import DataError
from .settings import IMAGE_EXTENSIONS, data_root as resolve_data_root, looks_like_path, shown_path

if TYPE_CHECKING:                  # loaded when an image set is: listing and checking data need no torch
    from .data import ImageData


@dataclass(frozen=True)
class Dataset:
    name: str
    source: str            # 'kaggle', 'torchvision' or 'user'
    ref: str               # Kaggle owner/slug, torchvision class, or where to get it
    layout: str            # what the folder holds once fetched
    licence: str
    images: str = "**/*"   # glob (under the dataset folder) of the images the labs use


REGISTRY = {d.name: d for d in (
    Dataset("celeba", "kaggle", "jessicali9530/celeba-dataset",
            "img_align_celeba/img_align_celeba/*.jpg: 202,599 aligned faces, 178x218 (plus attribute CSVs)",
            "CelebA (Liu et al., 2015): non-commercial research and educational use only",
            "**/img_align_celeba/*.jpg"),
    Dataset("cars", "kaggle", "jessicali9530/stanford-cars-dataset",
            "cars_train/ and cars_test/: 16,185 car photos of 196 models, various sizes",
            "Stanford Cars (Krause et al., 2013): for non-commercial research purposes"),
    Dataset("cats", "kaggle", "chetankv/dogs-cats-images",
            "dataset/{training_set,test_set}/{cats,dogs}/*.jpg; the labs use the cat images only",
            "from the Kaggle Dogs vs. Cats data (Microsoft Asirra): research use",
            "**/cats/*"),
    Dataset("carrot_cake", "kaggle", "dansbecker/food-101",
            "food-101/images/<class>/*.jpg; the labs use the carrot_cake class (1,000 photos)",
            "Food-101 (Bossard et al., 2014): images from foodspotting.com, research use",
            "**/carrot_cake/*"),
    Dataset("horse2zebra", "kaggle", "balraj98/horse2zebra-dataset",
            "trainA (1,067 horses), trainB (1,334 zebras), testA, testB: 256x256 JPEG "
            "(also the CycleGAN authors' horse2zebra.zip)",
            "ImageNet images packaged by Zhu et al. (2017): research use"),
    Dataset("mnist", "torchvision", "torchvision.datasets.MNIST",
            "MNIST/raw/: 60,000 train and 10,000 test digits in IDX files",
            "MNIST (LeCun, Cortes, Burges), CC BY-SA 3.0"),
    Dataset("iclevr", "user", "handed out with the NYCU Deep Learning and Practice GAN lab",
            "objects.json, train.json, test.json, new_test.json beside iclevr/*.png",
            "CLEVR (Johnson et al., 2017), CC BY 4.0; the i-CLEVR packaging is the course's"),
)}


def get(name: str) -> Dataset:
    if name not in REGISTRY:
        raise DataError(f"unknown dataset {name!r}; choose from {', '.join(REGISTRY)}")
    return REGISTRY[name]


def folder(name: str, data_root=None) -> Path:
    """Where a fetched dataset lives: ``<data root>/<name>`` (MNIST: torchvision's ``MNIST``)."""
    return resolve_data_root(data_root) / ("MNIST" if name == "mnist" else name)


def image_files(name: str, data_root=None) -> list[Path]:
    """The dataset's images (sorted), by its registry glob; [] when it is not there."""
    root = folder(name, data_root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob(get(name).images) if p.suffix.lower() in IMAGE_EXTENSIONS)


def _kaggle_config() -> Path:
    return Path(os.environ.get("KAGGLE_CONFIG_DIR", Path.home() / ".kaggle"))


def kaggle_credentials_present() -> bool:
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY") or os.environ.get("KAGGLE_API_TOKEN"):
        return True
    return (_kaggle_config() / "kaggle.json").is_file() or (_kaggle_config() / "access_token").is_file()


def _check_kaggle_json() -> None:
    """A kaggle.json that kaggle would reject with its login help: one line naming the file instead."""
    import json

    path = _kaggle_config() / "kaggle.json"
    if os.environ.get("KAGGLE_USERNAME") or os.environ.get("KAGGLE_API_TOKEN") or not path.is_file():
        return
    try:
        token = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise DataError(f"{path} is not a readable Kaggle token ({type(e).__name__}); download a new one "
                        "from kaggle.com > Settings > API > Create New Token") from None
    if not (isinstance(token, dict) and isinstance(token.get("username"), str) and isinstance(token.get("key"), str)):
        raise DataError(f'{path} must hold {{"username": "...", "key": "..."}}; download a new token from '
                        "kaggle.com > Settings > API > Create New Token")


def is_network_error(error: BaseException) -> bool:
    """Whether an error (or one it was raised from) says the network could not be reached."""
    names = {"ConnectionError", "NewConnectionError", "MaxRetryError", "NameResolutionError", "ConnectTimeout",
             "ReadTimeout", "Timeout", "gaierror", "ProxyError"}
    words = ("name or service not known", "temporary failure in name resolution", "failed to resolve",
             "network is unreachable", "max retries exceeded", "connection refused")
    while error is not None:
        if (isinstance(error, (ConnectionError, TimeoutError)) or type(error).__name__ in names
                or any(w in str(error).lower() for w in words)):
            return True
        error = error.__cause__ or error.__context__
    return False


def _kaggle_api():
    """The authenticated kaggle API, or one clear line before anything is written."""
    import contextlib
    import io

    if not kaggle_credentials_present():
        raise DataError("Kaggle credentials are missing: put your API token in ~/.kaggle/kaggle.json "
                        "(kaggle.com > Settings > API > Create New Token) or set KAGGLE_USERNAME and KAGGLE_KEY")
    _check_kaggle_json()
    said = io.StringIO()   # kaggle prints its login help itself; keep it for the one line
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            import kaggle   # authenticates on import
            kaggle.api.authenticate()
    except (Exception, SystemExit) as e:
        if is_network_error(e):
            raise DataError(f"cannot reach Kaggle to check the credentials (offline? {type(e).__name__})") from None
        detail = next((line.strip() for line in said.getvalue().splitlines() if line.strip()), str(e))
        raise DataError(f"Kaggle rejected the credentials: {detail}") from None
    return kaggle.api


def fetch(name: str, data_root=None, force: bool = False) -> Path:
    """Download a dataset into ``<data root>/<name>``; return its folder."""
    ds = get(name)
    target = folder(name, data_root)
    if ds.source == "user" and (force or not target.exists()):
        raise DataError(f"{name} cannot be downloaded: {ds.ref}. Unpack it into {target} ({ds.layout})")
    # Credentials are checked before anything is written, so a bad token leaves the data root as it was.
    api = _kaggle_api() if ds.source == "kaggle" and (force or not target.exists()) else None
    target.parent.mkdir(parents=True, exist_ok=True)
    # Two fetches of one dataset at once (two terminals, runs that start together) would share the
    # partial folder: the first downloads, the other waits and then finds it present.
    with FileLock(target.with_name(f".{target.name}.lock")):
        if target.exists() and not force:
            print(f"{name}: already present in {target}")
            return target
        _download(name, ds, target, api)
    print(f"{name}: {len(image_files(name, data_root)) or 'no'} images in {target}")
    return target


def _download(name: str, ds: Dataset, target: Path, api=None) -> None:
    """Download ``ds`` (with the Kaggle ``api`` if it is a Kaggle dataset) into a partial folder
    beside ``target``, then move it into place."""
    tmp = target.with_name(f".{target.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        if ds.source == "kaggle":
            tmp.mkdir(parents=True)
            print(f"{name}: downloading kaggle dataset {ds.ref} into {target}", flush=True)
            try:
                api.dataset_download_files(ds.ref, path=str(tmp), unzip=True, quiet=False)
            except Exception as e:
                cause = "cannot reach Kaggle (offline?)" if is_network_error(e) else "Kaggle refused it"
                raise DataError(f"download of {ds.ref} failed: {cause}: {type(e).__name__}: "
                                f"{str(e).splitlines()[0] if str(e) else 'no message'}") from None
            complete = tmp
        else:
            import torchvision
            try:
                torchvision.datasets.MNIST(str(tmp), download=True)     # -> tmp/MNIST/raw
            except Exception as e:
                raise DataError(f"download of MNIST failed (offline? {type(e).__name__}); the embedded "
                                "'mnist10k' works offline") from None
            complete = tmp / "MNIST"
        if target.exists():
            shutil.rmtree(target)
        os.replace(complete, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def status(data_root=None) -> list[dict]:
    """One row per registered dataset: present or not, where, how many images."""
    rows = []
    for name, ds in REGISTRY.items():
        where = folder(name, data_root)
        if name == "mnist":
            count = 70_000 if (where / "raw" / "train-images-idx3-ubyte").exists() else 0
        elif name == "iclevr":
            count = len(list(where.glob("*/*.png"))) if where.is_dir() else 0
        else:
            count = len(image_files(name, data_root))
        rows.append({"name": name, "present": where.is_dir(), "folder": str(where), "images": count,
                     "source": f"{ds.source}: {ds.ref}", "licence": ds.licence})
    return rows


def missing(name: str, data_root=None) -> str | None:
    """The one-line error for a registered dataset that is not under the data root, saying how to
    get it; None when it is there (or torchvision fetches it itself)."""
    ds = get(name)
    present = (ds.source == "torchvision" or (folder(name, data_root).is_dir() if name == "horse2zebra"
                                              else bool(image_files(name, data_root))))
    if present:
        return None
    how = f"get it with `python -m ganlib data fetch {name}`" if ds.source != "user" else f"it is {ds.ref}"
    return (f"dataset {name!r} is not in {folder(name, data_root)}: {how} "
            f"(or point data_root / $GANLIB_DATA_ROOT at a folder holding it)")


def registered_in(params: dict) -> list[str]:
    """The registered datasets a run's parameters name: any text value, or item of a list, that is
    a registered dataset's name (only dataset parameters take those)."""
    values = [v for value in params.values() for v in (value if isinstance(value, list) else [value])]
    return [v for v in values if isinstance(v, str) and v in REGISTRY]


def require(names, data_root=None) -> None:
    """Raise ``DataError`` for the first registered dataset of ``names`` that is missing (other
    names, the rendered and embedded sets and folders, are left to their loaders)."""
    for name in names:
        if name in REGISTRY and (error := missing(name, data_root)):
            raise DataError(error)


def load_registered(name: str, data_root=None, image_size: int = 64, max_images: int | None = None) -> ImageData:
    """A fetched image dataset (its registry glob) as ImageData; absent: a clear error saying
    how to fetch it."""
    files = image_files(name, data_root)
    if not files:
        require([name], data_root)          # raises, saying how to get it
    from .data import load_image_files
    return load_image_files(files, image_size, max_images, name, f"{name} ({shown_path(folder(name, data_root), data_root)})")


SCENE_SETS = {"scenes_one": "one", "scenes_many": "many", "scenes_close": "close"}
DEFAULT_SCENES = 6000


def load_images(name: str, data_root=None, image_size: int | None = 64, max_images: int | None = None,
                seed: int = 0, scene_zoom: float | None = None) -> ImageData:
    """Training images by name, for every lab:

    * digits: 'mnist10k' (embedded), 'mnist' (torchvision), at ``image_size`` (None: 28 px);
    * rendered scene sets: 'scenes_one', 'scenes_many', 'scenes_close' (``max_images`` scenes, 6,000 by default;
      ``scene_zoom`` scales their objects, None: each set's own size);
    * i-CLEVR with multi-hot labels: 'scenes' (the rendered stand-in), 'iclevr' (the course's);
    * a registered dataset ('cars', 'cats', 'celeba', 'carrot_cake');
    * the path of an image folder.
    """
    import torch
    from . import iclevr, scenes
    from .data import ImageData, load_image_folder, load_mnist, load_mnist10k, resize

    if name == "mnist10k":
        return resize(load_mnist10k(max_images), image_size)
    if name == "mnist":
        return resize(load_mnist(data_root, train=True, max_images=max_images), image_size)
    if name in ("scenes", "iclevr"):
        return iclevr.load_training(name, data_root, image_size, max_images)
    if name in SCENE_SETS:
        n = max_images or DEFAULT_SCENES
        images = scenes.render_variety(SCENE_SETS[name], n, 64, seed, zoom=scene_zoom)
        zoomed = f", objects x{scene_zoom:g}" if scene_zoom not in (None, 1) else ""
        return resize(ImageData(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), None, name,
                                f"{n} rendered scenes: {scenes.VARIETIES[SCENE_SETS[name]]} (seed {seed}{zoomed})"),
                      image_size)
    if name in REGISTRY and REGISTRY[name].source == "kaggle" and name != "horse2zebra":
        return load_registered(name, data_root, image_size, max_images)
    if looks_like_path(name):
        return load_image_folder(name, image_size, max_images)
    choices = ["mnist10k", "mnist", *SCENE_SETS, "scenes", "iclevr",
               *(n for n, d in REGISTRY.items() if d.source == "kaggle" and n != "horse2zebra")]
    raise DataError(f"unknown dataset {name!r}; choose from {', '.join(choices)} or give an image folder path")


# --- two domains, unaligned (CycleGAN) -----------------------------------------------

SPLITS = ("trainA", "trainB", "testA", "testB")
DOMAIN_NAMES = {"scenes": ("plain", "striped"), "horse2zebra": ("horse", "zebra")}


@dataclass
class Unaligned:
    """Two image domains A and B, each split into train and test; ``paired`` when testA[k]
    and testB[k] show the same content (the rendered scenes), so translations can be
    scored against the image they should have produced."""
    trainA: ImageData
    trainB: ImageData
    testA: ImageData
    testB: ImageData
    paired: bool
    domains: tuple[str, str]          # what A and B are, e.g. ("horse", "zebra")
    source: str

    @property
    def skipped(self) -> list[str]:
        """Each part's unreadable files, as ``ImageData.skipped`` names them."""
        return [d.skipped for d in (self.trainA, self.trainB, self.testA, self.testB) if d.skipped]


def load_unaligned(name: str, data_root=None, image_size: int = 64, max_images: int | None = None,
                   num_test: int = 200, seed: int = 0, stripe_period: float | None = None) -> Unaligned:
    """Two-domain data by name: 'scenes' (rendered plain vs striped objects, ``max_images``
    training scenes per domain, 2,000 by default, ``num_test`` test pairs, bands ``stripe_period``
    object radii apart, by default ``scenes.STRIPE_PERIOD``), 'horse2zebra'
    (the registry's, under ``<data root>/horse2zebra``), or the path of any folder holding
    trainA/, trainB/, testA/ and testB/. ``max_images`` caps each training domain."""
    import torch
    from . import scenes
    from .data import ImageData

    if name == "scenes":
        n = max_images or 2000
        arrays = scenes.render_domains(n, num_test, image_size, seed,
                                       stripe_period=stripe_period or scenes.STRIPE_PERIOD)
        parts = {k: ImageData(torch.from_numpy(v).permute(0, 3, 1, 2).contiguous(), None, f"scenes-{k}",
                              f"rendered scenes ({k}, seed {seed})") for k, v in arrays.items()}
        return Unaligned(**parts, paired=True, domains=DOMAIN_NAMES["scenes"],
                         source=f"{n} + {n} rendered training scenes (plain / striped, unpaired), "
                                f"{num_test} rendered test pairs, {image_size} px, seed {seed}")
    if name in REGISTRY:
        if name != "horse2zebra":
            raise DataError(f"dataset {name!r} has no two domains; choose scenes, horse2zebra or a folder "
                            "holding trainA/, trainB/, testA/, testB/")
        require([name], data_root)
        root = folder(name, data_root)
    elif looks_like_path(name):
        root = Path(name)
    else:
        raise DataError(f"unknown dataset {name!r}; choose from scenes, horse2zebra or give a folder holding "
                        "trainA/, trainB/, testA/, testB/")
    missing = [s for s in SPLITS if not (root / s).is_dir()]
    if missing:
        raise DataError(f"{root} lacks {', '.join(missing)}: a two-domain dataset holds trainA/, trainB/, "
                        "testA/ and testB/ (CycleGAN's layout)")
    from .data import load_image_folder
    parts = {s: load_image_folder(root / s, image_size, max_images if s.startswith("train") else None,
                                  f"{root.name}-{s}") for s in SPLITS}
    return Unaligned(**parts, paired=False, domains=DOMAIN_NAMES.get(name, ("A", "B")),
                     source=f"{shown_path(root, data_root)} ({', '.join(f'{s} {len(parts[s])}' for s in SPLITS)}), "
                            f"{image_size} px")
