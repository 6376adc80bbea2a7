"""Progress display that suits the frontend.

In JupyterLab the labs show widgets (a tqdm bar, live panels). Headless notebooks
(papermill, nbval) get one final line per bar and no widget state, so executed notebooks
stay small and comparable; a terminal gets a plain text bar on stderr. The runner and the test suite say
"headless" by setting ``GANLIB_HEADLESS=1``; outside a Jupyter kernel it is implied.
"""
from __future__ import annotations

import os
import sys
import time

from tqdm import tqdm as text_tqdm

HEADLESS_ENV = "GANLIB_HEADLESS"


def in_jupyter_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def is_interactive() -> bool:
    """True in a live Jupyter frontend, where widgets render; False headless."""
    return in_jupyter_kernel() and os.environ.get(HEADLESS_ENV, "") in ("", "0")


class FinalLine:
    """Progress for a headless notebook (papermill, nbval): nothing while it runs, one line on stdout
    at the end, so an executed notebook or its HTML holds no bar redraws and no stderr blocks."""

    def __init__(self, total: int, desc: str = "", initial: int = 0, disable: bool = False):
        self.total, self.desc, self.n, self.start, self.disable = total, desc, initial, initial, disable
        self.t0 = time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.n += n

    def close(self) -> None:
        if not self.disable:
            print(f"{self.desc}: {self.n - self.start} iterations in {time.perf_counter() - self.t0:.0f} s "
                  f"({self.n}/{self.total})", flush=True)


def progress(total: int, desc: str = "", initial: int = 0, disable: bool = False):
    """A tqdm bar in JupyterLab (the widget) and in a terminal (sparse ASCII on stderr); in a headless
    notebook one final line (``FinalLine``)."""
    if is_interactive():
        from tqdm.notebook import tqdm as notebook_tqdm
        return notebook_tqdm(total=total, desc=desc, initial=initial, disable=disable)
    if in_jupyter_kernel():
        return FinalLine(total, desc, initial, disable)
    # A long interval keeps executed notebooks from filling up with bar redraws.
    return text_tqdm(total=total, desc=desc, initial=initial, file=sys.stderr, ascii=True,
                     mininterval=15, ncols=80, disable=disable)
