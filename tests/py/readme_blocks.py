"""The README's code blocks, read by the tests that run them as written (documentation must not rot)."""

from __future__ import annotations

import ast
from pathlib import Path


def readme_blocks(path: Path, heading: str, language: str) -> list[str]:
    """The fenced ``language`` blocks of the section under ``heading``, up to the next heading."""
    blocks, inside, fence, fence_language = [], False, None, ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if fence is None and line.startswith("```"):
            fence, fence_language = [], line[3:]
        elif fence is not None and line.startswith("```"):
            if inside and fence_language == language:
                blocks.append("\n".join(fence))
            fence = None
        elif fence is not None:
            fence.append(line)
        elif line.startswith("#"):
            inside = line == heading
    return blocks


def run_block(code: str, namespace: dict) -> list:
    """Runs ``code`` statement by statement in ``namespace``; returns each top-level expression's value."""
    values = []
    for statement in ast.parse(code).body:
        if isinstance(statement, ast.Expr):
            values.append(eval(compile(ast.Expression(statement.value), "README.md", "eval"), namespace))
        else:
            exec(compile(ast.Module([statement], []), "README.md", "exec"), namespace)
    return values
