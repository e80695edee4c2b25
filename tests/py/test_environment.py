"""The environment is resolved once, into one value, and one production rule guards every write."""

from __future__ import annotations

import json

import pytest

import carrierdb
from carrierdb.config import Environment


def test_environment_resolution_and_aliases():
    assert Environment.resolve(environ={}).name == "development"
    assert Environment.resolve(environ={"CARRIERDB_ENV": " staging "}).name == "staging"
    assert Environment.resolve("test", environ={"CARRIERDB_ENV": "staging"}).name == "test"  # an explicit name wins
    prod = Environment("prod")
    assert Environment.resolve(prod) is prod  # a resolved value passes through unchanged
    assert (prod.canonical, prod.spellings, prod.engine_name) == ("production", ("prod", "production"), "production")
    test = Environment("test")
    assert (test.canonical, test.spellings, test.engine_name, test.is_production) == ("testing", ("test", "testing"), "test", False)
    assert [Environment(n).is_production for n in ("production", "prod", "staging", "development")] == [True, True, False, False]


def test_the_database_carries_the_environment_it_was_opened_for(carrierdb_url, monkeypatch):
    monkeypatch.setenv("CARRIERDB_ENV", "staging")
    assert carrierdb.connect(carrierdb_url).environment == Environment("staging")
    assert carrierdb.connect(carrierdb_url, env="prod").environment.is_production


def test_reset_is_refused_under_the_production_alias(carrierdb_url, project, monkeypatch):
    # `prod` is production for reset exactly as for seeding (it was only `production` before).
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(project))
    db = carrierdb.connect(carrierdb_url, env="prod")
    migrations = db.migrations()
    migrations.deploy()
    with pytest.raises(carrierdb.MigrationStateError, match="production"):
        migrations.reset()
    assert "carriers" in db.table_names()
    assert migrations.reset(allow_production=True).ok


def test_seeding_a_folder_named_for_the_production_alias_is_guarded(carrierdb_url, project, monkeypatch):
    # seeds/prod exists: the folder's name is no longer what decides whether it is production.
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(project))
    (project / "seeds" / "production").rename(project / "seeds" / "prod")
    db = carrierdb.connect(carrierdb_url, env="prod")
    db.migrations().deploy()
    with pytest.raises(carrierdb.ConfigurationError, match="production"):
        db.seeds.apply()
    assert db.carrier.count() == 0
    report = db.seeds.apply(allow_production=True)
    assert report.environment == "production" and report.inserted > 0


def test_cli_reset_under_the_production_alias_exits_5(run_cli, carrierdb_url, project):
    assert run_cli("migrate", "deploy", "--url", carrierdb_url, cwd=project).returncode == 0
    refused = run_cli("migrate", "reset", "--force", "--json", "--url", carrierdb_url, "--env", "prod", cwd=project)
    assert refused.returncode == 5 and json.loads(refused.stdout)["error"] == "MigrationStateError"


def test_the_engine_applies_the_same_production_rule_whoever_calls_it(carrierdb_url, project):
    # One rule, in the engine: the guards refuse the alias even when a caller skips Environment.
    assert carrierdb._core.is_production_environment("prod") and carrierdb._core.is_production_environment("production")
    assert not carrierdb._core.is_production_environment("staging")
    assert carrierdb._core.canonical_environment("prod") == "production" == Environment("prod").canonical
    db = carrierdb.connect(carrierdb_url)
    db.migrations(project / "migrations").deploy()
    seeder = carrierdb._core.Seeder(db._db, carrierdb.Schema.load(str(project / "schema.prisma")))
    with pytest.raises(carrierdb.ConfigurationError, match="production"):
        seeder.apply_records("Carrier", [{"name": "Acme", "mcNumber": "MC1"}], [], "records:Carrier", environment="prod")
    assert db.query("SELECT count(*) AS n FROM carriers")[0]["n"] == 0
