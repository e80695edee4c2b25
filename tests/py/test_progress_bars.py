"""Which progress bar carrierdb draws: tqdm's notebook widget only in a Jupyter kernel that has
ipywidgets; plain tqdm everywhere else (tqdm.auto would warn "IProgress not found" in a kernel
without ipywidgets). The real kernel case runs in test_notebook.py (no warning in any cell)."""

from __future__ import annotations

import importlib.util
import sys

import tqdm.notebook
import tqdm.std

from carrierdb import progress


def test_the_notebook_widget_needs_both_a_kernel_and_ipywidgets():
    assert progress.tqdm_class(in_kernel=True, widgets=True) is tqdm.notebook.tqdm
    assert progress.tqdm_class(in_kernel=True, widgets=False) is tqdm.std.tqdm
    assert progress.tqdm_class(in_kernel=False, widgets=True) is tqdm.std.tqdm
    assert progress.tqdm_class(in_kernel=False, widgets=False) is tqdm.std.tqdm


def test_a_test_run_is_no_kernel_and_gets_plain_text_bars():
    assert not progress.in_jupyter_kernel()
    assert progress.widgets_available() == (importlib.util.find_spec("ipywidgets") is not None)
    assert progress.tqdm_class() is tqdm.std.tqdm
    assert progress.resolve(True) == (None, tqdm.std.tqdm)


def test_ipython_loaded_outside_a_kernel_is_still_no_kernel():
    """A terminal IPython (or a library that imported IPython) has no kernel to draw widgets in."""
    import IPython  # ipykernel's dependency, installed with the test packages

    assert "IPython" in sys.modules and IPython.get_ipython() is None
    assert not progress.in_jupyter_kernel()


def test_progress_bar_wraps_a_loop_of_ones_own(capsys):
    assert list(progress.progress_bar(range(3), desc="chunks", unit="chunk")) == [0, 1, 2]
    assert "chunks: 100%" in capsys.readouterr().err
