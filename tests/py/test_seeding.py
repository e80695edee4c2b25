"""Seeding on both backends: seed sets, idempotency, versions, strict and lenient, guards, formats."""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import carrierdb

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(carrierdb_url, project, monkeypatch):
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(project))
    database = carrierdb.connect(carrierdb_url, env="development")
    database.migrations().deploy()
    yield database
    database.close()


def rows(db) -> list[dict]:
    return db.query("SELECT * FROM carriers ORDER BY mc_number")


def write_set(project: Path, name: str, files: dict[str, str], version: str = "1", key=("mcNumber",)) -> None:
    folder = project / "seeds" / name
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"name": name, "version": version, "files": []}
    for file_name, text in files.items():
        (folder / file_name).write_text(text, encoding="utf-8")
        manifest["files"].append({"path": file_name, "model": "Carrier", "key": list(key)})
    (folder / "manifest.json").write_text(json.dumps(manifest))


# -- the shipped sets -------------------------------------------------------------------------------


def test_development_set_loads_and_normalises(db):
    schema_before = db.schema_snapshot()
    report = db.seeds.apply()
    # A first load rebuilds the secondary indexes after the rows: the schema ends up identical
    # (apart from the seed history table the first seed creates).
    assert [line for line in db.schema_snapshot() if "_carrierdb_seeds" not in line] == schema_before
    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (5025, 0, 0, 0)
    assert db.carrier.count() == 5025
    assert db.carrier.count({"mcNumber": {"startsWith": "MC-"}}) == 0  # MC-123 normalised to MC123
    assert db.carrier.find_unique({"mcNumber": "mc 165622"})["name"] == "FERRIS HOIST AND REPAIR"
    summary = carrierdb.summarize(db)["Carrier"]
    assert sum(summary["by"]["status"].values()) == 5025 and summary["by"]["status"]["ACTIVE"] > 3500


def test_testing_and_production_sets(db):
    assert db.seeds.apply("test").inserted == 225  # CARRIERDB_ENV=test finds seeds/testing
    with pytest.raises(carrierdb.ConfigurationError, match="production"):
        db.seeds.apply("production")
    report = db.seeds.apply("production", allow_production=True)
    assert report.environment == "production" and report.unchanged == 25 and report.inserted == 0
    assert report.prune_candidates == 200 and report.pruned == 0  # never deletes unless told to


def test_reseeding_is_idempotent_and_versioned(db):
    db.seeds.apply()
    before = rows(db)
    again = db.seeds.apply()
    assert again.skipped and rows(db) == before
    forced = db.seeds.apply(force=True)
    assert (forced.inserted, forced.updated, forced.unchanged) == (0, 0, 5025)
    assert rows(db) == before  # not even updated_at moved
    if db.backend == "postgresql":
        # Unchanged rows are recognised from the table's streamed keys and never sent.
        assert sum(f["not_sent"] for f in forced.files) == 5025
    history = db.seeds.status()
    assert [(h["seed_set"], h["version"], h["inserted"], h["unchanged"]) for h in history] == [
        ("development", "2024.10.1", 5025, 0), ("development", "2024.10.1", 0, 5025)]
    assert "@" in history[0]["applied_by"] and len(history[0]["checksum"]) == 64
    # A forced run hashes the files on another thread meanwhile: the same checksum.
    assert history[1]["checksum"] == history[0]["checksum"] == forced.checksum == again.checksum


def test_a_changed_record_is_updated_and_only_it(db, project):
    write_set(project, "development", {"c.csv": "name,mcNumber,status\nAcme,MC1,ACTIVE\nBlue,MC2,ACTIVE\n"})
    db.seeds.apply()
    first = {r["mc_number"]: r for r in rows(db)}
    time.sleep(0.01)  # timestamps have millisecond precision: let the clock move
    write_set(project, "development", {"c.csv": "name,mcNumber,status\nAcme,MC1,SUSPENDED\nBlue,MC2,ACTIVE\nCyan,MC3,ACTIVE\n"})
    report = db.seeds.apply()
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 1)
    second = {r["mc_number"]: r for r in rows(db)}
    assert second["MC1"]["status"] == "SUSPENDED" and second["MC1"]["updated_at"] > first["MC1"]["updated_at"]
    assert second["MC1"]["created_at"] == first["MC1"]["created_at"]
    assert second["MC2"] == first["MC2"]


