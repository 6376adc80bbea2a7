"""Command line: ``python -m ganlib {labs,run,sweep,reports,index,claims,judge,data} ...``."""
from __future__ import annotations

import argparse
import sys

from .labs import LABS, get_lab, parse_overrides
from .params import PROFILES, ParameterError, write_parameters_cell


def cmd_labs(args) -> None:
    if args.write_cells:
        for lab in LABS.values():
            print(f"{lab.notebook.name}: {'rewritten' if write_parameters_cell(lab) else 'up to date'}")
        return
    for lab in LABS.values():
        print(f"{lab.id}: {lab.title} (reports {lab.reports})")
        for name, spec in lab.params.items():
            print(f"    {name} = {spec.default!r:<18} {spec.describe()}; {spec.help}")
    print(f"profiles: {', '.join(PROFILES)} (notebooks/params/<lab>/<profile>.yaml: what differs from the defaults)")


def cmd_run(args) -> None:
    from .runner import run_lab

    run_lab(args.lab, args.profile, parse_overrides(get_lab(args.lab), args.p or []), out=args.out)


def cmd_sweep(args) -> None:
    from .sweep import parse_grid, run_sweep

    lab = get_lab(args.lab)
    outcome = run_sweep(args.lab, args.profile, parse_overrides(lab, args.p or []), parse_grid(args.lab, args.grid or []),
                        args.seeds, workers=args.workers, scheduler=args.scheduler, name=args.name, out=args.out)
    print(f"sweep report: {outcome.folder / 'index.html'} ({len(outcome.ran)} run, {len(outcome.skipped)} already "
          f"finished, {len(outcome.failed)} failed)")
    if outcome.failed:
        raise SweepFailed(f"{len(outcome.failed)} run(s) failed: " + "; ".join(
            f"{run}: {error}" for run, error in outcome.failed.items()))


class SweepFailed(RuntimeError):
    pass


def cmd_reports(args) -> None:
    from .runner import resolve_params, write_index
    from .sweep import run_reports

    labs = args.labs or list(LABS)
    for lab in labs:   # check everything before the first long run starts
        resolve_params(lab, args.profile)
    failed = run_reports(labs, args.profile, args.workers)   # each failure printed as it happens; the others go on
    print(f"wrote {write_index()}")
    if failed:
        raise SystemExit(f"error: lab(s) failed: {', '.join(failed)}")


def cmd_index(args) -> None:
    from .runner import write_index

    print(f"wrote {write_index()}")


def cmd_judge(args) -> None:
    from . import judges

    trainers = {"mnist": judges.train_mnist_judge, "iclevr": judges.train_iclevr_judge}
    if args.what not in trainers:
        raise ParameterError(f"unknown judge {args.what!r}; choose from {', '.join(trainers)}")
    if args.epochs is not None and args.epochs < 1:
        raise ParameterError(f"--epochs must be at least 1, got {args.epochs}")
    kwargs = {"num_epochs": args.epochs} if args.epochs else {}
    trainers[args.what](**kwargs)


def cmd_data_scenes(args) -> None:
    import time
    from .errors import DataError
    from .iclevr import LABELS_DIR, write_scenes

    t0 = time.perf_counter()
    try:
        out = write_scenes(args.out, labels_dir=args.labels or LABELS_DIR, size=args.size, seed=args.seed,
                           limit=args.limit, workers=args.workers)
    except DataError as e:
        raise ParameterError(str(e)) from None
    print(f"wrote {out} in {time.perf_counter() - t0:.0f} s")


def cmd_data_fetch(args) -> None:
    from .data import DataError
    from .registry import fetch

    try:
        fetch(args.name, args.data_root, force=args.force)
    except DataError as e:
        raise ParameterError(str(e)) from None


def cmd_data_list(args) -> None:
    from .registry import status

    for row in status(args.data_root):
        state = f"{row['images']} images" if row["present"] else "absent"
        print(f"{row['name']:<12} {state:<16} {row['folder']}\n{'':<12} {row['source']}; {row['licence']}")


def cmd_claims(args) -> None:
    from .claims import DOC, doc_page
    from .settings import PROJECT_ROOT

    if args.write:
        (PROJECT_ROOT / DOC).write_text(doc_page() + "\n", encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        print(doc_page())


def _add_labs_and_runs(sub) -> None:
    labs = sub.add_parser("labs", help="list labs, their parameters and defaults")
    labs.add_argument("--write-cells", action="store_true",
                      help="regenerate each notebook's parameters cell from ganlib/labs.py")
    labs.set_defaults(func=cmd_labs)

    run = sub.add_parser("run", help="execute a lab notebook into reports/<lab>/<profile>/")
    run.add_argument("lab")
    run.add_argument("--profile", default="cpu")
    run.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="override a parameter (value read as YAML: 5, 1e-4, true, [100, 200])")
    run.add_argument("--out", help="output folder (default reports/<lab>/<profile>)")
    run.set_defaults(func=cmd_run)


