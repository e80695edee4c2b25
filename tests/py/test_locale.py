"""A process in a comma-decimal locale (a notebook that called locale.setlocale) still reads and
writes numbers as numbers: parameters, result cells, zod limits, seed defaults and CSV values,
exports. On both backends."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCHEMA = textwrap.dedent(
    """
    datasource db {
      provider = "postgresql"
      url      = env("DATABASE_URL")
    }

    model Reading {
      id    Int    @id @default(autoincrement())
      label String @unique
      /// @zod.number.min(0.5)
      value Float  @default(1.25)

      @@map("readings")
    }
    """
)

TABLE = {
    "sqlite": "CREATE TABLE readings (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL UNIQUE, value REAL NOT NULL DEFAULT 1.25)",
    "postgresql": "CREATE TABLE readings (id serial PRIMARY KEY, label text NOT NULL UNIQUE, value double precision NOT NULL DEFAULT 1.25)",
}

CHILD = textwrap.dedent(
    """
    import csv, locale, sys
    import carrierdb

    locale.setlocale(locale.LC_ALL, "de_DE.UTF-8")
    assert locale.localeconv()["decimal_point"] == ",", "the comma-decimal locale is not in effect"
    url, schema, table, out = sys.argv[1:5]
    db = carrierdb.connect(url, schema=schema)
    db.execute(table)

    created = db.reading.create({"label": "a", "value": 3.25})
    assert created["value"] == 3.25, created
    assert db.reading.get(created["id"])["value"] == 3.25

    try:
        db.reading.create({"label": "low", "value": 0.25})
        raise AssertionError("min(0.5) did not refuse 0.25")
    except carrierdb.ValidationError as e:
        assert e.issues[0]["code"] == "too_small", e.issues

    report = db.seeds.records("Reading", [{"label": "b", "value": "2.5"}, {"label": "c"}], key=["label"])
    assert report.inserted == 2, report
    values = {r["label"]: r["value"] for r in db.reading.find_many()}
    assert values == {"a": 3.25, "b": 2.5, "c": 1.25}, values

    db.seeds.export("Reading", out)
    exported = {r["label"]: r["value"] for r in csv.DictReader(open(out, encoding="utf-8"))}
    assert exported == {"a": "3.25", "b": "2.5", "c": "1.25"}, exported
    print("OK")
    """
)


@pytest.fixture(scope="session")
def comma_locale(tmp_path_factory) -> Path:
    """de_DE.UTF-8 compiled into a private directory (LOCPATH): nothing on the machine changes."""
    if shutil.which("localedef") is None or not Path("/usr/share/i18n/locales/de_DE").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("localedef or the de_DE locale source is missing (scripts/bootstrap installs 'locales')")
        pytest.skip("localedef or the de_DE locale source is missing (scripts/bootstrap installs 'locales')")
    directory = tmp_path_factory.mktemp("locales")
    subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", str(directory / "de_DE.UTF-8")], check=True, capture_output=True)
    return directory


def test_numbers_survive_a_comma_decimal_locale(carrierdb_url, carrierdb_backend, comma_locale, tmp_path):
    schema = tmp_path / "schema.prisma"
    schema.write_text(SCHEMA, encoding="utf-8")
    env = dict(os.environ, LOCPATH=str(comma_locale))
    child = subprocess.run([sys.executable, "-c", CHILD, carrierdb_url, str(schema), TABLE[carrierdb_backend], str(tmp_path / "out.csv")],
                           env=env, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "OK"
