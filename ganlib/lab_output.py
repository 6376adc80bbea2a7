"""Where a lab run writes its results (``LabOutput``): ``figures/*.png`` and ``metrics.json``.

The folder is ``$GANLIB_OUT_DIR`` when set (the runner and the notebook tests set it),
else ``<project>/reports/<lab>/interactive`` for a notebook opened in JupyterLab.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from .settings import OUT_DIR_ENV, PROJECT_ROOT, describe_hardware, pick_bf16, pick_device, processor_name


def _clean(value, nan=None):
    """Floats rounded so the file reads well; NaN and infinities become ``nan`` (JSON has no NaN: null)."""
    if isinstance(value, float):
        return nan if math.isnan(value) or math.isinf(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: _clean(v, nan) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v, nan) for v in value]
    return value


def as_saved(metrics: dict) -> dict:
    """The numbers as metrics.json will hold them: a reading made before the file is written then
    agrees with the tables made from the file (0.7450000047 reads 0.75, its saved 0.745 reads 0.74)."""
    return _clean(metrics, nan=float("nan"))


INLINE_PNG_MAX = 300_000   # bytes: larger figures (photos) show inline as JPEG; figures/ keeps the PNG


def inline_bytes(path: Path) -> bytes:
    """What the notebook embeds for a saved figure: the PNG itself, or a JPEG (quality 85) when the
    PNG is large, so executed notebooks of photo labs stay small."""
    data = path.read_bytes()
    if len(data) <= INLINE_PNG_MAX:
        return data
    import io
    from PIL import Image
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def file_name(name: str) -> str:
    """``name`` as one file name: characters unsafe there (the slashes of a dataset given by path)
    become '_', so that a file named after a run can never leave its folder."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.") or "_"


class LabOutput:
    """A lab notebook's handle on its run folder: the figures, metrics.json, checkpoints, and the
    device and precision the run uses."""

    def __init__(self, lab: str, out_dir: str | os.PathLike | None = None):
        self.lab = lab
        out_dir = out_dir or os.environ.get(OUT_DIR_ENV) or PROJECT_ROOT / "reports" / lab / "interactive"
        self.dir = Path(out_dir)
        self.figures = self.dir / "figures"
        self.figures.mkdir(parents=True, exist_ok=True)
        self.metrics: dict = {}

    def figure(self, fig, name: str, show: bool = True) -> None:
        """Save ``fig`` as figures/<name>.png (characters unsafe in a file name, such as the
        slashes of a dataset given by path, become '_'), show it inline, close it."""
        path = self.figures / (file_name(name) + ".png")
        fig.savefig(path, dpi=100, bbox_inches="tight")
        if show:
            try:
                from IPython.display import Image, display
                from .ui import in_jupyter_kernel
                if in_jupyter_kernel():
                    display(Image(data=inline_bytes(path), format="jpeg" if path.stat().st_size > INLINE_PNG_MAX
                                  else "png"))
            except ImportError:
                pass
        plt.close(fig)

    def save_metrics(self, metrics: dict | None = None) -> Path:
        """Merge ``metrics`` into the report's metrics and write metrics.json. The notebook's readings
        then read the rounded numbers the file holds, as the index does: 0.0250000004 would read 3% in
        one and 2% in the other."""
        if metrics:
            self.metrics.update(metrics)
        self.metrics = as_saved(self.metrics)
        path = self.dir / "metrics.json"
        path.write_text(json.dumps(_clean(self.metrics), indent=2) + "\n")
        return path

    def use_hardware(self, device: str = "auto", bf16: bool | str = False) -> tuple[str, bool]:
        """Resolve 'auto' for the device and bfloat16, print which were chosen, and record them in
        metrics.json: the report says what it was computed with."""
        dev = pick_device(device)
        use_bf16 = pick_bf16(bf16, dev)
        print(describe_hardware(dev, use_bf16, asked=(device, bf16)))
        self.metrics["hardware"] = {"device": dev.type, "precision": "bfloat16" if use_bf16 else "float32",
                                    "processor": processor_name(dev), "threads": torch.get_num_threads()}
        return str(dev), use_bf16

    def checkpoint(self, run: str) -> Path:
        """The run's checkpoint, inside this report's folder whatever the run's name (a dataset given
        by path included)."""
        return self.dir / "checkpoints" / f"{file_name(run)}.pt"

    def track(self, options, run: str):
        """``options`` for the training run named ``run``: its checkpoint in this report's folder and,
        in JupyterLab, a live panel (samples and losses; CycleGAN's 2x4 panel once per epoch)."""
        from . import viz

        if hasattr(options, "on_epoch"):
            return options.but(name=run, checkpoint=self.checkpoint(run), on_epoch=viz.CyclePanel(run).update)
        return options.but(name=run, checkpoint=self.checkpoint(run), on_snapshot=viz.LivePanel(run).update)


def verdict(text: str) -> str:
    """Mark the part of a reading that follows from comparing measured numbers ("lower", "not above").

    It renders as plain text. The notebook tests mask it, as they mask the numbers themselves: on
    another processor a near tie can fall the other way. The numbers are checked with tolerances instead.
    """
    return f'<span class="verdict">{text}</span>'


def format_table(rows: dict, digits: int = 3) -> str:
    """{row name: {column: value}} as an aligned text table, floats rounded (stable in nbval)."""
    columns = list(dict.fromkeys(c for r in rows.values() for c in r))
    cell = lambda v: f"{v:.{digits}f}" if isinstance(v, float) else "-" if v is None else str(v)
    table = [["run", *columns]] + [[name, *(cell(r.get(c, "")) for c in columns)] for name, r in rows.items()]
    widths = [max(len(row[k]) for row in table) for k in range(len(table[0]))]
    return "\n".join("  ".join(v.rjust(w) if k else v.ljust(w) for k, (v, w) in enumerate(zip(row, widths)))
                     for row in table)
