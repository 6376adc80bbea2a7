"""The two HTML pages of a run, written by nbconvert beside its executed notebook.

* ``<lab>.html``: the whole executed notebook, code included (the parameters cell once: the values
  the run used).
* ``report.html``: the report view, what a teacher hands out, read the way the original lab reports
  are read: prose, tables, figures and the closing comparison with the report, with no code and no
  stderr (progress bars, warnings), and the run's parameters as one compact table at the top.
"""
from __future__ import annotations

import json
from pathlib import Path

from .escape import href, text

REPORT_VIEW = "report.html"
PARAMS_PER_ROW = 4      # name = value pairs side by side: the table stays a few lines high

STYLE = ("<style>table.run-parameters{border-collapse:collapse;font-size:13px;margin:8px 0 16px}"
         "table.run-parameters td{border:1px solid #ccc;padding:2px 8px}"
         "table.run-parameters td.name{background:#f3f3f3;font-family:monospace}</style>")


def _read(notebook: Path):
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in nb.cells]
    if any("injected-parameters" in t for t in tags):   # show the parameters once: those the run used
        nb.cells = [cell for cell, t in zip(nb.cells, tags) if "parameters" not in t]
    return nb


def export_notebook(notebook: Path) -> Path:
    """``<lab>.html``: the executed notebook as it is."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(_read(notebook))
    path = notebook.with_suffix(".html")
    path.write_text(body, encoding="utf-8")
    return path


def parameters_table(parameters: dict) -> str:
    """The run's parameters as one compact HTML table, every name and value escaped."""
    cells = [f"<td class='name'>{text(name)}</td><td>{text(json.dumps(value))}</td>"
             for name, value in parameters.items()]
    rows = ["".join(cells[k:k + PARAMS_PER_ROW]) for k in range(0, len(cells), PARAMS_PER_ROW)]
    return "<table class='run-parameters'>" + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"


def _header_cell(notebook: Path, parameters: dict):
    """A code cell whose only output is the parameters table (its code is not exported)."""
    import nbformat

    html = (f"{STYLE}<p>The run's parameters (the executed notebook, code included: "
            f"<a href='{href(notebook.with_suffix('.html').name)}'>{text(notebook.with_suffix('.html').name)}</a>)"
            f"</p>{parameters_table(parameters)}")
    return nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", {"text/html": html})])


def export_report_view(notebook: Path, parameters: dict) -> Path:
    """``report.html`` beside the notebook: its prose and outputs without code or stderr, the
    parameters table after the opening text."""
    from nbconvert import HTMLExporter

    nb = _read(notebook)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.outputs]   # the parameters cell among them
    first_text = next((k for k, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    nb.cells.insert(first_text + 1, _header_cell(notebook, parameters))
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    path = notebook.parent / REPORT_VIEW
    path.write_text(body, encoding="utf-8")
    return path
