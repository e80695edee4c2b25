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
    with pytest.raises(carrierdb.MigrationFailed, match=r"(?s)20240103000000_c failed at line 2 .*none of the run's 3 migration\(s\) is applied"):
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
    assert "none of the run's 2 migration(s) is applied" in captured.out + captured.err
    with carrierdb.connect(carrierdb_url) as db:
        assert "a" not in db.table_names()
