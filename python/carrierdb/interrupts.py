"""Ctrl-C and SIGTERM during long operations.

The engine stops a seed, a deploy or a bulk insert within milliseconds of the signal, rolls back
what it had not committed and raises :class:`carrierdb.Interrupted` (a ``KeyboardInterrupt``).
``committed`` says whether any of the work is in the database; when all of it had been committed
before the signal arrived, ``result`` holds the operation's report.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

from . import _core

Interrupted = _core.Interrupted


@contextlib.contextmanager
def reports_as(make_report: Callable[[dict], Any]) -> Iterator[None]:
    """Gives the raw result an Interrupted carries the operation's report type."""
    try:
        yield
    except Interrupted as stop:
        if isinstance(stop.result, dict):
            stop.result = make_report(stop.result)
        raise
