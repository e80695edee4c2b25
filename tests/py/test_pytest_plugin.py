"""The pytest plugin's fixtures give each test its own migrated, seeded database."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def project_root(monkeypatch):
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(REPO))


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_a_fresh_seeded_database(carrierdb_seeded_db, round_):
    assert carrierdb_seeded_db.carrier.count() == 225
    carrierdb_seeded_db.carrier.delete_many()  # the next test must not see this


def test_migrated_database_is_empty_but_migrated(carrierdb_migrated_db):
    assert carrierdb_migrated_db.carrier.count() == 0
    assert not carrierdb_migrated_db.migrations().status().needs_action
