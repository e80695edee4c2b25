"""with db.transaction(): all or nothing; nested blocks are savepoints; threads are isolated."""

from __future__ import annotations

import threading

import pytest

import carrierdb


@pytest.fixture
def db(carrierdb_db):
    carrierdb_db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT UNIQUE)")
    return carrierdb_db


def notes(db) -> list[str]:
    return [r["note"] for r in db.query("SELECT note FROM t ORDER BY id")]


def test_transaction_commits_on_success(db):
    with db.transaction():
        db.execute("INSERT INTO t VALUES (1, 'a')")
        db.execute("INSERT INTO t VALUES (2, 'b')")
    assert notes(db) == ["a", "b"]
    assert not db.in_transaction


def test_failing_step_leaves_none_of_the_earlier_steps(db):
    with pytest.raises(carrierdb.UniqueViolation):
        with db.transaction():
            db.execute("INSERT INTO t VALUES (1, 'a')")
            db.execute("INSERT INTO t VALUES (2, 'b')")
            db.execute("INSERT INTO t VALUES (3, 'a')")  # duplicate note
    assert notes(db) == []
    assert not db.in_transaction


def test_python_exception_rolls_back(db):
    with pytest.raises(KeyError):
        with db.transaction():
            db.execute("INSERT INTO t VALUES (1, 'a')")
            raise KeyError("boom")
    assert notes(db) == []


def test_nested_block_is_a_savepoint(db):
    with db.transaction():
        db.execute("INSERT INTO t VALUES (1, 'outer')")
        with pytest.raises(carrierdb.UniqueViolation):
            with db.transaction():
                db.execute("INSERT INTO t VALUES (2, 'inner')")
                db.execute("INSERT INTO t VALUES (3, 'outer')")
        # The inner block is undone; the outer one goes on and commits.
        db.execute("INSERT INTO t VALUES (4, 'after')")
    assert notes(db) == ["outer", "after"]


def test_uncommitted_rows_are_invisible_to_other_threads(db):
    seen = []
    with db.transaction():
        db.execute("INSERT INTO t VALUES (1, 'pending')")
        reader = threading.Thread(target=lambda: seen.append(notes(db)))
        reader.start()
        reader.join()
        assert notes(db) == ["pending"]  # this thread sees its own write
    assert seen == [[]]
    assert notes(db) == ["pending"]


def test_commit_without_transaction_is_a_programming_error(db):
    with pytest.raises(carrierdb.ProgrammingError, match="without an open transaction"):
        db._db.commit()


def test_rollback_without_transaction_is_a_programming_error(db):
    with pytest.raises(carrierdb.ProgrammingError, match=r"rollback\(\) without an open transaction"):
        db._db.rollback()