def test_strict_mode_reports_every_bad_row_and_writes_nothing(db, project):
    write_set(project, "development", {"c.csv": "name,mcNumber,status\nGood,MC1,ACTIVE\n,MC2,ACTIVE\nBad MC,12345,ACTIVE\nOdd,MC4,MAYBE\n"})
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    found = {(i["row"], i["path"][0], i["code"]) for i in info.value.issues}
    # An empty unquoted CSV field is NULL: a missing name is invalid_type, not too_small.
    assert found == {("c.csv:3", "name", "invalid_type"), ("c.csv:4", "mcNumber", "invalid_string"), ("c.csv:5", "status", "invalid_enum_value")}
    assert "c.csv:4: mcNumber: MC number must be MC followed by 1 to 8 digits" in str(info.value)
    assert db.carrier.count() == 0 and db.seeds.status() == []


STRICT_BAD_ROWS = "name,mcNumber,status\nGood,MC1,ACTIVE\nBad MC,12345,ACTIVE\nOdd,MC4,MAYBE\n"


def test_strict_report_shows_each_offending_value(db, project):
    write_set(project, "development", {"c.csv": STRICT_BAD_ROWS})
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    assert [(i["row"], i["path"], i["value"]) for i in info.value.issues] == [
        ("c.csv:3", ["mcNumber"], "12345"), ("c.csv:4", ["status"], "MAYBE")]
    report = str(info.value)
    assert 'c.csv:3: mcNumber: MC number must be MC followed by 1 to 8 digits [invalid_string] (value: "12345")' in report
    assert 'c.csv:4: status: ' in report and '(value: "MAYBE")' in report


def test_cli_seed_json_lists_issues_as_objects(run_cli, carrierdb_url, project):
    env = {"CARRIERDB_PROJECT_DIR": str(project), "CARRIERDB_ENV": "development"}
    assert run_cli("migrate", "deploy", "--url", carrierdb_url, env=env).returncode == 0
    write_set(project, "development", {"c.csv": STRICT_BAD_ROWS})
    result = run_cli("seed", "--json", "--url", carrierdb_url, env=env)
    assert result.returncode == 5
    error = json.loads(result.stdout)
    assert error["error"] == "ValidationError"
    assert [(i["row"], i["field"], i["code"], i["value"]) for i in error["issues"]] == [
        ("c.csv:3", "mcNumber", "invalid_string", "12345"), ("c.csv:4", "status", "invalid_enum_value", "MAYBE")]
    assert all(set(i) == {"row", "field", "code", "message", "value"} for i in error["issues"])
    assert error["issues"][0]["message"] == "MC number must be MC followed by 1 to 8 digits"
    human = run_cli("seed", "--url", carrierdb_url, env=env)
    assert human.returncode == 5 and '[invalid_string] (value: "12345")' in human.stderr


def test_lenient_mode_writes_valid_rows_and_the_rejects(db, project):
    write_set(project, "development", {"c.csv": "name,mcNumber,status\nGood,MC1,ACTIVE\nBad MC,12345,ACTIVE\n"})
    report = db.seeds.apply(lenient=True)
    assert report.inserted == 1 and report.rejected == 1
    rejects = (project / "seeds" / "development" / "rejects.csv").read_text()
    assert rejects.splitlines() == ["file,line,field,code,message,value",
                                    "c.csv,3,mcNumber,invalid_string,MC number must be MC followed by 1 to 8 digits,12345"]
    assert db.seeds.status()[0]["rejected"] == 1


