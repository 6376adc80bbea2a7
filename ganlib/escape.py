"""Text from users, folders and files, made safe for the pages the project writes.

Every HTML page (``reports/index.html``, a sweep's ``index.html``) and every Markdown reading in a
notebook puts names it did not choose (a report folder, a dataset, a run id) through one of these:

* ``text``: HTML text or a quoted attribute value (``<``, ``>``, ``&`` and both quotes escaped);
* ``href``: a relative link to a file below the page, each path part percent-encoded so that
  ``#``, ``?``, ``%`` and quotes stay part of the name, then escaped as an attribute;
* ``markdown``: literal Markdown: HTML escaped, so that no tag runs, and Markdown's punctuation
  backslashed, so that no link, image or emphasis forms.
"""
from __future__ import annotations

import html
import re
from urllib.parse import quote

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def text(value) -> str:
    return html.escape(str(value), quote=True)


def href(*parts) -> str:
    """``href("mnist", "my run #1", "figures", "a.png")`` -> ``mnist/my%20run%20%231/figures/a.png``."""
    return text("/".join(quote(str(p), safe="") for p in parts))


def markdown(value) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False))
