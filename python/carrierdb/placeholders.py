"""DB-API ``qmark`` placeholders (``?``) rewritten to the engine's ``$1, $2, ...``.

A ``?`` inside a string literal, a quoted identifier, a comment or a dollar-quoted body is text, not
a placeholder; ``??`` stands for one literal ``?`` (PostgreSQL's jsonb operators ``?``, ``?|``, ``?&``).
"""

from __future__ import annotations

__all__ = ["qmark_to_numbered"]


def qmark_to_numbered(sql: str, *, brackets: bool = False, nested_comments: bool = True) -> tuple[str, int]:
    """``sql`` with each placeholder ``?`` replaced by ``$n`` (n counting from 1), and that count.

    ``brackets``: ``[...]`` quotes an identifier (SQLite); on PostgreSQL it is an array subscript,
    whose ``?`` is a placeholder. ``nested_comments``: ``/* /* */ */`` is one comment (PostgreSQL);
    SQLite's end at the first ``*/``, so ``/* dir/*.csv */`` does not open a second one. An unterminated quote or comment runs to the end unchanged: the
    database reports it.
    """
    out: list[str] = []
    count = 0
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        end = _quoted_end(sql, i, brackets, nested_comments)
        if end > i:
            out.append(sql[i:end])
            i = end
        elif c == "?":
            if sql.startswith("??", i):
                out.append("?")
                i += 2
            else:
                count += 1
                out.append(f"${count}")
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out), count


def _quoted_end(sql: str, i: int, brackets: bool, nested_comments: bool) -> int:
    """Where the literal, quoted identifier or comment starting at ``i`` ends; ``i`` if none starts there."""
    c, n = sql[i], len(sql)
    if c == "-" and sql.startswith("--", i):
        end = sql.find("\n", i)
        return n if end < 0 else end
    if c == "/" and sql.startswith("/*", i):
        if not nested_comments:
            end = sql.find("*/", i + 2)
            return n if end < 0 else end + 2
        depth, j = 0, i
        while j < n:
            if sql.startswith("/*", j):
                depth, j = depth + 1, j + 2
            elif sql.startswith("*/", j):
                depth, j = depth - 1, j + 2
                if depth == 0:
                    return j
            else:
                j += 1
        return n
    if c in "'\"`" or (brackets and c == "["):
        close = "]" if c == "[" else c
        # E'...' strings take backslash escapes; others double the quote to escape it.
        escapes = c == "'" and i > 0 and sql[i - 1] in "eE" and (i < 2 or not _ident_char(sql[i - 2]))
        j = i + 1
        while j < n:
            if escapes and sql[j] == "\\":
                j += 2
            elif sql[j] == close:
                if close != "]" and sql.startswith(close * 2, j):
                    j += 2
                else:
                    return j + 1
            else:
                j += 1
        return n
    if c == "$" and (i == 0 or not _ident_char(sql[i - 1])):
        # $tag$ ... $tag$ (tag empty or an identifier not starting with a digit: $1 is a parameter).
        j = i + 1
        if j < n and not sql[j].isdigit():
            while j < n and _ident_char(sql[j]):
                j += 1
            if j < n and sql[j] == "$":
                tag = sql[i : j + 1]
                close = sql.find(tag, j + 1)
                return n if close < 0 else close + len(tag)
    return i


def _ident_char(c: str) -> bool:
    return c.isalnum() or c == "_" or ord(c) >= 0x80
