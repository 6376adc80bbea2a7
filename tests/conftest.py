import os

import pytest

from ganlib.settings import data_root

# Notebooks under test run headless: text progress, no widget state.
os.environ.setdefault("GANLIB_HEADLESS", "1")


def pytest_collectstart(collector):
    # nbval: progress bars and warnings go to stderr and vary from run to run (timings);
    # results are printed to stdout and compared there.
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)


@pytest.fixture
def full_mnist_root():
    """The data root holding the full MNIST (torchvision layout), or skip saying where it was looked for."""
    root = data_root()
    if not (root / "MNIST" / "raw" / "t10k-images-idx3-ubyte").exists():
        pytest.skip(f"full MNIST not found under {root}/MNIST/raw (set GANLIB_DATA_ROOT)")
    return root
