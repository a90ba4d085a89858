"""User text (names of steps, roles, KPIs, scenario labels, run directories) put into the
Markdown files the tool writes (``recommendations.md``, ``comparison.md``), shown as text:
never HTML (``<img onerror=...>``), a link or a new table cell, and on one line."""

from __future__ import annotations

import re
from typing import Any

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "]": "\\]"}
#: A comparison between spaces (`` <= 0.9``, a constraint's bound) can open no HTML and stays;
#: any other ``<``, ``>`` or ``&``, a ``|`` (a table cell's end) or the ``]`` of ``](`` (a
#: link) is escaped.
_SPECIAL = re.compile(r"(?P<op>(?<=\s)[<>]=?(?=\s))|[&<>|]|\](?=\()")


def md_text(text: Any) -> str:
    """``text`` on one line with the Markdown and HTML that could change the page escaped."""
    flat = " ".join(str(text).splitlines())
    return _SPECIAL.sub(lambda m: m.group() if m.group("op") else _ESCAPES[m.group()], flat)


def md_code(text: Any) -> str:
    """``text`` as a Markdown code span, its fence longer than any run of backticks in it."""
    flat = " ".join(str(text).splitlines())
    fence = "`" * (max((len(r) for r in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
