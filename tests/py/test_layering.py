"""The C++ core's dependencies point one way (ARCHITECTURE.md): a change that adds an include
against that direction fails here, naming the file and the include."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CPP = ROOT / "cpp"

# What each part may include besides itself. The shared units (base/ and the files directly in
# cpp/src: error, interrupt, log, time, numbers, pattern, utf8) are open to every part; `database`
# (the pool-backed handle) is above backend/.
SHARED = {"base", "shared"}
ALLOWED = {
    "base": {"shared"},
    "shared": {"base"},
    "backend": SHARED,
    "schema": SHARED,
    "database": SHARED | {"backend"},
    "repo": SHARED | {"backend", "database", "schema"},
    "seed": SHARED | {"backend", "database", "schema"},
    "introspect": SHARED | {"backend", "database", "schema"},
    "export": SHARED | {"backend", "database", "schema", "repo", "seed"},
    "migrate": SHARED | {"backend", "database", "schema"},
    "bindings": SHARED | {"backend", "database", "schema", "repo", "seed", "introspect", "export", "migrate"},
}


def part_of(path: Path) -> str:
    """The part a source file or included header belongs to."""
    rel = path.resolve().relative_to(CPP)
    parts = rel.parts
    if parts[0] == "bindings":
        return "bindings"
    inner = parts[2:] if parts[0] == "include" else parts[1:]  # include/carrierdb/... or src/...
    if len(inner) == 1:
        return "database" if inner[0].startswith("database.") else "shared"
    return inner[0]


def resolve_include(source: Path, name: str) -> Path | None:
    for base in (source.parent, CPP / "src", CPP / "include"):
        if (base / name).exists():
            return base / name
    return None  # a system or third-party header


INCLUDE = re.compile(r'\s*#\s*include\s+[<"]([^">]+)[">]')


def offences_in(source: Path, text: str) -> list[str]:
    """Each include of ``text`` (the contents of ``source``) that points against the layering."""
    mine = part_of(source)
    assert mine in ALLOWED, f"{source.relative_to(ROOT)} is in a part ARCHITECTURE.md does not name: {mine}"
    found = []
    for line_no, line in enumerate(text.splitlines(), 1):
        match = INCLUDE.match(line)
        target = resolve_include(source, match.group(1)) if match else None
        if target is None:
            continue  # not an include, or a system or third-party header
        theirs = part_of(target)
        if theirs != mine and theirs not in ALLOWED[mine]:
            found.append(f"{source.relative_to(ROOT)}:{line_no}: {mine}/ includes {match.group(1)} ({theirs}/)")
    return found


def sources() -> list[Path]:
    files = [p for p in CPP.rglob("*") if p.suffix in (".cpp", ".hpp")]
    assert len(files) > 50, "the walk found too few sources: the test would prove nothing"
    return files


def test_every_include_points_down_the_layers():
    offences = [o for source in sources() for o in offences_in(source, source.read_text())]
    assert not offences, "includes against the layering of ARCHITECTURE.md:\n" + "\n".join(offences)


def test_the_layering_check_finds_an_include_against_the_direction():
    # The check must be able to fail: schema/ including a backend header, in either include form.
    schema_file = CPP / "src" / "schema" / "schema.cpp"
    text = schema_file.read_text()
    assert offences_in(schema_file, text) == []
    for include in ('#include "carrierdb/backend/connection.hpp"', "#include <carrierdb/backend/connection.hpp>"):
        found = offences_in(schema_file, text + "\n" + include + "\n")
        assert len(found) == 1 and "schema/ includes carrierdb/backend/connection.hpp (backend/)" in found[0]
    seed_file = CPP / "src" / "seed" / "seeder.cpp"
    assert len(offences_in(seed_file, '#include "carrierdb/repo/repository.hpp"\n')) == 1  # seed/ never uses repo/


def test_only_each_adapter_includes_its_client_library():
    # libpqxx/libpq stay inside the PostgreSQL adapter and sqlite3.h inside the SQLite adapter, so
    # the rest of the core compiles against the adapter interface alone.
    libraries = {"pqxx": "postgres", "libpq": "postgres", "sqlite3.h": "sqlite"}
    offences = []
    for source in sources():
        for line_no, line in enumerate(source.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            for library, adapter in libraries.items():
                if match.group(1).startswith(library) and not (
                        source.parent == CPP / "src" / "backend" and source.name.startswith(adapter)):
                    offences.append(f"{source.relative_to(ROOT)}:{line_no}: includes {match.group(1)}")
    assert not offences, "client library headers outside their adapter:\n" + "\n".join(offences)
