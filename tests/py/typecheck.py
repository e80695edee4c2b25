"""Run mypy --strict over scripts, as a user's CI would, with a cache shared by the session's tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import carrierdb

# The package's own folder on mypy's path: an editable install reaches it through an import hook
# that mypy does not follow. --follow-imports=silent checks the scripts named, not carrierdb itself
# (a user's mypy treats an installed package the same way).
PACKAGE_ROOT = Path(carrierdb.__file__).resolve().parents[1]
# Kept between runs: a warm cache makes each check take about a second instead of ten.
CACHE = Path(tempfile.gettempdir()) / f"carrierdb-mypy-cache-{os.getuid()}"


def mypy(cwd: Path, *targets: str) -> tuple[int, list[str]]:
    """Exit status and the ``error:`` lines of ``mypy --strict targets`` run in ``cwd``."""
    env = {**os.environ, "MYPYPATH": str(PACKAGE_ROOT)}
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-error-summary",
                           "--cache-dir", str(CACHE), "--show-error-codes", *targets],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 2: mypy itself failed
    return done.returncode, [line for line in done.stdout.splitlines() if ": error:" in line]
