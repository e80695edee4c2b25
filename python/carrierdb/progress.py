"""Progress reporting for long operations: a tqdm bar, a user callable, or nothing."""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Optional, Union

# (index, total, name, finished, seconds), called by the C++ engine before and after each step.
ProgressCallback = Callable[[int, int, str, bool, float], None]
Progress = Union[None, bool, ProgressCallback]


def resolve(progress: Any) -> tuple[Optional[Callable], Any]:
    """(callback, tqdm) for a ``progress`` argument: the user's callable; or tqdm's class (tqdm.auto,
    so a notebook gets a widget) for True; or neither for None/False, or when tqdm, an optional
    extra, is not installed (no bar rather than no operation)."""
    if progress is None or progress is False:
        return None, None
    if callable(progress):
        return progress, None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None, None
    return None, tqdm


@contextlib.contextmanager
def progress_reporter(progress: Progress, description: str, unit: str) -> Iterator[Optional[ProgressCallback]]:
    """Yield the callback to hand to the engine. ``True`` draws a tqdm bar (``tqdm.auto``, so a
    notebook gets a widget); a callable is used as is; ``None``/``False`` reports nothing."""
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
