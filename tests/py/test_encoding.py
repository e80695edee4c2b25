"""Text that is not UTF-8 is refused before anything is written, naming where it is, on both
backends: seed files, DataFrames, repository input, statement parameters. And what the database
itself refuses during a seed load is reported at the seed file's line, not a staging table's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import carrierdb

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def db(carrierdb_url, project, monkeypatch):
    """A deployed database for a project whose development seed set each test writes itself."""
    shutil.copytree(REPO / "migrations", project / "migrations")
    shutil.copy(REPO / "schema.prisma", project / "schema.prisma")
    (project / "seeds" / "development").mkdir(parents=True)
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(project))
    with carrierdb.connect(carrierdb_url, env="development") as database:
        database.migrations().deploy()
        yield database


def write_csv(project: Path, data: bytes, version: str = "1") -> Path:
    folder = project / "seeds" / "development"
    (folder / "c.csv").write_bytes(data)
    (folder / "manifest.json").write_text(json.dumps(
        {"name": "development", "version": version, "files": [{"path": "c.csv", "model": "Carrier", "key": ["mcNumber"]}]}))
    return folder


def names(db) -> list[str]:
    return [r["name"] for r in db.query("SELECT name FROM carriers ORDER BY mc_number")]


def utf8_issues(error) -> list[tuple]:
    return [(i.get("row"), i["path"], i["code"], i.get("validation")) for i in error.issues]


# -- seed files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("preloaded", [False, True], ids=["first_load", "merge"])
def test_a_latin1_byte_in_a_seed_csv_is_refused_with_file_line_and_field(db, project, preloaded):
    if preloaded:
        db.carrier.create({"name": "Existing", "mcNumber": "MC9"})
    write_csv(project, b"name,mcNumber,status\nGood,MC1,ACTIVE\nM\xfcller,MC2,ACTIVE\n")
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    assert utf8_issues(info.value) == [("c.csv:3", ["name"], "invalid_string", "utf8")]
    message = str(info.value)
    assert "c.csv:3: name: Invalid UTF-8 at byte 2: 0xFC" in message
    assert names(db) == (["Existing"] if preloaded else []) and db.seeds.status() == []


def test_a_lenient_seed_rejects_the_row_that_is_not_utf8(db, project):
    folder = write_csv(project, b"name,mcNumber,status\nGood,MC1,ACTIVE\nM\xfcller,MC2,ACTIVE\nAlso Good,MC3,ACT\xc3\x8fVE\n")
    report = db.seeds.apply(lenient=True)
    assert (report.inserted, report.rejected) == (1, 2)
    rejects = (folder / "rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[1].startswith("c.csv,3,name,invalid_string,") and rejects[1].endswith(",M\\xFCller")
    assert rejects[2].startswith("c.csv,4,status,invalid_enum_value,")  # valid UTF-8 (Ï): an ordinary bad value
    assert names(db) == ["Good"]


@pytest.mark.parametrize("bad", [
    b"\xc0\xaf",          # overlong "/"
    b"\xe0\x80\xaf",      # overlong, three bytes
    b"\xed\xa0\x80",      # a UTF-16 surrogate encoded in UTF-8 (CESU-8)
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xf8\x88\x80\x80\x80",
    b"\x80",              # a continuation byte alone
    b"\xe2\x82",          # cut short
])
def test_every_kind_of_invalid_utf8_is_refused(db, project, bad):
    write_csv(project, b"name,mcNumber,status\nGood " + bad + b" Co,MC1,ACTIVE\n")
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    assert utf8_issues(info.value) == [("c.csv:2", ["name"], "invalid_string", "utf8")]
    assert "at byte 6: 0x" in str(info.value)
    assert db.carrier.count() == 0


def test_valid_utf8_of_every_length_is_stored_unchanged(db, project):
    text = "Zoë Łódź 貨物 \U0001F69A \U0010FFFF"
    write_csv(project, b"name,mcNumber,status\n" + text.encode() + b",MC1,ACTIVE\n")
    assert db.seeds.apply().inserted == 1
    assert names(db) == [text]


def test_json_and_ndjson_seed_files_name_the_record_and_field(db, project):
    folder = project / "seeds" / "development"
    # A JSON array file larger than one 64 KB read, with a multi-byte character across the reads.
    padding = [{"name": f"Zoë 貨物 {k:05d} " + "é" * 40, "mcNumber": f"MC{k}"} for k in range(1, 801)]
    for shift in range(4):
        padding[0]["name"] = "x" * shift + "Zoë"
        array = json.dumps(padding + [{"name": "PLACEHOLDER", "mcNumber": "MC900"}], ensure_ascii=False).encode()
        if 0x80 <= array[1 << 16] < 0xC0:
            break
    assert 0x80 <= array[1 << 16] < 0xC0
    (folder / "a.json").write_bytes(array.replace(b"PLACEHOLDER", b"M\xfcller"))
    (folder / "b.ndjson").write_bytes(b'{"name": "Nd One", "mcNumber": "MC1000"}\n\n{"name": "Nd \xe9", "mcNumber": "MC1001"}\n')
    (folder / "manifest.json").write_text(json.dumps({"name": "development", "version": "1", "files": [
        {"path": "a.json", "model": "Carrier"}, {"path": "b.ndjson", "model": "Carrier"}]}))
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    assert utf8_issues(info.value) == [("a.json:801", ["name"], "invalid_string", "utf8"), ("b.ndjson:3", ["name"], "invalid_string", "utf8")]
    assert "byte 2: 0xFC" in info.value.issues[0]["message"] and "byte 4: 0xE9" in info.value.issues[1]["message"]
    assert db.carrier.count() == 0
    report = db.seeds.apply(lenient=True)
    assert (report.inserted, report.rejected) == (801, 2)
    assert db.carrier.find_unique({"mcNumber": "MC800"})["name"] == padding[799]["name"]


def test_a_seed_header_that_is_not_utf8_is_named_not_passed_on(db, project):
    write_csv(project, b"name,mcNumber,st\xe4tus\nGood,MC1,ACTIVE\n")
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    assert info.value.issues[0]["code"] == "unrecognized_keys"
    assert "'st\\xE4tus'" in str(info.value)


# -- DataFrames and records from Python -----------------------------------------------------------


def test_a_dataframe_cell_with_a_lone_surrogate_names_row_and_field(db):
    import pandas as pd

    # What reading a Latin-1 file as UTF-8 with errors="surrogateescape" gives.
    latin1 = b"M\xfcller".decode("utf-8", errors="surrogateescape")
    frame = pd.DataFrame({"name": ["Good", latin1, "Half \ud800 pair"], "mcNumber": ["MC1", "MC2", "MC3"]})
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.records("Carrier", frame, key=["mcNumber"])
    issues = utf8_issues(info.value)
    assert issues == [("records:Carrier:2", ["name"], "invalid_string", "utf8"), ("records:Carrier:3", ["name"], "invalid_string", "utf8")]
    assert "byte 2: 0xFC" in info.value.issues[0]["message"]  # the byte surrogateescape stood for
    assert "0xED 0xA0 0x80" in info.value.issues[1]["message"] and "surrogate" in info.value.issues[1]["message"]
    assert db.carrier.count() == 0
    report = db.seeds.records("Carrier", frame, key=["mcNumber"], lenient=True)
    assert (report.inserted, report.rejected) == (1, 2)
    assert names(db) == ["Good"]


def test_seed_records_from_dicts_with_a_lone_surrogate(db):
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.records("Carrier", [{"name": "ok", "mcNumber": "MC1"}, {"name": "bad \udcff", "mcNumber": "MC2"}], key=["mcNumber"])
    assert utf8_issues(info.value) == [("records:Carrier:2", ["name"], "invalid_string", "utf8")]
    assert db.carrier.count() == 0


def test_repository_input_with_a_lone_surrogate_is_a_validation_issue(db):
    bad = "M\udcfcller"
    with pytest.raises(carrierdb.ValidationError) as info:
        db.carrier.create({"name": bad, "mcNumber": "MC1"})
    assert utf8_issues(info.value) == [(None, ["name"], "invalid_string", "utf8")]
    with pytest.raises(carrierdb.ValidationError) as info:
        db.carrier.create_many([{"name": "fine", "mcNumber": "MC1"}, {"name": bad, "mcNumber": "MC2"}])
    assert utf8_issues(info.value) == [(None, ["1", "name"], "invalid_string", "utf8")]
    assert db.carrier.count() == 0
    db.carrier.create({"name": "Stored", "mcNumber": "MC1"})
    with pytest.raises(carrierdb.ValidationError, match="name: Invalid UTF-8 at byte 2: 0xFC"):
        db.carrier.update({"mcNumber": "MC1"}, {"name": bad})
    with pytest.raises(carrierdb.ValidationError, match="Invalid UTF-8"):
        db.carrier.upsert({"mcNumber": "MC2"}, create={"name": bad, "mcNumber": "MC2"}, update={"name": bad})
    with pytest.raises(carrierdb.ValidationError) as info:
        db.carrier.find_many({"name": bad})
    assert info.value.issues[0]["validation"] == "utf8"
    with pytest.raises(carrierdb.ValidationError) as info:
        db.carrier.create({"name": "x", "mcNumber": "MC3", "na\udcfcme": "y"})  # a field name
    assert "'na\\xFCme'" in str(info.value)
    assert names(db) == ["Stored"]


def test_execute_and_query_parameters_that_are_not_utf8_are_a_data_error(db):
    with pytest.raises(carrierdb.DataError, match=r"parameter \$2 is not valid UTF-8 at byte 2: 0xFC") as info:
        db.execute("INSERT INTO carriers (name, mc_number, status, created_at, updated_at) VALUES ($1, $2, 'ACTIVE', $3, $3)",
                   ["ok", "M\udcfc1", 0 if db.backend == "sqlite" else "2024-01-01"])
    assert not isinstance(info.value, UnicodeError)
    with pytest.raises(carrierdb.DataError, match=r"parameter \$1 .*surrogate"):
        db.query("SELECT $1 AS x", ["\ud800"])
    assert db.query("SELECT count(*) AS n FROM carriers")[0]["n"] == 0


# -- what the database refuses during a seed load --------------------------------------------------


def refuse_forbidden_names(db) -> None:
    """A rule the schema does not know, so only the database can refuse the row."""
    if db.backend == "sqlite":
        db.execute("CREATE TRIGGER no_forbidden BEFORE INSERT ON carriers WHEN NEW.name = 'Forbidden' "
                   "BEGIN SELECT RAISE(ABORT, 'name Forbidden is refused'); END")
    else:
        db.execute("ALTER TABLE carriers ADD CONSTRAINT no_forbidden CHECK (name <> 'Forbidden')")


@pytest.mark.parametrize("preloaded", [False, True], ids=["first_load", "merge"])
def test_a_row_the_database_refuses_during_a_seed_is_named_by_file_and_line(db, project, preloaded):
    lines = [f"Carrier {k},MC{k},ACTIVE" for k in range(1, 3001)]
    if preloaded:
        write_csv(project, ("name,mcNumber,status\n" + "\n".join(lines[:100]) + "\n").encode())
        db.seeds.apply()
    refuse_forbidden_names(db)
    lines[2497] = "Forbidden,MC2498,ACTIVE"  # line 2499 of the file (the header is line 1)
    write_csv(project, ("name,mcNumber,status\n" + "\n".join(lines) + "\n").encode(), version="2")
    before = names(db)
    with pytest.raises(carrierdb.IntegrityError) as info:
        db.seeds.apply()
    message = str(info.value)
    assert "seed c.csv:2499: the database refused the row" in message
    assert "_carrierdb_stage" not in message and "CONTEXT" not in message
    assert names(db) == before


@pytest.mark.parametrize("preloaded", [False, True], ids=["first_load", "merge"])
def test_rows_not_sent_do_not_shift_the_line_a_refusal_names(db, project, preloaded):
    """Rows that are not sent (rejected by validation; unchanged on a re-seed) do not shift the
    line: PostgreSQL's "COPY t, line N" counts only the rows sent."""
    lines = [f"Carrier {k},MC{k},ACTIVE" for k in range(1, 201)]
    if preloaded:
        write_csv(project, ("name,mcNumber,status\n" + "\n".join(lines) + "\n").encode())
        db.seeds.apply()
    refuse_forbidden_names(db)
    lines[9] = "Bad MC,12345,ACTIVE"         # line 11: rejected by validation (lenient)
    lines[99] = "Bad MC,67890,ACTIVE"        # line 101: rejected too
    lines[149] = "Forbidden,MC150,ACTIVE"    # line 151: refused by the database
    lines.append("Carrier 201,MC201,ACTIVE")
    write_csv(project, ("name,mcNumber,status\n" + "\n".join(lines) + "\n").encode(), version="2")
    with pytest.raises(carrierdb.IntegrityError, match=r"seed c\.csv:151: the database refused the row"):
        db.seeds.apply(lenient=True)
    assert db.carrier.count() == (200 if preloaded else 0)


