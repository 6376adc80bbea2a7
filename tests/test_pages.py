"""The pages a teacher hands out, checked without a browser: the index opens on one summary row per
lab, and every report view it links to is the run's notebook without code. ``test_browser`` checks
the same pages in Chromium at 1600 x 1000 (fits the screen, no horizontal scrolling)."""
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from ganlib.index import write_index
from ganlib.labs import LABS
from ganlib.settings import PROJECT_ROOT

CODE = "jp-InputArea-editor"      # nbconvert's class for a code cell's source


class Elements(HTMLParser):
    """Every element's tag and attributes, in document order, and the text between them."""

    def __init__(self, page: str):
        super().__init__()
        self.elements, self.texts = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data.strip())

    def with_class(self, name: str) -> list[dict]:
        return [a for _, a in self.elements if name in (a.get("class") or "").split()]


def committed_index(tmp_path: Path) -> Path:
    """The index of the committed reports, rebuilt by this code (``reports/`` itself is left as it is)."""
    reports = PROJECT_ROOT / "reports"
    labs = [p for p in reports.iterdir() if p.is_dir()] if reports.is_dir() else []
    if not labs:
        pytest.skip("no reports to index (make reports)")
    for folder in labs:
        (tmp_path / folder.name).symlink_to(folder)
    return write_index(tmp_path)


def summary_links(page: Path, text: str) -> list[Path]:
    """Targets of the summary table's links named ``text``."""
    html = page.read_text()
    summary = html[html.index("<table class='summary'>"):]
    summary = summary[:summary.index("</table>")]
    parser = Elements(summary)
    anchors = [a for tag, a in parser.elements if tag == "a" and "href" in a]
    return [page.parent / unquote(a["href"]) for a in anchors
            if summary.split(f"href='{a['href']}'>")[1].startswith(f"{text}<")]


def test_the_index_opens_on_one_summary_row_per_lab(tmp_path):
    page = committed_index(tmp_path)
    parser = Elements(page.read_text())
    tags = [tag for tag, _ in parser.elements if tag in ("h1", "h2", "table", "p")]
    assert tags[:2] == ["h1", "table"] and parser.with_class("summary"), "the summary is not the first thing"
    html = page.read_text()
    summary = html[html.index("<table class='summary'>"):html.index("</table>")]
    assert [a["href"] for tag, a in Elements(summary).elements if tag == "a" and a["href"].startswith("#")] == \
        [f"#{lab}" for lab in LABS]
    for lab in LABS:                                  # each row's link lands on its lab's section
        assert f"<h2 id='{lab}'>" in html


def test_every_report_view_in_the_summary_is_a_page_without_code(tmp_path):
    page = committed_index(tmp_path)
    views = summary_links(page, "report")
    assert views, "no report view linked"
    for view in views:
        assert view.name == "report.html" and view.is_file(), view
        parser = Elements(view.read_text())
        assert not parser.with_class(CODE), f"{view} shows code"
        assert parser.with_class("run-parameters"), f"{view} lacks its parameters table"
        notebook = next(a["href"] for t, a in parser.elements if t == "a" and a.get("href", "").endswith(".html"))
        assert (view.parent / notebook).is_file(), "the link to the notebook with its code is broken"
