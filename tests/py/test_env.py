"""Where DATABASE_URL comes from, and `carrierdb env` diagnosing the usual mistakes."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import carrierdb
from carrierdb.config import resolve


def write(path: Path, text: str) -> None:
    path.write_text(text)


def test_env_files_precedence_most_specific_first(tmp_path: Path):
    write(tmp_path / ".env", "DATABASE_URL=postgresql://u:p@base:5432/db\n")
    write(tmp_path / ".env.local", "DATABASE_URL=postgresql://u:p@local:5432/db\n")
    write(tmp_path / ".env.staging", "DATABASE_URL=postgresql://u:p@staging:5432/db\n")
    r = resolve(env="staging", root=tmp_path, environ={})
    assert r.source == ".env.staging"
    write(tmp_path / ".env.staging.local", "DATABASE_URL='postgresql://u:p@staging-local:5432/db'\n")
    r = resolve(env="staging", root=tmp_path, environ={})
    assert r.source == ".env.staging.local"
    assert r.url == "postgresql://u:p@staging-local:5432/db"  # dotenv quoting rules
    r = resolve(env="production", root=tmp_path, environ={})
    assert r.source == ".env.local"


def test_shell_variable_wins_over_files(tmp_path: Path):
    write(tmp_path / ".env", "DATABASE_URL=sqlite:from-file.db\n")
    r = resolve(root=tmp_path, environ={"DATABASE_URL": "sqlite:from-shell.db"})
    assert r.source == "shell environment"
    assert r.url == "sqlite:from-shell.db"
    assert any("shadows" in w for w in r.warnings)


def test_dotenv_interpolation_and_export(tmp_path: Path):
    write(tmp_path / ".env", 'export PGHOSTNAME=db.internal\nDATABASE_URL="postgresql://u:p@${PGHOSTNAME}:5433/x"\n')
    r = resolve(root=tmp_path, environ={})
    assert r.url == "postgresql://u:p@db.internal:5433/x"


def test_embedded_default_when_nothing_is_configured(tmp_path: Path):
    r = resolve(root=tmp_path, env="test", environ={})
    assert r.embedded_default
    assert r.url == f"sqlite:{tmp_path}/.carrierdb/test.db"


def test_env_command_catches_a_shell_variable_shadowing_dotenv(run_cli, tmp_path: Path):
    write(tmp_path / ".env", "DATABASE_URL=postgresql://app:file-secret@localhost:5432/carriers\n")
    (tmp_path / "migrations").mkdir()
    shell_url = "postgresql://app:shell-secret@old-host:6543/carriers"
    result = run_cli("env", env={"DATABASE_URL": shell_url})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "-> shell environment" in out
    assert "shadows the value in .env" in out
    assert "disagree on host or port" in out and "old-host:6543" in out and "localhost:5432" in out
    assert "file-secret" not in out and "shell-secret" not in out
    assert "postgresql://app:****@old-host:6543/carriers" in out

    data = json.loads(run_cli("env", "--json", env={"DATABASE_URL": shell_url}).stdout)
    assert data["source"] == "shell environment"
    assert [s["name"] for s in data["sources"]] == ["shell environment", ".env"]
    assert len(data["warnings"]) == 2


def test_env_command_without_conflict_has_no_warning(run_cli, tmp_path: Path):
    write(tmp_path / ".env", "DATABASE_URL=sqlite:dev.db\n")
    (tmp_path / "migrations").mkdir()
    result = run_cli("env", "--json")
    data = json.loads(result.stdout)
    assert data["source"] == ".env" and data["warnings"] == []


def test_info_command_creates_and_reports_the_embedded_database(run_cli, tmp_path: Path):
    result = run_cli("info", "--json", env={"CARRIERDB_ENV": "development"})
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["backend"] == "sqlite" and data["server_version"].startswith("SQLite 3.")
    assert (tmp_path / ".carrierdb" / "development.db").is_file()


def test_cli_exit_codes_for_bad_url_and_unreachable_server(run_cli):
    assert run_cli("info", "--url", "mysql://x@y/z").returncode == 3
    unreachable = run_cli("info", "--url", "postgresql://u:pw-xyz@127.0.0.1:1/db", env={})
    assert unreachable.returncode == 4
    assert "pw-xyz" not in unreachable.stderr


def test_mask_url_hides_passwords_in_every_form():
    assert carrierdb.mask_url("postgresql://u:s3cret@h:1/db") == "postgresql://u:****@h:1/db"
    assert "s3cret" not in carrierdb.mask_url("host=h password=s3cret dbname=x")
    assert "s3cret" not in carrierdb.mask_url("postgresql://u@h/db?password=s3cret&sslmode=require")


def test_connection_error_names_the_shell_variable_that_shadows_dotenv(run_cli, carrierdb_url, carrierdb_backend, tmp_path: Path,
                                                                        monkeypatch):
    # .env names the database the user means; a stale variable in the shell points elsewhere.
    write(tmp_path / ".env", f"DATABASE_URL={carrierdb_url}\n")
    (tmp_path / "migrations").mkdir()
    if carrierdb_backend == "postgresql":
        stale = "postgresql://app:stale-secret@127.0.0.1:1/carriers"
    else:
        stale = f"sqlite:{tmp_path}/gone/old.db"
    secrets = {"stale-secret", urlsplit(carrierdb_url).password} - {None}
    note = (f"DATABASE_URL came from the shell environment ({carrierdb.mask_url(stale)}) and shadows the value in "
            f".env ({carrierdb.mask_url(carrierdb_url)})")

    monkeypatch.setenv("DATABASE_URL", stale)
    monkeypatch.setenv("CARRIERDB_PROJECT_DIR", str(tmp_path))
    with pytest.raises(carrierdb.ConnectionFailed) as info:
        carrierdb.connect(connect_retries=0)
    for text in (str(info.value), info.value.message):
        assert note in text and "`carrierdb env`" in text and "`unset DATABASE_URL`" in text
        assert not any(secret in text for secret in secrets)
    assert str(info.value).endswith("hint: " + info.value.hint)  # the hint still comes last

    result = run_cli("info", env={"DATABASE_URL": stale})
    assert result.returncode == 4
    assert note in result.stderr and "`carrierdb env`" in result.stderr
    assert not any(secret in result.stderr + result.stdout for secret in secrets)
    # The same failure without a shadowed file says nothing about files, nor when the file that
    # would win without the variable holds the same URL.
    (tmp_path / ".env.local").write_text(f"DATABASE_URL={stale}\n")
    same = run_cli("info", env={"DATABASE_URL": stale})
    assert same.returncode == 4 and "shadows" not in same.stderr
    (tmp_path / ".env").unlink()
    (tmp_path / ".env.local").unlink()
    alone = run_cli("info", env={"DATABASE_URL": stale})
    assert alone.returncode == 4 and "shadows" not in alone.stderr


def test_migrations_name_a_shell_direct_url_that_shadows_dotenv(run_cli, carrierdb_url, carrierdb_backend, tmp_path: Path):
    write(tmp_path / ".env", f"DIRECT_URL={carrierdb_url}\n")
    (tmp_path / "migrations").mkdir()
    stale = "postgresql://app:stale-secret@127.0.0.1:1/carriers" if carrierdb_backend == "postgresql" else f"sqlite:{tmp_path}/gone/old.db"
    result = run_cli("migrate", "status", env={"DIRECT_URL": stale})
    assert result.returncode == 4
    assert (f"DIRECT_URL came from the shell environment ({carrierdb.mask_url(stale)}) and shadows the value in "
            f".env ({carrierdb.mask_url(carrierdb_url)})") in result.stderr
    assert "`unset DIRECT_URL`" in result.stderr and "`carrierdb env`" in result.stderr and "stale-secret" not in result.stderr
