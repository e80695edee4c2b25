"""pyproject declares what the package's generated code imports on every supported Python."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_typing_extensions_is_a_dependency_where_the_generated_client_imports_it():
    generator = (REPO / "python/carrierdb/generate.py").read_text()
    assert "from typing_extensions import" in generator  # what the client below 3.11 imports
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = [d for d in dependencies if d.replace(" ", "").startswith("typing_extensions")]
    assert wanted and wanted[0].replace(" ", "") == 'typing_extensions>=4.6;python_version<"3.11"'
