"""Python data migrations: a migration folder's ``migration.py``.

A folder may hold ``migration.py`` next to its ``migration.sql``::

    def up(db):
        for carrier in db.carrier.find_many(where={"region": None}):
            db.carrier.update(where={"id": carrier["id"]}, data={"region": "EU"})

    def down(db):          # optional
        db.execute('UPDATE "carriers" SET "region" = NULL')

carrierdb runs ``up(db)`` after the folder's SQL, in the same transaction, on the migrator's own
connection: ``db`` is the Database the migrations were opened on, and everything done through it
on this thread (``query``, ``execute``, the models' repository, ``with db.transaction()`` as a
savepoint) sees the SQL's changes and commits or rolls back with the migration. Rollback runs
``down(db)`` first, then down.sql: the reverse of up. Prisma applies only ``migration.sql``.
"""

from __future__ import annotations

import importlib.util
import traceback
from pathlib import Path
from typing import Any, Optional

__all__ = ["new_python_migration", "run_step"]

SQL_NOTE = """\
-- The data step of this migration is migration.py (next to this file): carrierdb runs its up(db)
-- after this SQL, in the same transaction, and its down(db) on rollback before down.sql.
-- Prisma (`prisma migrate deploy`) applies only this file and never runs migration.py.
"""

PY_TEMPLATE = '''\
"""Data step of migration {name}: carrierdb runs up(db) after migration.sql, in the same
transaction; an exception rolls both back and records the migration as failed."""


def up(db):
    """Change data with the same API scripts use: db.execute/db.query, db.<model>.find_many/update/..."""


def down(db):
    """Undo up(db); runs on rollback before down.sql. Delete it if there is nothing to undo."""
'''


def run_step(db: Any, path: str, direction: str) -> Optional[tuple[str, int, str]]:
    """Run ``up(db)`` or ``down(db)`` of the migration.py at ``path``.

    Called by the migrator, inside the migration's transaction. Returns None on success, or
    ``(message, line, traceback)`` for the exception raised (``line`` in migration.py, 0 if the
    exception came from elsewhere without passing through it). KeyboardInterrupt and other
    BaseExceptions propagate: the migrator treats Ctrl-C as a stop, not as a failure.
    """
    try:
        module = _load(path)
        step = getattr(module, direction, None)
        if step is None:
            if direction == "down":
                return None  # nothing to undo: only down.sql runs
            return (f"{path} defines no up(db)", 1, "")
        if not callable(step):
            return (f"{direction} in {path} is not a function", 1, "")
        step(db)
    except Exception as error:  # noqa: BLE001 - every failure of user code is the migration's failure
        return (_message(error), _line_in(error, path), _text("".join(traceback.format_exception(type(error), error, error.__traceback__))))
    return None


def _load(path: str):
    # A fresh module per run, under a name of its own: never cached in sys.modules, so an edited
    # file is what runs, and two migrations' files never collide.
    name = "carrierdb_data_step_" + Path(path).parent.name
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _message(error: BaseException) -> str:
    text = str(error)
    return _text(f"{type(error).__name__}: {text}" if text else type(error).__name__)


def _text(text: str) -> str:
    # Lone surrogates (from surrogateescape decoding) cannot cross into C++ as UTF-8.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _line_in(error: BaseException, path: str) -> int:
    """The line of ``path`` the exception was raised from: its innermost frame in that file."""
    if isinstance(error, SyntaxError) and error.filename and Path(error.filename) == Path(path):
        return error.lineno or 0
    target = Path(path).resolve()
    line = 0
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        if Path(frame.f_code.co_filename).resolve() == target:
            line = lineno
    return line


def new_python_migration(folder: Path, name: str) -> list[Path]:
    """Add the data step to a folder ``migrate new`` just created: migration.py from the template,
    and the note on the SQL files (migration.sql and its variants) that the data step runs in
    carrierdb only. Returns the files written."""
    written = []
    for sql in sorted(folder.glob("migration*.sql")):
        sql.write_text(SQL_NOTE + sql.read_text())
        written.append(sql)
    script = folder / "migration.py"
    script.write_text(PY_TEMPLATE.format(name=folder.name or name))
    written.append(script)
    return written

