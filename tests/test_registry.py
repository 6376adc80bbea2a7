"""The dataset registry: fetch through a fake kaggle API (no test touches the network), list, load."""
import subprocess
import sys
import time
import types
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from ganlib import registry
from ganlib.data import DataError


def make_zip(path, names):
    """A small Kaggle-like archive of JPEGs."""
    with zipfile.ZipFile(path, "w") as z:
        for name in names:
            img = path.parent / "tmp.jpg"
            Image.new("RGB", (40, 30), (200, 30, 30)).save(img)
            z.write(img, name)
    return path


class FakeKaggleApi:
    """Stands in for kaggle.api: serves one zip, or fails as an offline machine would."""

    def __init__(self, archive=None, error=None):
        self.archive, self.error, self.calls = archive, error, []

    def authenticate(self):
        pass

    def dataset_download_files(self, ref, path, unzip, quiet):
        self.calls.append(ref)
        if self.error:
            (registry.Path(path) / "half-written.zip").write_bytes(b"PK")
            raise self.error
        with zipfile.ZipFile(self.archive) as z:
            z.extractall(path)


@pytest.fixture
def fake_kaggle(monkeypatch, tmp_path):
    def install(**kwargs):
        api = FakeKaggleApi(**kwargs)
        monkeypatch.setitem(sys.modules, "kaggle", types.SimpleNamespace(api=api))
        monkeypatch.setenv("KAGGLE_USERNAME", "someone")
        monkeypatch.setenv("KAGGLE_KEY", "secret")
        return api
    return install


def test_fetch_downloads_into_the_data_root(fake_kaggle, tmp_path):
    archive = make_zip(tmp_path / "cars.zip", [f"cars_train/{k:05d}.jpg" for k in range(5)])
    api = fake_kaggle(archive=archive)
    folder = registry.fetch("cars", tmp_path / "root")
    assert api.calls == ["jessicali9530/stanford-cars-dataset"]
    assert folder == tmp_path / "root" / "cars"
    assert len(registry.image_files("cars", tmp_path / "root")) == 5
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == [".cars.lock", "cars"]   # no partial folder
    data = registry.load_registered("cars", tmp_path / "root", image_size=16)
    assert data.images.shape == (5, 3, 16, 16)


def test_cats_keeps_only_the_cat_images(fake_kaggle, tmp_path):
    names = [f"dataset/training_set/{kind}/{kind}.{k}.jpg" for kind in ("cats", "dogs") for k in range(3)]
    fake_kaggle(archive=make_zip(tmp_path / "cd.zip", names))
    registry.fetch("cats", tmp_path)
    assert [p.name for p in registry.image_files("cats", tmp_path)] == ["cats.0.jpg", "cats.1.jpg", "cats.2.jpg"]


def test_offline_download_leaves_nothing_behind(fake_kaggle, tmp_path):
    fake_kaggle(error=OSError("Name or service not known"))
    with pytest.raises(DataError, match="download of jessicali9530/stanford-cars-dataset failed: cannot reach Kaggle .offline"):
        registry.fetch("cars", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [".cars.lock"]


def test_interrupted_download_never_looks_complete(fake_kaggle, tmp_path):
    fake_kaggle(error=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        registry.fetch("cars", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [".cars.lock"]


def test_two_fetches_at_once_download_once(fake_kaggle, tmp_path):
    archive = make_zip(tmp_path / "cars.zip", [f"cars_train/{k:05d}.jpg" for k in range(5)])
    api = fake_kaggle(archive=archive)
    slow_download = api.dataset_download_files

    def download_slowly(*args, **kwargs):
        time.sleep(0.5)                     # the other fetch starts meanwhile
        slow_download(*args, **kwargs)
    api.dataset_download_files = download_slowly
    with ThreadPoolExecutor(2) as pool:
        folders = list(pool.map(lambda _: registry.fetch("cars", tmp_path / "root"), range(2)))
    assert folders[0] == folders[1] and api.calls == ["jessicali9530/stanford-cars-dataset"]
    assert len(registry.image_files("cars", tmp_path / "root")) == 5


def test_fetch_without_credentials_is_one_clear_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "GANLIB_DATA_ROOT": str(tmp_path / "root")}
    res = subprocess.run([sys.executable, "-m", "ganlib", "data", "fetch", "cars"], env=env,
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "error: Kaggle credentials are missing: put your API token in ~/.kaggle/kaggle.json "
        "(kaggle.com > Settings > API > Create New Token) or set KAGGLE_USERNAME and KAGGLE_KEY"]
    assert not (tmp_path / "root" / "cars").exists()


def test_celeba_reads_the_kaggle_layout_through_the_data_root(tmp_path):
    sample = registry.resolve_data_root() / "celeba-sample"
    if not sample.is_dir():
        pytest.skip(f"no CelebA sample under {sample.parent} (set GANLIB_DATA_ROOT)")
    (tmp_path / "celeba").symlink_to(sample)
    assert len(registry.image_files("celeba", tmp_path)) == 200
    data = registry.load_registered("celeba", tmp_path, image_size=64, max_images=16)
    assert data.images.shape == (16, 3, 64, 64)
    rows = {r["name"]: r for r in registry.status(tmp_path)}
    assert rows["celeba"]["present"] and rows["celeba"]["images"] == 200
    assert not rows["cars"]["present"]


def test_absent_dataset_says_how_to_fetch_it(tmp_path):
    with pytest.raises(DataError, match="python -m ganlib data fetch cats"):
        registry.load_registered("cats", tmp_path)
    with pytest.raises(DataError, match="unknown dataset 'dogs'"):
        registry.get("dogs")
