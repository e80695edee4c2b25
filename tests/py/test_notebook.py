"""The example notebook runs headless, as CI runs it, on both backends; committed notebooks carry
no outputs.

The kernel is this venv's interpreter (sys.executable), declared in a kernel.json under a temporary
JUPYTER_PATH: nothing is registered globally, and the notebook imports the carrierdb under test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbclient  # test dependencies: scripts/bootstrap --test installs them
import nbformat
import pytest

from conftest import REPO

NOTEBOOKS = REPO / "examples" / "notebooks"
KERNEL = "carrierdb-under-test"


@pytest.fixture
def venv_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec that starts ipykernel in this interpreter, visible to this test only."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "carrierdb (venv)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "matplotlib"))
    return KERNEL


def _outputs(nb, tag: str) -> list:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"one cell tagged {tag!r} expected"
    return cells[0].outputs


def _shown(nb, tag: str, mime: str = "text/html") -> str:
    """What the cell shows: its result or displays in ``mime``, and what it printed."""
    parts = []
    for out in _outputs(nb, tag):
        if out.output_type in ("execute_result", "display_data"):
            parts.append(out.data.get(mime, ""))
        elif out.output_type == "stream" and out.name == "stdout":
            parts.append(out.text)
    return "\n".join(parts)


def _stderr(nb) -> str:
    return "\n".join(out.text for c in nb.cells if c.cell_type == "code" for out in c.outputs
                     if out.output_type == "stream" and out.name == "stderr")


def test_the_fleet_notebook_runs_headless_and_shows_what_a_user_reads(carrierdb_url, venv_kernel, monkeypatch):
    monkeypatch.setenv("CARRIERDB_NOTEBOOK_URL", carrierdb_url)
    nb = nbformat.read(NOTEBOOKS / "fleet.ipynb", as_version=4)
    # Any cell error raises CellExecutionError, naming the cell and the traceback.
    nbclient.NotebookClient(nb, kernel_name=venv_kernel, timeout=120, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()

    assert "3 migration(s): 3 pending" in _shown(nb, "status", "text/plain")
    assert "applied: 3 migration(s)" in _shown(nb, "deploy")
    assert "<code>20241115090000_add_tags</code>" in _shown(nb, "deploy")
    assert "seeded: testing" in _shown(nb, "seed-set") and "<td>carriers.csv</td>" in _shown(nb, "seed-set")
    assert "120 carriers inserted" in _shown(nb, "seed-frame")

    # The validation report names each bad row of the messy frame (rows 2 to 4), field and rule.
    report = _shown(nb, "validate")
    assert report.startswith("<p><b>ValidationError</b>")
    for row, field in (("notebook:broker-sheet:2", "name"), ("notebook:broker-sheet:3", "mcNumber"), ("notebook:broker-sheet:4", "dotNumber"),
                       ("notebook:broker-sheet:4", "status")):
        assert f"<td>{row}</td><td>{field}</td>" in report, (row, field)
    assert "notebook:broker-sheet:1<" not in report  # the first row is fine once normalized
    assert "BANKRUPT" in _shown(nb, "validate-frame")
    lenient = _shown(nb, "lenient")
    assert "1 inserted" in lenient and "3 rejected" in lenient and "rejected rows" in lenient

    assert "<table>" in _shown(nb, "query") and "rows" in _shown(nb, "query")
    assert "carrier.id" in _shown(nb, "relation-frame") and "vin" in _shown(nb, "relation-frame")
    assert "carrier.name" in _shown(nb, "loads")
    assert any("image/png" in out.get("data", {}) for out in _outputs(nb, "chart"))

    exported = _shown(nb, "export", "text/plain")
    assert "25 drivers exported to drivers_anonymised.csv; every last name replaced: True" in exported
    assert "rolled back: 1 migration(s)" in _shown(nb, "rollback")

    # Progress bars were drawn (as text: no ipywidgets here), without tqdm.auto's IProgress warning.
    stderr = _stderr(nb)
    assert "carriers: 100%" in stderr and "deploy: 100%" in stderr
    assert "IProgress" not in stderr and "TqdmWarning" not in stderr


# Jupyter's own .ipynb_checkpoints copies are not the repository's.
COMMITTED = sorted(p for p in REPO.glob("examples/**/*.ipynb") if not any(part.startswith(".") for part in p.relative_to(REPO).parts))


def test_the_example_notebook_is_among_the_checked_ones():
    assert NOTEBOOKS / "fleet.ipynb" in COMMITTED


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_committed_notebooks_carry_no_outputs(path: Path):
    """Outputs hold one run's data, paths and timings: the repository keeps the notebook only."""
    nb = nbformat.read(path, as_version=4)
    for number, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} cell {number} has outputs: clear them"
