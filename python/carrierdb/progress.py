"""Progress reporting for long operations: a tqdm bar, a user callable, or nothing."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Optional, Union

# (index, total, name, finished, seconds), called by the C++ engine before and after each step.
ProgressCallback = Callable[[int, int, str, bool, float], None]
Progress = Union[None, bool, ProgressCallback]


@contextlib.contextmanager
def progress_reporter(progress: Progress, description: str, unit: str) -> Iterator[Optional[ProgressCallback]]:
    """Yield the callback to hand to the engine. ``True`` draws a tqdm bar (``tqdm.auto``, so a
    notebook gets a widget); a callable is used as is; ``None``/``False`` reports nothing."""
    if progress is None or progress is False:
        yield None
        return
    if callable(progress):
        yield progress
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is an optional extra: no bar rather than no deploy
        yield None
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
