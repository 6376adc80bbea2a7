"""The golden outputs of a smoke run: which figures it wrote and its metrics.json.

``make golden`` writes tests/golden/<lab>.json from the run that made the golden notebook;
tests/test_golden_metrics.py compares nbval's run against it.

    python tests/golden_outputs.py REPORT_FOLDER OUT.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def flatten(metrics: dict, prefix: str = "") -> dict:
    """{"runs": {"dcgan": {"fd": 1.0}}} -> {"runs.dcgan.fd": 1.0}; lists are indexed the same way."""
    flat = {}
    items = metrics.items() if isinstance(metrics, dict) else enumerate(metrics)
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, (dict, list)) and value:
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def is_machine(key: str) -> bool:
    """Wall times, speeds and the processor's name: they describe the machine, not the result."""
    return key.endswith(("seconds", "images_per_s", "hardware.processor"))


def read_outputs(folder: Path) -> dict:
    return {"figures": sorted(p.name for p in (folder / "figures").glob("*.png")),
            "metrics": json.loads((folder / "metrics.json").read_text())}


if __name__ == "__main__":
    folder, out = map(Path, sys.argv[1:3])
    out.write_text(json.dumps(read_outputs(folder), indent=1) + "\n")