def _add_sweep(sub) -> None:
    sweep = sub.add_parser("sweep", help="run a lab over a grid of parameters x seeds on Dask, into "
                                         "reports/<lab>/sweeps/<name>/")
    sweep.add_argument("lab")
    sweep.add_argument("--profile", default="cpu")
    sweep.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"), help="a fixed parameter, as in run")
    sweep.add_argument("--grid", nargs=2, action="append", metavar=("NAME", "VALUES"),
                       help='a swept parameter and its values as a YAML list, e.g. --grid nz "[50, 100]"')
    sweep.add_argument("--seeds", type=int, default=1, help="runs per grid point: seeds seed, seed+1, ...")
    sweep.add_argument("--workers", type=int, help="LocalCluster worker processes (default: half the cores)")
    sweep.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786")
    sweep.add_argument("--name", help="the sweep's folder name (default: the profile and the swept parameters' names)")
    sweep.add_argument("--out", help="the sweep's folder (default reports/<lab>/sweeps/<name>)")
    sweep.set_defaults(func=cmd_sweep)


def _add_reports_and_judges(sub) -> None:
    reports = sub.add_parser("reports", help="run every lab, then write reports/index.html")
    reports.add_argument("--profile", default="cpu")
    reports.add_argument("--labs", nargs="*", help="only these labs, started in this order")
    reports.add_argument("--workers", type=int, help="labs at a time, each with its share of the physical cores "
                                                     "(default: 2 on a CPU; 1 on a one-core machine or with a GPU)")
    reports.set_defaults(func=cmd_reports)

    sub.add_parser("index", help="write reports/index.html from existing reports").set_defaults(func=cmd_index)

    claims = sub.add_parser("claims", help="the table of the reports' claims, their measures and margins")
    claims.add_argument("--write", action="store_true", help="write it to docs/claims.md")
    claims.set_defaults(func=cmd_claims)

    judge = sub.add_parser("judge", help="train a judge: `judge train mnist|iclevr`")
    judge.add_argument("action", choices=["train"])
    judge.add_argument("what")
    judge.add_argument("--epochs", type=int, help="training epochs (default: the judge's own)")
    judge.set_defaults(func=cmd_judge)


def _add_data(sub) -> None:
    data = sub.add_parser("data", help="datasets: `data list`, `data fetch NAME`, `data scenes --out DIR`")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    scenes = data_sub.add_parser("scenes", help="render the i-CLEVR stand-in in the i-CLEVR layout")
    scenes.add_argument("--out", required=True, help="folder to create")
    scenes.add_argument("--labels", help="folder with objects.json, train.json, test.json, new_test.json "
                                         "(default: the i-CLEVR label files that come with ganlib)")
    scenes.add_argument("--size", type=int, default=64)
    scenes.add_argument("--seed", type=int, default=0)
    scenes.add_argument("--limit", type=int, help="render only the first N files of train.json")
    scenes.add_argument("--workers", type=int, default=2)
    scenes.set_defaults(func=cmd_data_scenes)
    fetch = data_sub.add_parser("fetch", help="download a registered dataset into <data root>/NAME")
    fetch.add_argument("name")
    fetch.add_argument("--data-root", help="default: $GANLIB_DATA_ROOT or data/")
    fetch.add_argument("--force", action="store_true", help="download again even if present")
    fetch.set_defaults(func=cmd_data_fetch)
    listing = data_sub.add_parser("list", help="registered datasets: present?, where, how many images")
    listing.add_argument("--data-root", help="default: $GANLIB_DATA_ROOT or data/")
    listing.set_defaults(func=cmd_data_list)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ganlib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    # the order of these calls is the order --help lists the commands in
    _add_labs_and_runs(sub)
    _add_sweep(sub)
    _add_reports_and_judges(sub)
    _add_data(sub)
    return parser


def main(argv=None) -> int:
    """Run a command; a user's mistake or a failed run is one line on stderr and a non-zero exit."""
    from .errors import CheckpointMismatch, DataError, NotebookFailed, TrainingDiverged

    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ParameterError, DataError, CheckpointMismatch) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (NotebookFailed, TrainingDiverged, SweepFailed) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0
