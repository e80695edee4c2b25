"""Ctrl-C and SIGTERM during long operations.

The engine stops a seed, a deploy or a bulk insert within milliseconds of the signal, rolls back
what it had not committed and raises :class:`carrierdb.Interrupted` (a ``KeyboardInterrupt``).
``committed`` says whether any of the work is in the database; when all of it had been committed
before the signal arrived, ``result`` holds the operation's report (a :class:`carrierdb.SeedReport`
or :class:`carrierdb.DeployReport`, as the operation would have returned).
"""

from __future__ import annotations

from . import _core

Interrupted = _core.Interrupted
