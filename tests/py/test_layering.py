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


def test_every_include_points_down_the_layers():
    offences = []
    files = [p for p in CPP.rglob("*") if p.suffix in (".cpp", ".hpp")]
    assert len(files) > 50, "the walk found too few sources: the test would prove nothing"
    for source in files:
        mine = part_of(source)
        assert mine in ALLOWED, f"{source.relative_to(ROOT)} is in a part ARCHITECTURE.md does not name: {mine}"
        for line_no, line in enumerate(source.read_text().splitlines(), 1):
            match = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not match:
                continue
            target = resolve_include(source, match.group(1))
            if target is None:
                continue
            theirs = part_of(target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                offences.append(f"{source.relative_to(ROOT)}:{line_no}: {mine}/ includes {match.group(1)} ({theirs}/)")
    assert not offences, "includes against the layering of ARCHITECTURE.md:\n" + "\n".join(offences)


def test_the_layering_check_sees_an_include_against_the_direction(tmp_path):
    # The check must be able to fail: a schema/ file that includes a backend header is an offence.
    schema_file = CPP / "src" / "schema" / "schema.cpp"
    backend_header = CPP / "include" / "carrierdb" / "backend" / "connection.hpp"
    assert part_of(schema_file) == "schema" and part_of(backend_header) == "backend"
    assert "backend" not in ALLOWED["schema"]
    assert part_of(CPP / "src" / "error.cpp") == "shared"
    assert part_of(CPP / "include" / "carrierdb" / "database.hpp") == "database"
