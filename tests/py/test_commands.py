"""The command layer: what the CLI does, a script can call, with the same results."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import carrierdb
from carrierdb import commands

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def here(project, monkeypatch):
    """Run in the project copy, as the CLI would, with no URL from the shell."""
    monkeypatch.chdir(project)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DIRECT_URL", raising=False)
    monkeypatch.delenv("CARRIERDB_ANONYMIZE_SALT", raising=False)
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(project))
    return project


def test_reset_then_seeds_the_environments_set(carrierdb_url, here):
    assert len(commands.migrate_deploy(carrierdb_url).migrations) == 3
    result = commands.migrate_reset(carrierdb_url, env="test")  # test -> seeds/testing
    assert result.reset.operation == "reset" and result.seed.inserted == 225
    assert result.to_json()["seed"]["inserted"] == 225 and len(result.to_json()["migrations"]) == 3
    history = commands.seed_status(carrierdb_url)
    assert [(r["environment"], r["seed_set"]) for r in history.runs] == [("test", "testing")]
    assert commands.migrate_reset(carrierdb_url, env="test", seed=False).seed is None
    assert commands.summary(carrierdb_url).models["Carrier"]["count"] == 0


def test_reset_and_rollback_ask_before_changing_anything(carrierdb_url, here):
    commands.migrate_deploy(carrierdb_url)
    commands.seed(carrierdb_url, env="testing")
    asked = []
    with pytest.raises(commands.NotConfirmed):
        commands.migrate_reset(carrierdb_url, confirm=lambda url: asked.append(url) or False)
    assert asked == [carrierdb.connect(carrierdb_url).url]
    assert commands.summary(carrierdb_url).models["Carrier"]["count"] == 225
    with pytest.raises(commands.NotConfirmed):  # the latest migration's down script drops carriers' rows
        commands.migrate_rollback(carrierdb_url, confirm_data_loss=lambda refusal: bool(asked.append(refusal.losses)) and False)
    assert asked[-1] and commands.migrate_status(carrierdb_url).pending == []
    with pytest.raises(carrierdb.DataLossError):  # without a callback, the refusal itself
        commands.migrate_rollback(carrierdb_url)
    report = commands.migrate_rollback(carrierdb_url, confirm_data_loss=lambda refusal: True)
    assert report.operation == "rollback" and commands.migrate_status(carrierdb_url).pending == report.names


def test_export_takes_the_salt_from_the_environment(carrierdb_url, here, monkeypatch):
    commands.migrate_deploy(carrierdb_url)
    commands.seed(carrierdb_url, env="testing")

    def names(salt_variable: str | None, file: str) -> list[str]:
        if salt_variable is None:
            monkeypatch.delenv("CARRIERDB_ANONYMIZE_SALT", raising=False)
        else:
            monkeypatch.setenv("CARRIERDB_ANONYMIZE_SALT", salt_variable)
        exported = commands.seed_export("Carrier", here / file, carrierdb_url, anonymize=["name"])
        assert exported.rows == 225 and exported.to_json()["anonymized"] == ["name"]
        return [r["name"] for r in csv.DictReader((here / file).open(encoding="utf-8"))]

    default, salted, again = names(None, "a.csv"), names("pepper", "b.csv"), names("pepper", "c.csv")
    assert salted == again and salted != default
    explicit = commands.seed_export("Carrier", here / "d.csv", carrierdb_url, anonymize=["name"], salt="pepper")
    assert explicit.rows == 225 and [r["name"] for r in csv.DictReader((here / "d.csv").open(encoding="utf-8"))] == salted


def test_new_migration_takes_the_provider_from_the_lock(carrierdb_url, here):
    lock = here / "migrations" / "migration_lock.toml"
    lock.write_text('provider = "sqlite"\n')
    created = commands.migrate_new("add_rating", "sqlite:" + str(here / "x.db"))
    assert created.files == ["down.sql", "migration.sql"] and created.path.parent == here / "migrations"
    lock.write_text('provider = "postgresql"\n')
    other = commands.migrate_new("add_note", "sqlite:" + str(here / "x.db"), directory=here / "migrations")
    assert other.files == ["down.sql", "down.sqlite.sql", "migration.sql", "migration.sqlite.sql"]
    shutil.rmtree(created.path)
    shutil.rmtree(other.path)


def test_info_env_and_schema_check(carrierdb_url, here):
    info = commands.info(carrierdb_url, env="staging")
    assert info.to_json()["env"] == "staging" and info.source == "argument" and info.backend in ("sqlite", "postgresql")
    assert commands.env(carrierdb_url, env="staging").to_json()["env"] == "staging"
    check = commands.schema_check(carrierdb_url)
    assert not check.in_sync and check.to_json()["models"] == ["Carrier"]
    commands.migrate_deploy(carrierdb_url)
    assert commands.schema_check(carrierdb_url).in_sync
