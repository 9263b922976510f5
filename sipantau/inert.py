"""Operator and imported text made inert for the places that would interpret it.

The rule: text a person typed or a file brought in (notes, obstacle fields, names,
file names, usernames, region and code-table names, messages that echo a cell) is
shown as text. Prefer elements that never interpret anything (`st.text`, `st.code`,
`st.dataframe` cells, selectbox and multiselect options). Where it must sit inside an
element that renders Markdown (`st.markdown`, `st.caption`, alerts, titles and
headers, expander, tab, button and metric labels, `help=` tooltips, radio,
segmented-control and pills options, `st.table` cells), pass it through `md_escape`;
inside a plotly figure (hover text, labels, category names, titles render a subset of
HTML, links included), through `plotly_escape`. `tests/test_hostile_text.py` scans the
code for Markdown elements fed anything else.

Pure (no Streamlit), so charts, screens and pages share one definition.
"""

from __future__ import annotations

import html
import re
from typing import Any

WORD_JOINER = "\u2060"
# Characters with a meaning anywhere in a line: emphasis, code, links and images,
# raw HTML and autolinks, entities, headings, tables, strikethrough, maths, directives.
_ANYWHERE = re.compile(r"([\\`*_{}\[\]<>#|~$^&])")
# Markers that mean something only at the start of a line: bullets, setext and
# thematic rules, ordered lists ("1." / "1)").
_LINE_START = re.compile(r"^([ \t]*)([-+=])", re.MULTILINE)
_ORDERED = re.compile(r"^([ \t]*\d+)([.)])", re.MULTILINE)
# Streamlit rewrites some text after Markdown has been parsed, where a backslash
# escape is already gone: `:material/icon:`, `:streamlit:` and emoji shortcodes,
# bare links (`http://`, `www.`, `nama@domain`) and typographic arrows (`->`, `<=`,
# `--`). An invisible word joiner inside each breaks the pattern and nothing else.
_REWRITTEN = re.compile(r"(?<=:)(?=[\w/+-])|(?<=@)(?=\w)|(?<=\bwww)(?=\.)|(?<=[-<>~])(?=[-<>=~])",
                        re.IGNORECASE)


def md_escape(text: Any) -> str:
    """`text` as literal characters in any Markdown-rendering Streamlit element: no
    links, images, emphasis, code, HTML, maths, directives (`:red[…]`), icons or emoji
    survive. Sentence punctuation (. , : ; ! ? ( ) ' ") reads as typed."""
    s = _REWRITTEN.sub(WORD_JOINER, str(text))
    s = _ANYWHERE.sub(r"\\\1", s)
    s = _LINE_START.sub(r"\1\\\2", s)
    return _ORDERED.sub(r"\1\\\2", s)


def plotly_escape(text: Any) -> str:
    """`text` as literal characters in plotly text (hover, labels, axis categories,
    legend, titles): plotly turns `<b>`, `<br>`, `<a href>` … into markup and decodes
    entities, so `<`, `>` and `&` become entities."""
    return html.escape(str(text), quote=False)
