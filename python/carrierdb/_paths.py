"""Path probes that answer "no" for a path the process may not look at.

``Path.is_file()``/``is_dir()``/``exists()`` raise PermissionError (Python up to 3.13) when a
directory on the way may not be searched: a checkout under /root (mode 0700) seen by a process that
dropped privileges, for example. Looking for the project root, an env file or a seed set, a place
we cannot look into is not the one we are looking for; ``os.path`` already answers that way.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["exists", "is_dir", "is_file"]


def is_file(path: Path) -> bool:
    return os.path.isfile(path)


def is_dir(path: Path) -> bool:
    return os.path.isdir(path)


def exists(path: Path) -> bool:
    return os.path.exists(path)
