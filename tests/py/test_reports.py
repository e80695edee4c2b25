"""Reports on both backends: what deploy, status and seed return, as text, HTML, JSON and rows."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

import carrierdb


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three migrations valid on both backends; the second fails."""
    for name, sql in (("20240101000000_ok", "CREATE TABLE a (id INTEGER PRIMARY KEY);"),
                      ("20240102000000_bad", "SELECT * FROM missing_table;"),
                      ("20240103000000_later", "CREATE TABLE c (id INTEGER PRIMARY KEY);")):
        (tmp_path / "m" / name).mkdir(parents=True)
        (tmp_path / "m" / name / "migration.sql").write_text(sql)
    return tmp_path / "m"


@pytest.fixture
def seeded(carrierdb_url, project, monkeypatch):
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(project))
    db = carrierdb.connect(carrierdb_url, env="development")
    db.migrations().deploy()
    yield db, db.seeds.apply("testing")
    db.close()


def test_a_deploy_report_shows_as_text_html_and_json(carrierdb_db, folder):
    report = carrierdb_db.migrations(folder).deploy(dry_run=True)
    assert isinstance(report, carrierdb.DeployReport) and report.operation == "deploy" and not report.ok
    text = str(report).splitlines()
    assert text[0].startswith("dry run (nothing was changed): 3 migration(s) in ")
    assert text[1].startswith("  ok   20240101000000_ok  ") and text[2].startswith("  FAIL 20240102000000_bad  ")
    assert "missing_table" in text[3]
    page = report._repr_html_()  # a notebook shows the report as a table, its text escaped
    assert "<code>20240102000000_bad</code>" in page and "<td>FAIL</td>" in page and "<td>skip</td>" in page
    assert html.escape(report.migrations[1].error) in page
    data = report.to_json()
    assert list(data) == ["operation", "dry_run", "migrations", "warnings", "seconds", "lock_traces"]
    assert data["lock_traces"] == []  # filled by --trace-locks only
    assert list(data["migrations"][0]) == ["name", "seconds", "steps", "ok", "skipped", "error"]
    assert json.loads(json.dumps(data)) == data  # plain JSON types all the way down
    assert [m["name"] for m in data["migrations"]] == report.names


def test_report_rows_read_as_attributes_and_as_the_dicts_they_were(carrierdb_db, folder):
    migrations = carrierdb_db.migrations(folder)
    run = migrations.deploy(dry_run=True).migrations[0]
    assert run.name == run["name"] == "20240101000000_ok" and run.ok is run["ok"] is True and run.error is None
    assert dict(run) == run.to_json()
    with pytest.raises(KeyError):
        run["operation"]  # a field of the report, not of its rows
    entry = migrations.status().entries[0]
    assert (entry.state, entry["state"], entry.applied_at) == ("pending", "pending", None)


def test_reports_are_read_only(carrierdb_db, folder):
    """A report is a record of what happened: nothing can rewrite it afterwards."""
    migrations = carrierdb_db.migrations(folder)
    report = migrations.deploy(dry_run=True)
    status = migrations.status()
    for target, field in ((report, "dry_run"), (report.migrations[0], "ok"), (status, "needs_action"), (status.entries[0], "state")):
        with pytest.raises(AttributeError):
            setattr(target, field, False)
    assert report.dry_run and status.needs_action and status.entries[0].state == "pending"


def test_migration_status_json_keeps_its_keys(carrierdb_db, folder):
    status = carrierdb_db.migrations(folder).status()
    data = status.to_json()
    assert list(data) == ["directory", "url", "table", "history_exists", "needs_action", "migrations"]
    assert data["directory"] == str(folder) and data["url"] == carrierdb_db.url and data["table"] == "_prisma_migrations"
    assert [m["state"] for m in data["migrations"]] == ["pending"] * 3 and data["migrations"][0] == status.entries[0].to_json()
    assert list(status.to_pandas().columns) == list(data["migrations"][0])


def test_a_seed_report_shows_as_text_html_and_json(seeded):
    db, report = seeded
    assert isinstance(report, carrierdb.SeedReport)
    assert str(report).splitlines()[0].startswith("seeded: testing 2024.10.1 into testing in ")
    assert "<td>carriers.csv</td><td>200</td><td>200</td>" in report._repr_html_()
    data = report.to_json()
    assert list(data) == ["environment", "seed_set", "version", "checksum", "dry_run", "skipped", "files", "inserted", "updated",
                          "unchanged", "rejected", "prune_candidates", "pruned", "prune_order", "issues", "seconds", "rejects_path"]
    assert data["files"][1] == {"file": "carriers.csv", "model": "Carrier", "rows": 200, "inserted": 200, "updated": 0,
                                "unchanged": 0, "rejected": 0, "not_sent": 0}
    assert json.loads(json.dumps(data)) == data and data["rejects_path"] is None
    assert [run["seed_set"] for run in db.seeds.status()] == ["testing"] and db.seeds.status()[0]["inserted"] == 225
