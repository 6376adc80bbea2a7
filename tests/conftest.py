import os
import shutil
import socket
from pathlib import Path

import pytest

from ganlib.settings import data_root

# Notebooks under test run headless: text progress, no widget state.
os.environ.setdefault("GANLIB_HEADLESS", "1")

NBVAL_OUT = Path(os.environ.get("GANLIB_OUT_DIR") or Path(__file__).parent.parent / "build" / "nbval")


def free_port() -> int:
    """A TCP port on localhost that nothing listens on (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nbval_out(lab: str) -> Path:
    """Where nbval's run of the golden notebook <lab>.ipynb writes its figures and metrics.json."""
    return NBVAL_OUT / lab


def pytest_collectstart(collector):
    # nbval: progress bars and warnings go to stderr and vary from run to run (timings);
    # results are printed to stdout and compared there.
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)


def pytest_collection_modifyitems(session, config, items):
    # The notebooks first, then tests/test_golden_metrics.py, which reads what they wrote.
    items.sort(key=lambda item: (not str(item.fspath).endswith(".ipynb"),
                                 not str(item.fspath).endswith("test_golden_metrics.py")))
    for lab in {Path(str(item.fspath)).stem for item in items if str(item.fspath).endswith(".ipynb")}:
        shutil.rmtree(nbval_out(lab), ignore_errors=True)   # no stale metrics from an earlier run


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Each golden notebook writes into a folder of its own; its kernel starts in the setup of its
    # first cell and inherits this environment.
    if str(item.fspath).endswith(".ipynb"):
        os.environ["GANLIB_OUT_DIR"] = str(nbval_out(Path(str(item.fspath)).stem))
    else:
        os.environ["GANLIB_OUT_DIR"] = str(NBVAL_OUT)


@pytest.fixture
def full_mnist_root():
    """The data root holding the full MNIST (torchvision layout), or skip saying where it was looked for."""
    root = data_root()
    if not (root / "MNIST" / "raw" / "t10k-images-idx3-ubyte").exists():
        pytest.skip(f"full MNIST not found under {root}/MNIST/raw (set GANLIB_DATA_ROOT)")
    return root
