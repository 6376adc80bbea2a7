"""The parameter machinery: how a lab declares its parameters (``Param``, ``Lab``), checks and
parses their values (``validate``, ``parse_value``, the profile files), and writes each notebook's
``parameters`` cell from the declarations.

The labs themselves are declared in ``ganlib.labs``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .settings import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
PROFILES = ("smoke", "cpu", "full")
GIVEN = "given"     # Lab.report_data: any value but null


class ParameterError(ValueError):
    """A bad lab, profile or parameter: the message is one line naming it and the valid choices."""


@dataclass
class Param:
    type: type                       # int, float, str, bool or list
    help: str = ""
    optional: bool = False           # None allowed
    choices: tuple | None = None
    min: float | None = None
    max: float | None = None
    item: "Param | None" = None      # for lists: what each item must be
    default: object = None           # the cpu profile's value
    path: str | None = None          # "path", "file" (must exist) or "name or path": relative paths are read from
                                     # the current folder
    words: tuple = ()                # strings allowed beside the type's values, such as num_threads' "auto"

    def describe(self) -> str:
        what = {int: "an integer", float: "a number", str: "a string", bool: "true or false",
                list: "a list"}[self.type]
        if self.choices:
            what = "one of " + ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in self.choices)
        if self.min is not None and self.max is not None:
            what += f" in [{self.min}, {self.max}]"
        elif self.min is not None:
            what += f" >= {self.min}"
        if self.item is not None:
            what += f" of {self.item.describe()}"
        what += "".join(f" or {w}" for w in self.words)
        return what + (" or null" if self.optional else "")

    def type_hint(self) -> str:
        """The type as papermill reads it from the parameters cell (``papermill --help-notebook``):
        'int', 'Optional[int]', 'list[str]', 'Union[int, str]' (num_threads' "auto")."""
        names = {int: "int", float: "float", str: "str", bool: "bool"}
        hint = f"list[{self.item.type_hint()}]" if self.type is list else names[self.type]
        if any(isinstance(w, str) for w in (*self.words, *(self.choices or ()))) and self.type is not str:
            hint = f"Union[{hint}, str]"
        return f"Optional[{hint}]" if self.optional else hint

    def check(self, name: str, value):
        """Return the value (ints widened to float where a float is expected) or raise."""
        bad = ParameterError(f"parameter {name} must be {self.describe()}, got {value!r}")
        if value is None:
            if self.optional:
                return None
            raise bad
        if isinstance(value, str) and value in self.words:
            return value
        if self.type is float and isinstance(value, (int, str)) and not isinstance(value, bool):
            try:   # YAML 1.1 reads "1e-4" as a string
                value = float(value)
            except ValueError:
                raise bad from None
        if self.type is float and isinstance(value, float) and not math.isfinite(value):
            raise bad
        if self.type is int and isinstance(value, bool):
            raise bad
        if self.choices is not None and any(value == c and type(value) is type(c) for c in self.choices):
            return value   # a choice of another type, such as bf16's "auto" beside true and false
        if not isinstance(value, self.type):
            raise bad
        if self.choices is not None and value not in self.choices:
            raise bad
        if self.min is not None and value < self.min or self.max is not None and value > self.max:
            raise bad
        if self.item is not None:
            if not value:
                raise bad
            value = [self.item.check(f"{name}[{k}]", v) for k, v in enumerate(value)]
        return value


@dataclass
class Lab:
    id: str
    title: str
    reports: str
    params: dict
    key_figures: list = field(default_factory=list)
    # What the original report gave, for the index page: label -> text
    report_numbers: dict = field(default_factory=dict)
    # Metrics a sweep's report tabulates and plots (patterns over dotted names; a swept value in a
    # name is replaced by the parameter's name: runs.dcgan_nz50 -> runs.dcgan_nz). None: every one.
    sweep_metrics: list | None = None
    # The report's own data and evaluator: parameter -> (its value, or GIVEN for any file; what it is).
    # A run with another value says up front that it uses a stand-in.
    report_data: dict = field(default_factory=dict)

    def stand_ins(self, params: dict) -> list[str]:
        """"dataset = 'scenes' in place of the course's i-CLEVR images" for each report setting a run replaces."""
        return [f"{name} = {params.get(name)!r} in place of {what}" for name, (value, what) in self.report_data.items()
                if (params.get(name) is None if value is GIVEN else params.get(name) != value)]

    @property
    def notebook(self) -> Path:
        return NOTEBOOKS / f"{self.id}.ipynb"

    def profile_path(self, profile: str) -> Path:
        return NOTEBOOKS / "params" / self.id / f"{profile}.yaml"


def defaults(lab: Lab) -> dict:
    """Every parameter's default: the cpu profile."""
    return {name: param.default for name, param in lab.params.items()}


def parameters_cell(lab: Lab) -> str:
    """The notebook's ``parameters`` cell: each default with its type (a string annotation, which
    papermill reads and Python does not evaluate) and its help as the comment."""
    import textwrap

    lines = ["# Generated from ganlib/labs.py (python -m ganlib labs --write-cells): change defaults there."]
    for name, param in lab.params.items():
        line = f"{name}: \"{param.type_hint()}\" = {param.default!r}"
        padded = f"{line:<{max(36, len(line) + 2)}}# {param.help}"
        if len(padded) <= 120:
            lines.append(padded)
        else:
            lines += textwrap.wrap(param.help, 100, initial_indent="# ", subsequent_indent="# ") + [line]
    return "\n".join(lines)


def _parameters_cell_of(notebook):
    for cell in notebook.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    raise ParameterError("the notebook has no cell tagged 'parameters'")


def notebook_defaults(lab: Lab) -> dict:
    """The parameters cell's names and values, read without running the notebook."""
    import ast
    import nbformat

    cell = _parameters_cell_of(nbformat.read(lab.notebook, as_version=4))
    assigned = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            assigned[node.target.id] = ast.literal_eval(node.value)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = ast.literal_eval(node.value)
    return assigned


def write_parameters_cell(lab: Lab) -> bool:
    """Rewrite the notebook's parameters cell from the declarations; True if it changed."""
    import nbformat

    notebook = nbformat.read(lab.notebook, as_version=4)
    cell = _parameters_cell_of(notebook)
    if cell.source == parameters_cell(lab):
        return False
    cell.source = parameters_cell(lab)
    nbformat.write(notebook, lab.notebook)
    return True


def load_profile(lab: Lab, profile: str) -> dict:
    import yaml

    if profile not in PROFILES:
        raise ParameterError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
    path = lab.profile_path(profile)
    if not path.exists():
        raise ParameterError(f"profile file {path} is missing")
    try:
        values = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        raise ParameterError(f"profile file {path} is not valid YAML"
                             + (f" (line {where.line + 1}: {e.problem})" if where else "")) from None
    if not isinstance(values, dict):
        raise ParameterError(f"profile file {path} must hold 'name: value' lines, got {type(values).__name__}")
    return values


def validate(lab: Lab, params: dict) -> dict:
    """Check every parameter's name and value; return them with types normalised."""
    out = {}
    for name, value in params.items():
        if name not in lab.params:
            raise ParameterError(f"unknown parameter {name!r} for lab {lab.id}; valid: {', '.join(lab.params)}")
        out[name] = lab.params[name].check(name, value)
    return out


def parse_value(text: str, param: Param | None = None):
    """A -p value read as its parameter declares it. A string parameter takes the text verbatim
    (null: None), so '#', '&' or ':' in a path stay; a list is a YAML flow list ([100, 200]); a number
    or boolean is read by YAML (5, 1e-4, true). Unknown parameters (``param`` None) are read by YAML."""
    import yaml

    if param is not None and param.type is str:
        return None if text == "null" else text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text
