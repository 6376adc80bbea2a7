
import pytest
import torch
from PIL import Image

from ganlib.data import DataError, load_image_folder, load_mnist, resize, to_float, to_uint8
from ganlib.registry import load_images


def test_embedded_mnist_is_ten_thousand_labelled_digits():
    digits = load_images("mnist10k", image_size=None)
    assert digits.images.shape == (10000, 1, 28, 28) and digits.images.dtype == torch.uint8
    assert torch.bincount(digits.labels).min() > 850
    assert torch.bincount(digits.labels[:500]).min() > 30       # shuffled: any prefix has every digit
    assert len(load_images("mnist10k", max_images=100)) == 100
    assert load_images("mnist10k", image_size=32, max_images=4).images.shape == (4, 1, 32, 32)


def test_pixel_ranges_round_trip():
    x = torch.arange(256, dtype=torch.uint8).view(1, 1, 16, 16)
    assert to_float(x).min() == -1 and to_float(x).max() == 1
    assert torch.equal(to_uint8(to_float(x)), x)


def test_unknown_dataset_names_the_choices():
    with pytest.raises(DataError, match="unknown dataset 'nope'; choose from mnist10k, mnist"):
        load_images("nope")


def test_full_mnist_through_the_data_root(full_mnist_root):
    train = load_images("mnist", data_root=full_mnist_root, image_size=None)
    test = load_mnist(full_mnist_root, train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert train.images.shape[1:] == (1, 28, 28)


def test_full_mnist_offline_and_absent_names_the_embedded_one(tmp_path, monkeypatch):
    from torchvision.datasets import MNIST

    def offline(self):
        raise OSError("network is unreachable")
    monkeypatch.setattr(MNIST, "download", offline)     # never touch the network in tests
    with pytest.raises(DataError, match=r"could not be downloaded.*dataset='mnist10k'"):
        load_mnist(tmp_path)


def test_image_folder_skips_corrupt_files_and_names_them(tmp_path):
    for k in range(3):
        Image.new("RGB", (40, 30), (k * 50, 0, 0)).save(tmp_path / f"good{k}.png")
    Image.new("L", (30, 30), 128).save(tmp_path / "gray.jpg")                  # grayscale becomes RGB
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    images = load_image_folder(tmp_path, image_size=16)
    assert images.images.shape == (4, 3, 16, 16)
    assert images.skipped.startswith("skipped 1 unreadable file(s) in image folder") and "broken.png" in images.skipped
    assert resize(images, 8).skipped == images.skipped


def test_empty_image_folder_is_an_error(tmp_path):
    with pytest.raises(DataError, match=f"no readable image in image folder {tmp_path}"):
        load_image_folder(tmp_path, image_size=16)
