"""The examples run as shipped: they are documentation, so they must not rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quickstart_runs():
    result = subprocess.run([sys.executable, str(REPO / "examples" / "quickstart.py")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "created: {'id': 1, 'name': 'Acme Freight LLC', 'mcNumber': 'MC123456'" in result.stdout
    assert "refused: ['mcNumber'] ['MC123456']" in result.stdout
