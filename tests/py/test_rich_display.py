"""Rich display on both backends: what a notebook shows (``_repr_html_``, escaped) and what a
terminal prints (``str``, and IPython's ``_repr_pretty_``) for the database, migration status,
deploy and rollback reports, seed reports, validation errors and query results."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from IPython.lib.pretty import pretty

import carrierdb
from readme_blocks import readme_blocks, run_block

REPO = Path(__file__).resolve().parents[2]
FLEET = REPO / "examples" / "fleet"
SNEAKY = "Acme <b>Freight</b> & Sons"  # a value that would turn into markup unless escaped


@pytest.fixture
def fleet(carrierdb_url, tmp_path: Path):
    """The fleet schema on an empty database, its migrations in a folder of the test's own."""
    shutil.copytree(FLEET / "migrations", tmp_path / "migrations")
    db = carrierdb.connect(carrierdb_url, schema=str(FLEET / "schema.prisma"))
    yield db, db.migrations(tmp_path / "migrations")
    db.close()


def carriers(n: int, name=lambda k: f"Carrier {k}") -> list[dict]:
    return [{"name": name(k), "mcNumber": f"MC{100 + k}", "dotNumber": f"{200 + k}"} for k in range(n)]


def test_the_database_shows_its_backend_and_url(fleet, carrierdb_backend):
    db, _ = fleet
    assert repr(db) == f"<carrierdb.Database {carrierdb_backend} {db.url}>"
    page = db._repr_html_()
    assert f"<td>backend</td><td>{carrierdb_backend}</td>" in page and "open of" in page


def test_migration_status_lines_up_its_columns_and_counts_states(fleet):
    db, migrations = fleet
    migrations.deploy()
    migrations.rollback()
    status = migrations.status()
    lines = str(status).splitlines()
    assert lines[1].split() == ["STATE", "MIGRATION", "WHEN"]
    column = lines[1].index("MIGRATION")
    assert [line[column:].split()[0] for line in lines[2:5]] == [
        "20241101090000_init", "20241108090000_add_loads", "20241115090000_add_tags"]
    assert lines[-1].startswith("3 migration(s): 2 applied, 1 rolled_back.") and "carrierdb migrate deploy" in lines[-1]
    assert pretty(status) == str(status)  # IPython in a terminal prints the same text
    page = status._repr_html_()
    assert page.count("<tr>") == 4 and "<code>20241115090000_add_tags</code>" in page and ">rolled_back</span>" in page


def test_deploy_and_rollback_reports_name_each_migration(fleet):
    db, migrations = fleet
    deployed = migrations.deploy()
    assert str(deployed).startswith("applied: 3 migration(s) in ")
    assert [line.split()[:2] for line in str(deployed).splitlines()[1:]] == [
        ["ok", "20241101090000_init"], ["ok", "20241108090000_add_loads"], ["ok", "20241115090000_add_tags"]]
    assert pretty(deployed) == str(deployed)
    assert "<td>ok</td><td><code>20241108090000_add_loads</code></td>" in deployed._repr_html_()

    rolled_back = migrations.rollback(steps=2)
    assert str(rolled_back).startswith("rolled back: 2 migration(s) in ")
    page = rolled_back._repr_html_()
    assert page.startswith("<p>rolled back: 2 migration(s) in ") and page.count("<td>ok</td>") == 2
    assert "20241115090000_add_tags" in page and "20241101090000_init" not in page


def test_a_seed_report_tabulates_files_and_rejected_rows_escaped(fleet):
    db, migrations = fleet
    migrations.deploy()
    rows = carriers(3)
    rows[1]["mcNumber"] = "<MC>"  # rejected: not MC and digits
    report = db.seeds.records("Carrier", rows, key=["mcNumber"], lenient=True)
    text = str(report).splitlines()
    assert text[0].startswith("seeded: records:Carrier ") and text[0].endswith("2 inserted, 0 updated, 0 unchanged, 1 rejected")
    assert text[1].split() == ["file", "rows", "inserted", "updated", "unchanged", "rejected", "model"]
    assert text[2].split()[1:] == ["3", "2", "0", "0", "1", "Carrier"]
    reject = text[text.index("rejected rows:") + 2]
    assert reject.split()[1:4] == ["mcNumber", "invalid_string", "<MC>"] and reject.endswith("MC number must be MC followed by 1 to 8 digits")
    page = report._repr_html_()
    assert "<td>3</td><td>2</td><td>0</td><td>0</td><td>1</td><td>Carrier</td>" in page
    assert "<td>&lt;MC&gt;</td>" in page and "<MC>" not in page
    assert pretty(report) == str(report)