@pytest.mark.postgres_only
@pytest.mark.parametrize("preloaded", [False, True], ids=["first_load", "merge"])
def test_a_value_the_column_type_refuses_during_copy_is_named_by_file_and_line(db, project, preloaded):
    """The validator allows 255 characters; a narrower column refuses the row inside the COPY
    (into the table, or into the staging table that copies its types)."""
    lines = [f"Carrier {k},MC{k},ACTIVE" for k in range(1, 2001)]
    if preloaded:
        write_csv(project, ("name,mcNumber,status\n" + "\n".join(lines[:10]) + "\n").encode())
        db.seeds.apply()
    db.execute("ALTER TABLE carriers ALTER COLUMN name TYPE varchar(20)")
    lines[1499] = "A Name Longer Than Twenty Characters,MC1500,ACTIVE"  # line 1501
    write_csv(project, ("name,mcNumber,status\n" + "\n".join(lines) + "\n").encode(), version="2")
    with pytest.raises(carrierdb.DataError) as info:
        db.seeds.apply()
    message = str(info.value)
    assert "seed c.csv:1501: the database refused the row: value too long for type character varying(20)" in message
    assert "_carrierdb_stage" not in message and "CONTEXT" not in message
    assert db.carrier.count() == (10 if preloaded else 0)
