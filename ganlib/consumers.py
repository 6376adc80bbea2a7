"""Where each declared lab parameter goes: an option that ``<Options>.from_params(globals())`` fills
in the lab's notebook, or a name the notebook's code reads.

A parameter that goes nowhere would be shown in the parameters cell and recorded in run.json, yet
change nothing: ``unread(lab)`` lists such parameters and the runner refuses a lab that has one. An
option that a notebook replaces by hand is refused when the run builds it (``RunOptions.from_params``).
"""
from __future__ import annotations

import ast
import json

from .params import Lab


def notebook_code(lab: Lab) -> list[ast.Module]:
    """The parsed code cells of the lab's notebook, the parameters cell left out."""
    cells = json.loads(lab.notebook.read_text())["cells"]
    return [ast.parse("".join(c["source"])) for c in cells
            if c["cell_type"] == "code" and "parameters" not in c.get("metadata", {}).get("tags", [])]


def options_classes(lab: Lab) -> list[type]:
    """The options classes whose ``from_params`` the notebook calls."""
    from .cyclegan import CycleOptions
    from .train import TrainOptions

    known = {cls.__name__: cls for cls in (TrainOptions, CycleOptions)}
    return [known[node.func.value.attr] for tree in notebook_code(lab) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "from_params"
            and isinstance(node.func.value, ast.Attribute) and node.func.value.attr in known]


def read_by_notebook(lab: Lab) -> set[str]:
    """Parameters the notebook's code reads before (if ever) it assigns them: a cell that assigns a
    parameter before reading it throws the given value away."""
    seen: dict[str, str] = {}
    for tree in notebook_code(lab):
        statement = {}        # name node -> the innermost statement holding it: its reads come before its writes
        for stmt in (n for n in ast.walk(tree) if isinstance(n, ast.stmt)):
            for child in ast.walk(stmt):
                statement[child] = stmt      # walked outside in, so the innermost statement wins
        names = sorted((n for n in statement if isinstance(n, ast.Name) and n.id in lab.params),
                       key=lambda n: (statement[n].lineno, isinstance(n.ctx, ast.Store), n.lineno, n.col_offset))
        for node in names:
            seen.setdefault(node.id, "read" if isinstance(node.ctx, ast.Load) else "assigned")
    return {name for name, first in seen.items() if first == "read"}


def consumers(lab: Lab) -> dict[str, list[str]]:
    """{parameter: where it goes}, e.g. {'lr_g': ['TrainOptions.lr'], 'ngf': ['notebook']}."""
    read = read_by_notebook(lab)
    out = {name: ["notebook"] if name in read else [] for name in lab.params}
    for cls in options_classes(lab):
        for name in cls.LAB_PARAMS:
            if name in out:
                out[name].append(f"{cls.__name__}.{cls.option_of(name)}")
    return out


def unread(lab: Lab) -> list[str]:
    """Declared parameters that no option and no notebook code consumes."""
    return [name for name, where in consumers(lab).items() if not where]
