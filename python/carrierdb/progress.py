"""Progress reporting for long operations: a tqdm bar, a user callable, or nothing."""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from typing import Any, Callable, Iterable, Iterator, Optional, Union

# (index, total, name, finished, seconds), called by the C++ engine before and after each step.
ProgressCallback = Callable[[int, int, str, bool, float], None]
Progress = Union[None, bool, ProgressCallback]


def in_jupyter_kernel() -> bool:
    """True when this process is a Jupyter kernel (its output goes to a frontend that can draw
    widgets). IPython is only looked up, never imported: a script has no reason to load it."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # an IPython too broken to answer is not a kernel we can draw in
        return False
    return getattr(shell, "kernel", None) is not None


def widgets_available() -> bool:
    """Whether ipywidgets, which tqdm's notebook bar is drawn with, is installed."""
    return importlib.util.find_spec("ipywidgets") is not None


def tqdm_class(*, in_kernel: Optional[bool] = None, widgets: Optional[bool] = None) -> Any:
    """The tqdm class to draw with: the notebook widget in a Jupyter kernel that has ipywidgets,
    plain tqdm (text on stderr) everywhere else. Not ``tqdm.auto``: in a kernel without
    ipywidgets it warns "IProgress not found" and draws nothing. None when tqdm, an optional
    extra, is missing. ``in_kernel``/``widgets`` override the detection."""
    in_kernel = in_jupyter_kernel() if in_kernel is None else in_kernel
    widgets = widgets_available() if widgets is None else widgets
    try:
        if in_kernel and widgets:
            from tqdm.notebook import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def progress_bar(iterable: Optional[Iterable[Any]] = None, **options: Any) -> Any:
    """A tqdm bar of the kind :func:`tqdm_class` picks, for a loop of the caller's own (seeding a
    DataFrame in chunks, say); ``options`` are tqdm's (``total``, ``desc``, ``unit``). Without
    tqdm, the iterable itself."""
    tqdm = tqdm_class()
    if tqdm is None:
        return iterable
    return tqdm(iterable, **options)


def resolve(progress: Any) -> tuple[Optional[Callable], Any]:
    """(callback, tqdm) for a ``progress`` argument: the user's callable; or the tqdm class
    :func:`tqdm_class` picks for True; or neither for None/False, or when tqdm, an optional extra,
    is not installed (no bar rather than no operation)."""
    if progress is None or progress is False:
        return None, None
    if callable(progress):
        return progress, None
    return None, tqdm_class()


@contextlib.contextmanager
def progress_reporter(progress: Progress, description: str, unit: str) -> Iterator[Optional[ProgressCallback]]:
    """Yield the callback to hand to the engine. ``True`` draws a tqdm bar (a widget in a notebook
    with ipywidgets); a callable is used as is; ``None``/``False`` reports nothing."""
    callback, tqdm = resolve(progress)
    if tqdm is None:
        yield callback
        return
    bar = None

    def report(index: int, total: int, name: str, finished: bool, seconds: float) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=description, unit=unit, leave=True)
        if finished:
            bar.set_postfix_str(name, refresh=False)
            bar.update(1)

    try:
        yield report
    finally:
        if bar is not None:
            bar.close()
