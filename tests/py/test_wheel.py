"""The wheel scripts/wheel builds installs into a clean venv and runs on its own vendored libraries.

The README's "Installing the wheel" commands run as written (a temporary HOME stands in for ``~``):
build and install, then the main job on SQLite in a project directory. A PostgreSQL smoke test runs
in the same venv. ``LD_LIBRARY_PATH`` is unset throughout, and ldd and /proc/self/maps show libpq,
libpqxx, SQLite, PCRE2 and OpenSSL loaded from the wheel's carrierdb.libs/, not from the system.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from readme_blocks import readme_blocks

REPO = Path(__file__).resolve().parents[2]
HEADING = "## Installing the wheel"
# What the manylinux policy lets a wheel take from the system (glibc's parts, the C++ runtime, the
# dynamic loader); everything else must come from the wheel.
SYSTEM_LIBRARY = re.compile(
    r"^(linux-vdso|ld-linux-x86-64|libc|libm|libdl|librt|libpthread|libresolv|libutil|libnsl|"
    r"libstdc\+\+|libgcc_s)\.so")
# The libraries the issue names, as auditwheel renames them (libpq-1a2b3c4d.so.5.15).
VENDORED = {
    "libpqxx": r"libpqxx-",
    "libpq": r"libpq-[0-9a-f]{8}\.so",
    "SQLite": r"libsqlite3-",
    "PCRE2": r"libpcre2-8-",
    "OpenSSL libcrypto": r"libcrypto-",
    "OpenSSL libssl": r"libssl-",
}


def clean_env(home: Path) -> dict[str, str]:
    """No LD_LIBRARY_PATH, no URL or project settings; ``python3`` is this interpreter's base, which
    the wheel's cpXY tag was built for (pyenv shims would look for their versions under HOME)."""
    bin_dir = home / "bin"
    bin_dir.mkdir(exist_ok=True)
    python3 = bin_dir / "python3"
    if not python3.exists():
        python3.symlink_to(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD", "DATABASE_URL", "DIRECT_URL", "PYTHONPATH",
                        "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("CARRIERDB_")}
    env.update(HOME=str(home), PATH=f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{script}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The README's first block run in the repository: scripts/wheel, a clean venv, pip install."""
    home = tmp_path_factory.mktemp("wheel-home")
    env = clean_env(home)
    blocks = readme_blocks(REPO / "README.md", HEADING, "bash")
    assert len(blocks) >= 2, f"README.md: {HEADING} needs the install block and the main-job block"
    built = bash(blocks[0], REPO, env)
    venv = home / "carrierdb-env"
    site = subprocess.run([venv / "bin" / "python", "-c", "import carrierdb._core as c; print(c.__file__)"],
                          env=env, capture_output=True, text=True, check=True, cwd=home)
    extension = Path(site.stdout.strip())
    assert extension.is_relative_to(venv), f"{extension}: not the venv's own copy"
    wheel = re.search(r"^dist/carrierdb-\S+\.whl$", built.stdout, re.M)
    assert wheel, f"scripts/wheel printed no wheel path:\n{built.stdout}"
    return {"home": home, "env": env, "venv": venv, "blocks": blocks, "wheel": REPO / wheel.group(0),
            "extension": extension, "libs": extension.parent.parent / "carrierdb.libs"}


def test_the_wheel_has_an_honest_manylinux_tag(installed):
    wheel = installed["wheel"]
    tag = re.fullmatch(r"carrierdb-[^-]+-cp\d+-cp\d+-(manylinux_2_\d+_x86_64)\.whl", wheel.name)
    assert tag, f"{wheel.name}: not a manylinux wheel (auditwheel repair did not run?)"
    show = subprocess.run([REPO / ".venv" / "bin" / "auditwheel", "show", wheel],
                          capture_output=True, text=True, check=True)
    assert f'"{tag.group(1)}"' in " ".join(show.stdout.split()), show.stdout


def test_the_installed_extension_loads_only_vendored_libraries(installed):
    """ldd (LD_LIBRARY_PATH unset): every library outside the manylinux policy's system set resolves
    inside the installed carrierdb.libs/, and each library the issue names is among them."""
    libs = installed["libs"]
    assert libs.is_dir(), f"{libs}: the wheel vendored nothing"
    ldd = subprocess.run(["ldd", installed["extension"]], env=installed["env"], capture_output=True,
                         text=True, check=True).stdout
    resolved = {}
    for line in ldd.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "=>":
            resolved[parts[0]] = os.path.normpath(parts[2])  # the RPATH is $ORIGIN/../carrierdb.libs
    assert "not found" not in ldd, ldd
    foreign = {name: path for name, path in resolved.items()
               if not SYSTEM_LIBRARY.match(name) and not path.startswith(str(libs) + "/")}
    assert not foreign, f"loaded from outside the wheel: {foreign}"
    for what, pattern in VENDORED.items():
        assert any(re.match(pattern, name) and path.startswith(str(libs) + "/")
                   for name, path in resolved.items()), f"{what} is not vendored:\n{ldd}"


def test_the_main_job_runs_from_the_wheel_on_sqlite(installed):
    """The README's second block: migrate, seed and summarise on the embedded default, in a project
    directory holding this repository's schema.prisma, migrations/ and seeds/."""
    project = installed["home"] / "my-project"
    shutil.rmtree(project, ignore_errors=True)
    for name in ("migrations", "seeds"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "schema.prisma", project / "schema.prisma")
    done = bash(installed["blocks"][1], installed["home"], installed["env"])
    assert (project / "dev.db").is_file()
    assert "applied" in done.stdout.lower(), done.stdout
    assert re.search(r"\bCarrier\b.*\b5,?025\b", done.stdout), done.stdout


SMOKE = r"""
import json, sys
import carrierdb
db = carrierdb.connect(sys.argv[1])
deployed = db.migrations(sys.argv[2]).deploy()
row = db.query("SELECT count(*) AS n, current_setting('server_version_num') AS v FROM carriers")[0]
maps = sorted({line.split()[-1] for line in open("/proc/self/maps") if ".so" in line})
print(json.dumps({"ok": deployed.ok, "rows": row["n"], "server": row["v"], "maps": maps}))
db.close()
"""


@pytest.mark.postgres_only
def test_the_wheel_talks_to_postgresql(installed, carrierdb_url):
    """Connect, deploy, query against the test server through the wheel's own libpq and libpqxx."""
    done = subprocess.run([installed["venv"] / "bin" / "python", "-c", SMOKE, carrierdb_url, REPO / "migrations"],
                          env=installed["env"], cwd=installed["home"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] and int(result["rows"]) == 0 and int(result["server"]) >= 150000, result
    libs = str(installed["libs"]) + "/"
    for what, pattern in VENDORED.items():
        loaded = [path for path in result["maps"] if re.match(pattern, Path(path).name)]
        assert loaded and all(path.startswith(libs) for path in loaded), f"{what}: {loaded}"
    system = [path for path in result["maps"]
              if re.match(r"lib(pq|pqxx|sqlite3|pcre2-8|ssl|crypto|gssapi_krb5|ldap)[-.]", Path(path).name)
              and not path.startswith(libs)]
    assert not system, f"the system's copies were loaded too: {system}"