@pytest.mark.parametrize("preloaded", [False, True], ids=["first_load", "merge"])
def test_duplicate_keys_within_a_seed_are_errors(db, project, preloaded):
    if preloaded:
        db.carrier.create({"name": "Existing", "mcNumber": "MC9"})
    write_set(project, "development", {"c.csv": "name,mcNumber,status\nA,MC1,ACTIVE\nB,MC2,ACTIVE\nA again,mc-1,ACTIVE\n"})
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    assert any(i["code"] == "duplicate_key" for i in info.value.issues)
    if preloaded:
        assert "lines 2 and 4" in str(info.value)
    assert db.carrier.count() == (1 if preloaded else 0)


def test_dry_run_and_prune(db, project):
    db.seeds.apply()
    write_set(project, "development", {"c.csv": "name,mcNumber,status\nOnly One,MC1,ACTIVE\n"}, version="2")
    dry = db.seeds.apply(dry_run=True, prune=True)
    assert dry.dry_run and dry.inserted == 1 and dry.pruned == 5025
    assert "would prune 5025 row(s)" in str(dry) and "  pruned" not in str(dry)
    assert db.carrier.count() == 5025 and len(db.seeds.status()) == 1
    kept = db.seeds.apply()
    assert kept.prune_candidates == 5025 and db.carrier.count() == 5026
    pruned = db.seeds.apply(prune=True, force=True)
    assert pruned.pruned == 5025 and db.carrier.count() == 1
    assert "  pruned 5025 row(s)" in str(pruned)


# -- data files ---------------------------------------------------------------------------------


def test_csv_dialect_details(db, project):
    text = ('\ufeffname,mc_number,status\r\n'
            '"Smith, Jones & Co",MC1,ACTIVE\r\n'
            '"Line\nBreak ""Quoted"" LLC",MC2,\r\n'
            '\r\n'
            'No Docket,,INACTIVE\r\n')
    folder = project / "seeds" / "development"
    (folder / "c.csv").write_bytes(text.encode("utf-8"))
    (folder / "manifest.json").write_text(json.dumps({"name": "development", "version": "1", "files": [
        {"path": "c.csv", "model": "Carrier", "key": ["name"]}]}))
    with pytest.raises(carrierdb.ConfigurationError, match=r"seed key \(name\) of c.csv is not unique in the schema"):
        db.seeds.apply()  # a key must identify a record
    (folder / "manifest.json").write_text(json.dumps({"name": "development", "version": "1", "files": [
        {"path": "c.csv", "model": "Carrier"}]}))
    with pytest.raises(carrierdb.ValidationError, match="mcNumber is the seed's key"):
        db.seeds.apply()  # the default key is mcNumber, and one row has none
    (folder / "c.csv").write_bytes(text.replace("No Docket,,INACTIVE", "No Docket,MC3,INACTIVE").encode("utf-8"))
    db.seeds.apply()
    got = {r["mcNumber"]: r for r in db.carrier.find_many()}
    assert got["MC1"]["name"] == "Smith, Jones & Co"
    assert got["MC2"]["name"] == 'Line Break "Quoted" LLC' and got["MC2"]["status"] == "ACTIVE"  # empty field: the default
    assert got["MC3"]["status"] == "INACTIVE"


def test_json_and_ndjson_files(db, project):
    folder = project / "seeds" / "development"
    (folder / "a.json").write_text(json.dumps([{"name": "Json One", "mcNumber": "MC1"}, {"name": "Json Two", "mcNumber": "MC2", "status": "REVOKED"}]))
    (folder / "b.ndjson").write_text('{"name": "Nd One", "mcNumber": "MC3"}\n\n{"name": "Nd Two", "mcNumber": "MC4", "status": "INACTIVE"}\n')
    (folder / "manifest.json").write_text(json.dumps({"name": "development", "version": "1", "files": [
        {"path": "a.json", "model": "Carrier"}, {"path": "b.ndjson", "model": "Carrier"}]}))
    report = db.seeds.apply()
    assert report.inserted == 4 and db.carrier.find_unique({"mcNumber": "MC4"})["status"] == "INACTIVE"
    (folder / "b.ndjson").write_text('{"name": "Nd One", "mcNumber": "MC3"}\n{"name": broken}\n')
    with pytest.raises(carrierdb.ConfigurationError, match=r"b.ndjson:2: malformed JSON"):
        db.seeds.apply(force=True)


