"""SQLite: a connection sees another connection's schema change. Its cached statements are
recompiled by SQLite on their next step, so a result's columns must come from the statement as it
runs, not as it was compiled before another connection added or dropped a column."""

from __future__ import annotations

import carrierdb


def test_select_star_sees_columns_another_connection_dropped_and_added(tmp_path):
    url = f"sqlite:{tmp_path / 'shared.db'}"
    with carrierdb.connect(url) as mine, carrierdb.connect(url) as other:
        mine.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); INSERT INTO t VALUES (1, 'x', 'y');")
        assert mine.query("SELECT * FROM t") == [{"id": 1, "a": "x", "b": "y"}]
        other.execute("ALTER TABLE t DROP COLUMN b")
        assert mine.query("SELECT * FROM t") == [{"id": 1, "a": "x"}]
        other.execute("ALTER TABLE t ADD COLUMN c INTEGER DEFAULT 7")
        assert mine.query("SELECT * FROM t") == [{"id": 1, "a": "x", "c": 7}]

