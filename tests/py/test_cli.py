"""The `carrierdb` command itself: --version, usage errors, output into a pipe that closes early."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys

import carrierdb


def test_version_is_the_package_version(run_cli):
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"carrierdb {carrierdb.__version__}\n"
    assert carrierdb.__version__ == importlib.metadata.version("carrierdb")


def test_usage_errors_show_the_subcommands_usage(run_cli):
    for args, usage in [
        (["migrate", "deploy", "--no-such-option"], "usage: carrierdb migrate deploy"),
        (["seed", "status", "--no-such-option"], "usage: carrierdb seed status"),
        (["summary", "extra"], "usage: carrierdb summary"),
        (["migrate", "rollback", "--steps", "x"], "usage: carrierdb migrate rollback"),
    ]:
        result = run_cli(*args)
        assert result.returncode == 2
        assert result.stderr.startswith(usage), result.stderr
        assert f"{usage[len('usage: '):]}: error: " in result.stderr
    unknown = run_cli("migrate", "deploy", "--no-such-option")
    assert "unrecognized arguments: --no-such-option" in unknown.stderr and "--dry-run" in unknown.stderr


def test_output_into_a_pipe_closed_early_ends_quietly(carrierdb_migrated_db, carrierdb_url):
    carrierdb_migrated_db.seeds.apply("development")  # 5,025 rows: far more output than a pipe buffers
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    command = f'"{sys.executable}" -m carrierdb.cli summary --sample 10000 --url "{carrierdb_url}" | head -1; echo "status=${{PIPESTATUS[0]}}"'
    result = subprocess.run(["bash", "-c", command], env=environ, capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines() == [carrierdb_migrated_db.url, "status=141"]  # 128 + SIGPIPE, as a shell reports it
    assert result.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored"


def test_an_error_as_json_into_a_closed_pipe_keeps_its_exit_status(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    try:
        result = subprocess.run([sys.executable, "-m", "carrierdb.cli", "info", "--json", "--url", "mysql://u@h/db"],
                                stdout=write_end, stderr=subprocess.PIPE, env=environ, cwd=tmp_path, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert result.returncode == 3  # configuration error, as with a reader
    assert result.stderr == ""