def test_malformed_csv_names_file_and_line(db, project):
    write_set(project, "development", {"c.csv": 'name,mcNumber,status\nA,MC1,ACTIVE\nB,MC2\n'})
    with pytest.raises(carrierdb.ConfigurationError, match=r"c.csv:3: expected 3 fields"):
        db.seeds.apply()


# -- large files: rows are read and validated on other threads, loaded on the caller's ----------


def big_csv(rows: int, bad: frozenset = frozenset(), malformed: int = 0, status: str = "ACTIVE") -> str:
    """`rows` carriers; the lines in `bad` have an MC number that fails validation, the line
    `malformed` lacks a field. Line numbers count the header as line 1."""
    out = ["name,mcNumber,status"]
    for k in range(rows):
        line = k + 2
        if line in bad:
            out.append(f"Carrier {k},{k},{status}")
        elif line == malformed:
            out.append(f"Carrier {k},MC{k + 1}")
        else:
            out.append(f"Carrier {k} O'Brien & Sons,MC{k + 1},{status}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("preloaded", [False, True], ids=["first_load", "merge"])
def test_bad_rows_anywhere_in_a_large_file_are_all_reported_in_order(db, project, preloaded):
    if preloaded:
        db.carrier.create({"name": "Existing", "mcNumber": "MC99999999"})
    write_set(project, "development", {"c.csv": big_csv(20_000, bad=frozenset({2, 9_000, 20_001}))})
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    assert [(i["row"], i["code"]) for i in info.value.issues] == [
        ("c.csv:2", "invalid_string"), ("c.csv:9000", "invalid_string"), ("c.csv:20001", "invalid_string")]
    assert db.carrier.count() == (1 if preloaded else 0) and db.seeds.status() == []


def test_lenient_mode_over_many_batches_writes_exactly_the_valid_rows(db, project):
    bad = frozenset(range(2, 20_002, 997))
    write_set(project, "development", {"c.csv": big_csv(20_000, bad=bad)})
    report = db.seeds.apply(lenient=True)
    assert (report.inserted, report.rejected) == (20_000 - len(bad), len(bad))
    rejects = (project / "seeds" / "development" / "rejects.csv").read_text().splitlines()[1:]
    assert [int(r.split(",")[1]) for r in rejects] == sorted(bad)
    assert db.carrier.count() == 20_000 - len(bad)


def test_a_malformed_line_deep_in_a_large_file_stops_the_seed(db, project):
    write_set(project, "development", {"c.csv": big_csv(20_000, malformed=15_000)})
    with pytest.raises(carrierdb.ConfigurationError, match=r"c\.csv:15000: expected 3 fields"):
        db.seeds.apply()
    assert db.carrier.count() == 0 and db.seeds.status() == []
    # The connection and the pool are fine afterwards.
    write_set(project, "development", {"c.csv": big_csv(100)}, version="2")
    assert db.seeds.apply().inserted == 100


def test_rows_before_a_malformed_line_are_still_checked(db, project):
    # Line 1,200 is in the batch the reader was filling when it met the malformed line.
    write_set(project, "development", {"c.csv": big_csv(3_000, bad=frozenset({3, 1_200}), malformed=1_500)})
    with pytest.raises(carrierdb.ConfigurationError, match=r"c\.csv:1500: expected 3 fields"):
        db.seeds.apply(lenient=True)
    rejects = (project / "seeds" / "development" / "rejects.csv").read_text().splitlines()[1:]
    assert [int(r.split(",")[1]) for r in rejects] == [3, 1_200]
    assert db.carrier.count() == 0 and db.seeds.status() == []


def test_progress_is_reported_on_the_calling_thread_and_can_stop_the_seed(db, project):
    write_set(project, "development", {"c.csv": big_csv(60_000)})  # about 2.5 MB: a report per MB
    calls = []

    def progress(file, done, total, rows, finished):
        calls.append((threading.get_ident(), done, total, rows, finished))

    assert db.seeds.apply(progress=progress).inserted == 60_000
    assert {c[0] for c in calls} == {threading.get_ident()}
    *reading, last = calls
    done = [c[1] for c in reading]
    assert len(reading) >= 2 and done == sorted(done) and done[-1] == reading[-1][2] and not any(c[4] for c in reading)
    assert last[3:] == (60_000, True)

    class Stop(Exception):
        pass

    def stop(file, done, total, rows, finished):
        raise Stop(file)

    write_set(project, "development", {"c.csv": big_csv(60_000, status="SUSPENDED")}, version="2")
    with pytest.raises(Stop):
        db.seeds.apply(progress=stop)
    assert db.carrier.count({"status": "SUSPENDED"}) == 0 and len(db.seeds.status()) == 1
    assert db.seeds.apply().updated == 60_000  # nothing is left running or locked


def test_reseeding_rows_in_another_order_finds_each_one(db, project):
    write_set(project, "development", {"c.csv": big_csv(3_000)})
    db.seeds.apply()
    before = {r["mc_number"]: r for r in rows(db)}
    lines = big_csv(3_000).splitlines()
    body = lines[1:][::-1]
    body[1500] = body[1500].replace("ACTIVE", "INACTIVE")
    write_set(project, "development", {"c.csv": "\n".join([lines[0]] + body) + "\n"}, version="2")
    report = db.seeds.apply()
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2_999)
    after = {r["mc_number"]: r for r in rows(db)}
    changed = [k for k in before if before[k] != after[k]]
    assert len(changed) == 1 and after[changed[0]]["status"] == "INACTIVE"


