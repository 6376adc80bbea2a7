"""Every declared parameter of every lab reaches the code that uses it.

A parameter goes either into an option (``<Options>.from_params(globals())`` in the lab's notebook) or
into a call the notebook makes. Options are checked by building them with a changed value; notebook
parameters by reading the notebook's code: the name is read before anything assigns it. A notebook
may not replace by hand an option that a parameter gives (the parameter would be shown, recorded
and ignored), which is checked in the code and again when the options are built.
"""
import ast

import pytest

from ganlib import consumers, labs
from ganlib.params import Param, defaults

LABS = list(labs.LABS)


def changed(param: Param, value):
    """A valid value other than ``value``."""
    if param.choices:
        return next(c for c in param.choices if c != value)
    if param.type is bool:
        return not value
    if param.type is list:
        return [changed(param.item, value[0] if value else param.item.default)] * 2
    if value is None or isinstance(value, str):      # null, or a word such as num_threads' "auto"
        value = param.min or 1
        return param.type(value) + (1 if param.type is int else 0.5) if param.type in (int, float) else "x"
    if param.type is float:
        return value / 2 if value else 0.5
    return value + 1 if param.max is None or value + 1 <= param.max else value - 1


@pytest.mark.parametrize("lab_id", LABS)
def test_every_declared_parameter_goes_into_an_option_or_the_notebooks_code(lab_id):
    lab = labs.get_lab(lab_id)
    assert consumers.unread(lab) == [], "declared, shown, recorded, and changing nothing"


@pytest.mark.parametrize("lab_id", LABS)
def test_no_notebook_replaces_an_option_that_a_parameter_gives(lab_id):
    lab = labs.get_lab(lab_id)
    given = {cls.option_of(p): p for cls in consumers.options_classes(lab) for p in cls.LAB_PARAMS
             if p in lab.params and not lab.params[p].optional}       # a null one is the lab's to fill
    replaced = [given[k.arg] for tree in consumers.notebook_code(lab) for node in ast.walk(tree)
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "from_params"
                for k in node.keywords if k.arg in given and not _is_the_parameter(k.value, given[k.arg])]
    assert replaced == []


def _is_the_parameter(value: ast.expr, name: str) -> bool:
    return isinstance(value, ast.Name) and value.id == name


def _option_params():
    for lab_id in LABS:
        lab = labs.get_lab(lab_id)
        for cls in consumers.options_classes(lab):
            for name in cls.LAB_PARAMS:
                if name in lab.params:
                    yield pytest.param(lab_id, cls, name, id=f"{lab_id}-{name}")


@pytest.mark.parametrize("lab_id, cls, name", list(_option_params()))
def test_a_parameter_that_gives_an_option_gives_its_declared_default_and_every_change(lab_id, cls, name):
    lab = labs.get_lab(lab_id)
    params = defaults(lab)
    option = cls.option_of(name)
    built = getattr(cls.from_params(params), option)
    assert built == params[name] or built == (params[name], 0.999)           # the declaration's, not the class's
    other = changed(lab.params[name], params[name])
    lab.params[name].check(name, other)
    assert getattr(cls.from_params({**params, name: other}), option) != built


def test_an_option_replaced_by_hand_is_refused_when_the_options_are_built():
    from ganlib.train import TrainOptions

    params = defaults(labs.get_lab("inversion"))
    with pytest.raises(ValueError, match="parameter snapshot_every gives option snapshot_every"):
        TrainOptions.from_params({**params, "snapshot_every": 50}, snapshot_every=113)
    assert TrainOptions.from_params({**params, "snapshot_every": None}, snapshot_every=113).snapshot_every == 113