def test_a_validation_error_shows_every_bad_row_as_a_report(fleet):
    db, migrations = fleet
    migrations.deploy()
    rows = carriers(4)
    rows[1]["dotNumber"] = "12a"
    rows[3]["name"] = ""
    with pytest.raises(carrierdb.ValidationError) as caught:
        db.carrier.create_many(rows)
    error = caught.value
    report = error.report
    assert isinstance(report, carrierdb.reports.ValidationReport) and report.model == "Carrier"
    assert report.bad_rows == ["1", "3"]  # create_many's records by list index
    assert [r[:2] for r in report.rows()] == [("1", "dotNumber"), ("3", "name")]
    text = str(report).splitlines()
    assert text[0] == "2 validation issue(s) for Carrier in 2 row(s)"
    assert text[1].split() == ["row", "field", "code", "value", "message"] and text[2].split()[:3] == ["1", "dotNumber", "invalid_string"]
    assert text[2].endswith("USDOT number must be 1 to 8 digits")
    assert list(report.to_pandas()["field"]) == ["dotNumber", "name"]
    page = error._repr_html_()
    assert page.startswith("<p><b>ValidationError</b>: 2 validation issues for Carrier:</p>")
    assert "<td>1</td><td>dotNumber</td><td>invalid_string</td>" in page and "<td>3</td><td>name</td><td>too_small</td>" in page
    assert pretty(error).startswith(f"ValidationError: {error}") and pretty(error).endswith(str(report))
    assert db.carrier.count() == 0  # nothing written, as before


def test_a_strict_seed_refusal_reports_rows_and_values_escaped(fleet):
    db, migrations = fleet
    migrations.deploy()
    rows = carriers(3)
    rows[2]["dotNumber"] = "<12>"
    with pytest.raises(carrierdb.ValidationError) as caught:
        db.seeds.records("Carrier", rows, key=["mcNumber"])
    report = caught.value.report
    assert report.bad_rows == ["records:Carrier:3"] and report.rows()[0][1:3] == ("dotNumber", "invalid_string")
    assert str(report).splitlines()[2].split()[1:4] == ["dotNumber", "invalid_string", "<12>"]
    page = caught.value._repr_html_()
    assert "<td>records:Carrier:3</td><td>dotNumber</td>" in page and "<td>&lt;12&gt;</td>" in page and "<12>" not in page
    assert report._repr_html_().startswith("<p>1 validation issue(s) for seed records:Carrier in 1 row(s)</p>")


def test_query_results_show_as_an_aligned_table_escaped_in_html(fleet):
    db, migrations = fleet
    migrations.deploy()
    long_name = "Long Haul " * 8  # 80 characters: cut in the terminal's table, whole in the notebook's
    db.carrier.create_many(carriers(25, name=lambda k: {0: SNEAKY, 1: long_name}.get(k, f"Carrier {k}")))
    rows = db.carrier.find_many(order_by={"mcNumber": "asc"}, include={"trucks": True})
    assert repr(rows).startswith("[{")  # still the list of dicts it always was
    text = str(rows).splitlines()
    assert text[0].split()[:4] == ["id", "name", "mcNumber", "dotNumber"]
    column = text[0].index("mcNumber")
    assert text[1][column:].split()[0] == "MC100" and text[2][column:].split()[0] == "MC101"
    assert SNEAKY in text[1] and len(text) == 1 + 20 + 1 and text[-1] == "25 rows, 5 not shown"
    assert f" {long_name[:57]}... " in text[2] and long_name.strip() not in text[2]
    assert pretty(rows) == str(rows)
    page = rows._repr_html_()
    assert "<td>Acme &lt;b&gt;Freight&lt;/b&gt; &amp; Sons</td>" in page and "<b>" not in page
    assert page.count("<tr>") == 21 and page.endswith("<p>25 rows, 5 not shown</p>") and f"<td>{long_name.strip()}</td>" in page


def test_the_readme_notebooks_example_runs_as_written(monkeypatch, capsys):
    (code,) = readme_blocks(REPO / "README.md", "## Notebooks", "python")
    monkeypatch.chdir(REPO)  # the example names examples/fleet from the repository's root
    run_block(code, {})
    out = capsys.readouterr().out
    assert "applied: 3 migration(s) in " in out and "  ok   20241115090000_add_tags" in out
    assert "Acme <Freight>" in out and "\n1 rows\n" in out
    assert "1 validation issue(s) for Carrier in 1 row(s)" in out