def test_seed_records_from_a_dataframe(db):
    import pandas as pd

    frame = pd.DataFrame({"name": ["Frame One", "Frame Two"], "mcNumber": ["MC-10", "MC-20"], "status": ["ACTIVE", None]})
    first = db.seeds.records("Carrier", frame, key=["mcNumber"])
    assert first.inserted == 2 and db.carrier.find_unique({"mcNumber": "MC20"})["status"] == "ACTIVE"
    again = db.seeds.records("Carrier", frame)
    assert again.unchanged == 2 and again.inserted == 0


@pytest.mark.parametrize("count", [63, 64, 65, 129])
def test_first_load_writes_every_row_exactly(db, count):
    rows = [{"name": f"Seed {k} Société", "mcNumber": f"MC{k + 1}", "status": ("SUSPENDED", "ACTIVE")[k % 2]} for k in range(count)]
    assert db.seeds.records("Carrier", rows, key=["mcNumber"]).inserted == count
    stored = {r["mcNumber"]: (r["name"], r["status"]) for r in db.carrier.find_many()}
    assert stored == {r["mcNumber"]: (r["name"], r["status"]) for r in rows}


def test_large_dataframe_is_seeded_whole_across_chunks(db):
    """DataFrames are converted in chunks of 4,096 rows while the previous chunk loads."""
    import pandas as pd

    n = 10_000
    frame = pd.DataFrame({"name": [f"Frame {k}" for k in range(n)], "mcNumber": [f"MC{k + 1}" for k in range(n)],
                          "status": [None if k % 4097 == 0 else "SUSPENDED" for k in range(n)]})
    assert db.seeds.records("Carrier", frame, key=["mcNumber"]).inserted == n
    assert db.carrier.count() == n and db.carrier.count({"status": "ACTIVE"}) == 3  # rows 0, 4097, 8194: the default
    assert db.carrier.find_unique({"mcNumber": "MC4097"})["name"] == "Frame 4096"
    assert db.carrier.find_unique({"mcNumber": "MC10000"})["status"] == "SUSPENDED"
    frame.loc[5000, "name"] = ""
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.records("Carrier", frame, key=["mcNumber"])
    assert [i["row"] for i in info.value.issues] == ["records:Carrier:5001"]
    # A value SQL cannot hold, in a later chunk: a TypeError naming the cell, and nothing written.
    frame.loc[5000, "name"] = "Frame 5000"
    frame["name"] = frame["name"].astype(object)
    frame.at[9000, "name"] = {"not", "sql"}
    with pytest.raises(TypeError, match=r"column 'name', row 9001: cannot pass a set to SQL"):
        db.seeds.records("Carrier", frame, key=["mcNumber"])
    assert db.carrier.count() == n and db.carrier.count({"status": "ACTIVE"}) == 3


