"""How far each smoke metric moves when only the arithmetic's rounding changes.

Runs every lab's smoke profile natively and again with oneDNN and ATen limited to other
instruction sets (as on an AVX2-only laptop, or an older CPU) and with other thread counts, then
prints, for each metric, the largest difference from the native run. The tolerances in
tests/test_golden_metrics.py are set from this table.

    .venv/bin/python tests/portability_spread.py [--labs mnist cgan] [--out build/spread]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
from golden_outputs import flatten, is_machine  # noqa: E402

VARIANTS = {   # name: (environment, -p overrides)
    "native": ({}, []),
    "avx2": ({"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}, []),
    "sse41": ({"ONEDNN_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default"}, []),
    "threads1": ({}, ["-p", "num_threads", "1"]),
    "threads4": ({}, ["-p", "num_threads", "4"]),
}
LABS = ("mnist", "cgan", "dcgan", "inversion", "cyclegan")


def run(lab: str, variant: str, out: Path) -> dict:
    env, extra = VARIANTS[variant]
    folder = out / variant / lab
    if not (folder / "metrics.json").exists():
        subprocess.run([sys.executable, "-m", "ganlib", "run", lab, "--profile", "smoke", "--out", str(folder), *extra],
                       env={**os.environ, **env}, check=True, cwd=ROOT, capture_output=True)
    return flatten(json.loads((folder / "metrics.json").read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", nargs="+", default=LABS)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "spread")
    args = parser.parse_args()
    table = {}
    for lab in args.labs:
        runs = {v: run(lab, v, args.out) for v in VARIANTS}
        base = runs["native"]
        for key, value in base.items():
            if isinstance(value, float) and not is_machine(key):
                diffs = {v: abs(r[key] - value) for v, r in runs.items() if v != "native" and r.get(key) is not None}
                table[f"{lab}:{key}"] = {"native": value, **diffs, "max": max(diffs.values(), default=0.0)}
    width = max(map(len, table))
    print(f"{'metric':{width}}  {'native':>10}  " + "  ".join(f"{v:>9}" for v in VARIANTS if v != "native") + "  max |diff|")
    for key, row in table.items():
        print(f"{key:{width}}  {row['native']:10.4f}  "
              + "  ".join(f"{row.get(v, float('nan')):9.4f}" for v in VARIANTS if v != "native") + f"  {row['max']:.4f}")
    (args.out / "spread.json").write_text(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
