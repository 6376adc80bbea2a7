"""Progress display that suits the frontend.

In a live notebook (JupyterLab) progress and panels are ordinary outputs redrawn in place
through IPython display handles: a saved notebook keeps their last state and holds no widget
state. Headless notebooks (papermill through the runner, nbval) get one final line per bar;
a terminal gets a plain text bar on stderr. The runner and the test suite say
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


class NotebookProgress:
    """Progress in a notebook without widgets. Live (``live=True``), one text output redrawn in place
    through an IPython display handle, at most once a second; headless (papermill, nbval), nothing
    while it runs. Either way it ends as one line, so a saved notebook or its HTML shows the bar's
    end without a kernel, with no widget state, no redraws and no stderr blocks."""

    def __init__(self, total: int, desc: str = "", initial: int = 0, disable: bool = False, live: bool = False):
        self.total, self.desc, self.n, self.start, self.disable = total, desc, initial, initial, disable
        self.t0 = self.shown = time.perf_counter()
        self.handle = None
        if live and not disable:
            from IPython.display import display
            self.handle = display(self._meter(), display_id=True)

    def _meter(self):
        from IPython.display import Pretty
        return Pretty(text_tqdm.format_meter(self.n, self.total, time.perf_counter() - self.t0, ncols=80,
                                             prefix=self.desc, ascii=True, initial=self.start))

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.handle is not None and time.perf_counter() - self.shown >= 1.0:
            self.handle.update(self._meter())
            self.shown = time.perf_counter()

    def close(self) -> None:
        if self.disable:
            return
        line = (f"{self.desc}: {self.n - self.start} iterations in {time.perf_counter() - self.t0:.0f} s "
                f"({self.n}/{self.total})")
        if self.handle is not None:
            from IPython.display import Pretty
            self.handle.update(Pretty(line))
        else:
            print(line, flush=True)


def progress(total: int, desc: str = "", initial: int = 0, disable: bool = False):
    """Progress that suits the frontend: in a notebook a ``NotebookProgress`` (redrawn in place when live,
    silent headless, one line at the end either way); in a terminal a sparse tqdm bar on stderr."""
    if in_jupyter_kernel():
        return NotebookProgress(total, desc, initial, disable, live=is_interactive())
    # A long interval keeps executed notebooks from filling up with bar redraws.
    return text_tqdm(total=total, desc=desc, initial=initial, file=sys.stderr, ascii=True,
                     mininterval=15, ncols=80, disable=disable)