def test_the_seed_data_is_generated_reproducibly(tmp_path):
    subprocess.run([sys.executable, str(REPO / "seeds" / "generate.py"), str(tmp_path)], check=True)
    for relative in ("shared/core_carriers.csv", "development/carriers.csv", "testing/carriers.csv"):
        assert filecmp.cmp(tmp_path / relative, REPO / "seeds" / relative, shallow=False), relative


# -- crashes, CLI --------------------------------------------------------------------------------


def test_a_killed_seed_leaves_the_previous_state(carrierdb_url, db, project):
    db.seeds.apply()
    before = rows(db)
    big = project / "seeds" / "big"
    big.mkdir()
    with (big / "c.csv").open("w") as f:
        f.write("name,mcNumber,status\n")
        for k in range(400_000):
            f.write(f"Carrier {k},MC{k + 2_000_000},ACTIVE\n")
    (big / "manifest.json").write_text(json.dumps({"name": "big", "version": "1", "files": [{"path": "c.csv", "model": "Carrier"}]}))
    child = textwrap.dedent(
        """
        import sys, carrierdb
        db = carrierdb.connect(sys.argv[1])
        def progress(file, done, total, rows, finished):
            print("PROGRESS", done, flush=True)
        db.seeds.apply("big", directory=sys.argv[2], progress=progress)
        print("DONE", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child, carrierdb_url, str(project / "seeds")], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("PROGRESS"), line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    fresh = carrierdb.connect(carrierdb_url, env="development")
    assert rows(fresh) == before
    assert [h["seed_set"] for h in fresh.seeds.status()] == ["development"]


def test_cli_seed_commands_and_reset_seeds(run_cli, carrierdb_url, project):
    env = {"CARRIERDB_PROJECT_DIR": str(project), "CARRIERDB_ENV": "testing"}
    assert run_cli("migrate", "deploy", "--url", carrierdb_url, env=env).returncode == 0
    seeded = run_cli("seed", "--json", "--url", carrierdb_url, env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert json.loads(seeded.stdout)["inserted"] == 225
    status = json.loads(run_cli("seed", "status", "--json", "--url", carrierdb_url, env=env).stdout)
    assert [r["seed_set"] for r in status["runs"]] == ["testing"]
    reset = run_cli("migrate", "reset", "--force", "--json", "--url", carrierdb_url, env=env)
    assert reset.returncode == 0, reset.stderr
    assert json.loads(reset.stdout)["seed"]["inserted"] == 225
    summary = run_cli("summary", "--url", carrierdb_url, env=env)
    assert "Carrier: 225 rows" in summary.stdout


def test_export_round_trips_into_another_database(db, tmp_path, carrierdb_backend):
    db.seeds.apply()
    out = tmp_path / "active.csv"
    assert db.seeds.export("Carrier", out, where={"status": "ACTIVE"}) == db.carrier.count({"status": "ACTIVE"})
    header, first = out.read_text(encoding="utf-8").splitlines()[:2]
    assert header == "name,mcNumber,status"
    other = carrierdb.connect(f"sqlite:{tmp_path}/other.db", schema=str(REPO / "schema.prisma"))
    other.migrations(REPO / "migrations").deploy()
    report = other.seeds.records("Carrier", __import__("csv").DictReader(out.open(encoding="utf-8")))
    assert report.inserted == db.carrier.count({"status": "ACTIVE"}) and report.rejected == 0
    key = lambda r: r["mcNumber"]  # noqa: E731
    ours = sorted(({k: r[k] for k in ("name", "mcNumber", "status")} for r in db.carrier.find_many(where={"status": "ACTIVE"})), key=key)
    theirs = sorted(({k: r[k] for k in ("name", "mcNumber", "status")} for r in other.carrier.find_many()), key=key)
    assert ours == theirs


def test_anonymised_export_is_deterministic_unique_and_joinable(db, tmp_path):
    db.seeds.apply()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    db.seeds.export("Carrier", a, anonymize=["name", "mcNumber"], salt="s3cret")
    db.seeds.export("Carrier", b, anonymize=["mcNumber"], salt="s3cret")
    rows_a = list(__import__("csv").DictReader(a.open(encoding="utf-8")))
    rows_b = list(__import__("csv").DictReader(b.open(encoding="utf-8")))
    real = {r["mcNumber"] for r in db.carrier.find_many()}
    mcs = [r["mcNumber"] for r in rows_a]
    assert len(set(mcs)) == len(mcs) == 5025  # a permutation: no two carriers collide
    assert not set(mcs) & real or len(set(mcs) & real) < 50  # values are replaced, not kept
    assert mcs == [r["mcNumber"] for r in rows_b]  # same input, same salt: same pseudonym
    assert all(len(m) == len(n) for m, n in zip(mcs, (r["mcNumber"] for r in db.carrier.find_many(order_by={"id": "asc"}))))
    assert all(r["name"] != s["name"] for r, s in zip(rows_a, db.carrier.find_many(order_by={"id": "asc"})))
    assert carrierdb._core.pseudonym("MC123456", "mcNumber", "other salt") != carrierdb._core.pseudonym("MC123456", "mcNumber", "s3cret")
    # The anonymised file is itself a valid seed.
    other = carrierdb.connect(f"sqlite:{tmp_path}/anon.db", schema=str(REPO / "schema.prisma"))
    other.migrations(REPO / "migrations").deploy()
    assert other.seeds.records("Carrier", rows_a).inserted == 5025


@pytest.mark.parametrize("changed", [False, True], ids=["unchanged_twice", "changed_second_copy"])
def test_duplicate_of_a_key_already_in_the_table(db, project, changed):
    """On PostgreSQL unchanged rows are skipped before staging: duplicates must still be caught."""
    write_set(project, "development", {"c.csv": "name,mcNumber,status\nAcme,MC1,ACTIVE\nBlue,MC2,ACTIVE\n"})
    db.seeds.apply()
    second = "SUSPENDED" if changed else "ACTIVE"
    write_set(project, "development", {"c.csv": f"name,mcNumber,status\nAcme,MC1,ACTIVE\nBlue,MC2,ACTIVE\nAcme,mc-1,{second}\n"},
              version="2")
    with pytest.raises(carrierdb.ValidationError) as info:
        db.seeds.apply()
    assert [i["code"] for i in info.value.issues] == ["duplicate_key"]
    assert "lines 2 and 4" in str(info.value)
    assert db.carrier.find_unique({"mcNumber": "MC1"})["status"] == "ACTIVE"


# -- options ----------------------------------------------------------------------------------------

def test_a_misspelled_seed_option_is_refused_and_nothing_is_written(db, project):
    manifest = str(project / "seeds" / "testing" / "manifest.json")
    seeder = carrierdb._core.Seeder(db._db, db.schema)
    with pytest.raises(carrierdb.ConfigurationError) as info:
        seeder.apply(manifest, environment="testing", dry_ryn=True)
    assert "unknown seed option(s): dry_ryn" in str(info.value) and "dry_run" in str(info.value)
    with pytest.raises(carrierdb.ConfigurationError, match="unknown seed option"):
        seeder.apply_records("Carrier", [{"name": "A", "mcNumber": "MC1"}], ["mcNumber"], "records", environment="testing", lenint=True)
    with pytest.raises(TypeError, match="dry_ryn"):
        db.seeds.apply("testing", dry_ryn=True)
    assert db.carrier.count() == 0 and db.seeds.status() == []


def test_a_seed_option_of_the_wrong_type_is_refused_naming_it(db):
    with pytest.raises(carrierdb.ConfigurationError, match="seed option dry_run takes True or False, not str 'yes'"):
        db.seeds.apply("testing", dry_run="yes")
    assert db.carrier.count() == 0 and db.seeds.status() == []
