"""deploy(single_transaction=True): every pending migration in one transaction, applied together or
not at all (what a shadow database's replay uses: one commit, not one per migration), on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

import carrierdb


def write(folder: Path, scripts: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, sql in scripts.items():
        (folder / name).mkdir()
        (folder / name / "migration.sql").write_text(sql)
    return folder


def test_a_failure_applies_none_of_the_run_and_records_nothing(carrierdb_db, tmp_path):
    folder = write(tmp_path / "m", {
        "20240101000000_a": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
        "20240102000000_b": "CREATE TABLE b (id INTEGER PRIMARY KEY);\n",
        "20240103000000_c": "CREATE TABLE c (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n",
    })
    migrations = carrierdb_db.migrations(folder)
    with pytest.raises(carrierdb.MigrationFailed, match=r"(?s)20240103000000_c failed at line 2 .*none of the 3 migration\(s\) of that transaction is applied"):
        migrations.deploy(single_transaction=True)
    assert not {"a", "b", "c"} & set(carrierdb_db.table_names())
    assert [e.state for e in migrations.status().entries] == ["pending", "pending", "pending"]
    # Without it, each migration is its own transaction: the first two stay applied.
    with pytest.raises(carrierdb.MigrationFailed):
        migrations.deploy()
    assert {"a", "b"} <= set(carrierdb_db.table_names())


def test_all_apply_in_one_transaction_and_are_recorded(carrierdb_db, carrierdb_backend, tmp_path):
    stamp = "txid_current()" if carrierdb_backend == "postgresql" else "1"
    folder = write(tmp_path / "m", {
        "20240101000000_log": f"CREATE TABLE log (tx BIGINT);\nINSERT INTO log VALUES ({stamp});\n",
        "20240102000000_more": f"INSERT INTO log VALUES ({stamp});\n",
        "20240103000000_again": f"INSERT INTO log VALUES ({stamp});\n",
    })
    report = carrierdb_db.migrations(folder).deploy(single_transaction=True)
    assert [m.name for m in report.migrations] == ["20240101000000_log", "20240102000000_more", "20240103000000_again"]
    assert [e.state for e in carrierdb_db.migrations(folder).status().entries] == ["applied"] * 3
    transactions = {r["tx"] for r in carrierdb_db.query("SELECT tx FROM log")}
    assert len(transactions) == 1  # PostgreSQL: one transaction id for all three


def test_a_migration_that_cannot_run_in_a_transaction_makes_it_one_per_migration(carrierdb_db, carrierdb_backend, tmp_path):
    concurrently = "CREATE INDEX CONCURRENTLY t_id ON t (id);" if carrierdb_backend == "postgresql" else "CREATE INDEX t_id ON t (id);"
    folder = write(tmp_path / "m", {
        "20240101000000_t": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
        "20240102000000_index": f"-- carrierdb:no-transaction\n{concurrently}\n",
    })
    report = carrierdb_db.migrations(folder).deploy(single_transaction=True)
    assert [m.name for m in report.migrations] == ["20240101000000_t", "20240102000000_index"]


def test_the_cli_flag(carrierdb_url, tmp_path, capsys):
    from carrierdb import cli

    folder = write(tmp_path / "m", {
        "20240101000000_a": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
        "20240102000000_b": "INSERT INTO nowhere VALUES (1);\n",
    })
    argv = ["migrate", "deploy", "--url", carrierdb_url, "--dir", str(folder), "--no-progress", "--single-transaction"]
    assert cli.main(argv) == cli.EXIT_ERROR
    captured = capsys.readouterr()
    assert "none of the 2 migration(s) of that transaction is applied" in captured.out + captured.err
    with carrierdb.connect(carrierdb_url) as db:
        assert "a" not in db.table_names()


@pytest.mark.postgres_only
def test_a_new_enum_value_used_later_makes_it_one_per_migration(carrierdb_db, tmp_path):
    """PostgreSQL refuses to use an enum value before the transaction adding it commits: such a run
    is applied one migration per transaction (as without the option), not refused."""
    folder = write(tmp_path / "m", {
        "20240101000000_a": "CREATE TYPE \"R\" AS ENUM ('A');\nCREATE TABLE t (r \"R\");\n",
        "20240102000000_b": "ALTER TYPE \"R\" ADD VALUE 'B';\n",
        "20240103000000_c": "ALTER TABLE t ALTER COLUMN r SET DEFAULT 'B';\n",
    })
    report = carrierdb_db.migrations(folder).deploy(single_transaction=True)
    assert len(report.migrations) == 3


def test_a_sqlite_rebuild_does_not_take_the_other_migrations_cascades(carrierdb_db, carrierdb_backend, tmp_path):
    """SQLite: a rebuild turning foreign keys off runs alone; the migrations before it keep their ON
    DELETE CASCADE (a shadow replay, which batches, included)."""
    rebuild = ("PRAGMA foreign_keys=OFF;\nCREATE TABLE new_p (id INTEGER PRIMARY KEY);\nINSERT INTO new_p SELECT id FROM p;\n"
               "DROP TABLE p;\nALTER TABLE new_p RENAME TO p;\nPRAGMA foreign_keys=ON;\n") if carrierdb_backend == "sqlite" else \
        "ALTER TABLE p ADD COLUMN x INTEGER;\n"
    folder = write(tmp_path / "m", {
        "20240101000000_a": "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);\n"
                            "INSERT INTO p VALUES (1);\nINSERT INTO c VALUES (1);\n",
        "20240102000000_b": "DELETE FROM p;\n",
        "20240103000000_c": rebuild,
    })
    report = carrierdb_db.migrations(folder).deploy(replay=True)
    assert len(report.migrations) == 3
    assert carrierdb_db.query("SELECT count(*) AS n FROM c")[0]["n"] == 0  # cascaded, as one migration at a time
