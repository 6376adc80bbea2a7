"""Progress display that suits the frontend.

In JupyterLab the labs show widgets (a tqdm bar, live panels). Headless runs
(papermill, nbval, a terminal) get a plain text bar on stderr and no widget state,
so executed notebooks stay small and comparable. The runner and the test suite say
"headless" by setting ``GANLIB_HEADLESS=1``; outside a Jupyter kernel it is implied.
"""
from __future__ import annotations

import os
import sys

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


def progress(total: int, desc: str = "", initial: int = 0, disable: bool = False):
    """A tqdm bar: the widget one in JupyterLab, a sparse ASCII one on stderr headless."""
    if is_interactive():
        from tqdm.notebook import tqdm as notebook_tqdm
        return notebook_tqdm(total=total, desc=desc, initial=initial, disable=disable)
    # A long interval keeps executed notebooks from filling up with bar redraws.
    return text_tqdm(total=total, desc=desc, initial=initial, file=sys.stderr, ascii=True,
                     mininterval=15, ncols=80, disable=disable)
