"""Tables for rich display: the aligned text a terminal prints and the HTML a notebook shows.

Every value a user's data or a database put into a cell is escaped here (``html.escape``), so a
name like ``<b>Acme</b>`` shows as written instead of turning into markup; captions and cells the
caller built as HTML (``<code>``, a coloured state) are passed as :class:`Markup`.
"""

from __future__ import annotations

import html
from typing import Any, Iterable, Sequence


def pretty_as_text(self: Any, printer: Any, cycle: bool) -> None:
    """IPython's display in a terminal (``_repr_pretty_``): the aligned text ``str()`` gives,
    where ``repr()`` stays the precise form for debugging."""
    printer.text(str(self))


class Markup(str):
    """HTML the caller built (and escaped) itself: put in a cell or caption as is."""


def cell_text(value: Any) -> str:
    """A value as one line of a table: None as blank, line breaks as spaces."""
    if value is None:
        return ""
    return " ".join(str(value).splitlines())


def cell_html(value: Any) -> str:
    """A value as HTML: escaped; one of several lines (a database error with its caret line) kept
    preformatted, so the caret still points at the statement's column."""
    if isinstance(value, Markup):
        return str(value)
    text = "" if value is None else str(value)
    if "\n" in text:
        return f"<pre style='margin:0'>{html.escape(text)}</pre>"
    return html.escape(text)


def html_table(caption: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]], after: Any = "") -> str:
    """A table as HTML: a caption paragraph, the rows, then ``after`` (text escaped into a paragraph,
    Markup as is)."""
    head = "".join(f"<th>{cell_html(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell_html(c)}</td>" for c in row) + "</tr>" for row in rows)
    before = f"<p>{cell_html(caption)}</p>" if caption else ""
    if after and not isinstance(after, Markup):
        after = f"<p>{cell_html(after)}</p>"
    return f"{before}<table><tr>{head}</tr>{body}</table>{after or ''}"


def text_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], indent: str = "  ", limit: int = 60) -> list[str]:
    """A table as aligned text lines (a header, then one line per row), each cell but the last cut
    to ``limit`` characters so one long value does not push the other columns off the screen (the
    last, a message, is read whole and pushes nothing)."""

    def cut(value: Any, last: bool) -> str:
        text = cell_text(value)
        return text if last or len(text) <= limit else text[: limit - 3] + "..."

    cells = [[cut(c, i == len(row) - 1) for i, c in enumerate(row)] for row in [list(headers), *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]


class ShownAsTable:
    """A list of rows that print(), IPython and notebooks show as one table: the first rows and a
    count; ``repr()`` stays the list's. The class gives ``_shown_columns()`` and ``_cells(limit)``."""

    _SHOWN = 20  # rows shown; the list holds them all

    def _shown_columns(self) -> list[str]:
        raise NotImplementedError

    def _cells(self, limit: int) -> list[Any]:
        raise NotImplementedError

    def _footer(self) -> str:
        count = len(self)  # type: ignore[arg-type]
        more = f", {count - self._SHOWN} not shown" if count > self._SHOWN else ""
        return f"{count} rows{more}"

    def __str__(self) -> str:
        return "\n".join(text_table(self._shown_columns(), self._cells(self._SHOWN), indent="") + [self._footer()])

    def _repr_html_(self) -> str:
        return html_table("", self._shown_columns(), self._cells(self._SHOWN), self._footer())

    _repr_pretty_ = pretty_as_text
