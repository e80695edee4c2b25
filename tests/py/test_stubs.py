"""The typing of the public API: _core.pyi says what the built extension has (names, parameters,
bases), and mypy --strict accepts a user's script that uses connect, query, migrations, seeds and
models.

The extension's side is what pybind11-stubgen reads from the built module; the committed stub is
written by hand (it carries docstrings and precise types). Every public class, function, method and
property is compared, so a name added to the bindings fails here until the stub has it too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import carrierdb
import carrierdb.commands  # noqa: F401  (with lint and reports: they add to_json(), keys() to the report classes)
import carrierdb.lint  # noqa: F401
from carrierdb import _core
from typecheck import mypy

STUB = Path(carrierdb.__file__).parent / "_core.pyi"
# Declared by the stub only, to type what the extension leaves untyped (callbacks), or to say once
# what every report row and report has (reports.py adds those methods to the classes at run time).
STUB_ONLY = {"_Row", "_Report", "ProgressCallback", "SeedProgressCallback"}

Params = tuple[tuple[str, str, bool], ...]  # (name, kind, has a default) per parameter


@dataclass
class ClassApi:
    bases: list[str]
    methods: dict[str, set[Params]] = field(default_factory=dict)
    attributes: set[str] = field(default_factory=set)


@dataclass
class ModuleApi:
    functions: dict[str, set[Params]] = field(default_factory=dict)
    classes: dict[str, ClassApi] = field(default_factory=dict)
    values: set[str] = field(default_factory=set)


def params(node: ast.FunctionDef, method: bool) -> Params:
    a = node.args
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    positional = a.posonlyargs + a.args
    if method and not static:
        positional = positional[1:]  # self
    first_default = len(positional) - len(a.defaults)
    out = [(p.arg, "positional", i >= first_default) for i, p in enumerate(positional)]
    if a.vararg:
        out.append(("*", "*args", False))  # the names of *args and **kwargs are no part of a call
    out += [(p.arg, "keyword", d is not None) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg:
        out.append(("**", "**kwargs", False))
    return tuple(out)


def public(name: str) -> bool:
    return not name.startswith("_") or name == "__init__"


def read_api(path: Path) -> ModuleApi:
    api = ModuleApi()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            api.functions.setdefault(node.name, set()).add(params(node, method=False))
        elif isinstance(node, ast.ClassDef):
            cls = api.classes[node.name] = ClassApi([ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases])
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and any(ast.unparse(d).endswith("property") for d in item.decorator_list):
                    if public(item.name):
                        cls.attributes.add(item.name)
                elif isinstance(item, ast.FunctionDef) and public(item.name):
                    cls.methods.setdefault(item.name, set()).add(params(item, method=True))
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and public(item.target.id):
                    cls.attributes.add(item.target.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            api.values.add(node.target.id)
        elif isinstance(node, ast.Assign):
            api.values |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.ImportFrom) and node.module == "carrierdb":
            api.values |= {a.asname or a.name for a in node.names}  # pybind11-stubgen's form for the exceptions
    return api


def inherited(api: ModuleApi, name: str) -> ClassApi:
    """The class with what it takes from its bases declared in the same stub (_Row, _Report)."""
    own = api.classes[name]
    merged = ClassApi(own.bases, dict(own.methods), set(own.attributes))
    for base in own.bases:
        if base in api.classes:
            parent = inherited(api, base)
            merged.attributes |= parent.attributes
            for method, signatures in parent.methods.items():
                merged.methods.setdefault(method, signatures)
    return merged


@pytest.fixture(scope="module")
def extension_api(tmp_path_factory: pytest.TempPathFactory) -> ModuleApi:
    out = tmp_path_factory.mktemp("stubgen")
    done = subprocess.run([sys.executable, "-m", "pybind11_stubgen", "carrierdb._core", "-o", str(out),
                           "--ignore-all-errors"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return read_api(out / "carrierdb" / "_core.pyi")


@pytest.fixture(scope="module")
def stub_api() -> ModuleApi:
    return read_api(STUB)


def test_stub_declares_every_public_name_of_the_extension(extension_api: ModuleApi, stub_api: ModuleApi) -> None:
    ours = set(stub_api.functions) | set(stub_api.classes) | stub_api.values
    theirs = {n for n in set(extension_api.functions) | set(extension_api.classes) | extension_api.values if public(n)}
    assert sorted(theirs - ours) == [], "in the extension, missing from _core.pyi"
    assert sorted(ours - STUB_ONLY - {n for n in ours if hasattr(_core, n)}) == [], "in _core.pyi, not in the extension"


def test_stub_functions_take_the_extensions_parameters(extension_api: ModuleApi, stub_api: ModuleApi) -> None:
    wrong = {name: (sorted(stub_api.functions.get(name, set())), sorted(signatures))
             for name, signatures in extension_api.functions.items()
             if public(name) and stub_api.functions.get(name) != signatures}
    assert wrong == {}, "function: (_core.pyi, extension)"


def test_stub_classes_match_the_extension(extension_api: ModuleApi, stub_api: ModuleApi) -> None:
    problems: list[str] = []
    for name, theirs in sorted(extension_api.classes.items()):
        if not public(name) or name not in stub_api.classes:
            continue  # reported by the names test
        ours = inherited(stub_api, name)
        for attribute in sorted(theirs.attributes - ours.attributes - set(ours.methods)):
            problems.append(f"{name}.{attribute}: a property of the extension, missing from the stub")
        for method, signatures in sorted(theirs.methods.items()):
            if method in ours.attributes:
                continue  # a property that pybind11-stubgen could not tell from a method
            if ours.methods.get(method) != signatures:
                problems.append(f"{name}.{method}: stub {sorted(ours.methods.get(method, set()))}, extension {sorted(signatures)}")
        runtime = getattr(_core, name)
        for member in sorted(set(ours.methods) | ours.attributes):
            if public(member) and member != "__init__" and not hasattr(runtime, member) and not _instance_attribute(runtime):
                problems.append(f"{name}.{member}: in the stub, not in the extension")
    assert problems == []


def test_stub_classes_have_the_extensions_bases(stub_api: ModuleApi) -> None:
    """The exception tree above all: ``except carrierdb.OperationalError`` must be typed as it catches."""
    wrong = {}
    for name in sorted(set(stub_api.classes) - STUB_ONLY):
        stub_bases = [b for b in stub_api.classes[name].bases if b not in STUB_ONLY]
        runtime_bases = [b.__name__ for b in getattr(_core, name).__bases__ if b.__name__ not in ("object", "pybind11_object")]
        if stub_bases != runtime_bases:
            wrong[name] = (stub_bases, runtime_bases)
    assert wrong == {}, "class: (bases in _core.pyi, bases in the extension)"


def _instance_attribute(cls: type) -> bool:
    """Exceptions carry their fields (message, sqlstate, ...) on the instance, set when raised."""
    return issubclass(cls, BaseException)


USER_SCRIPT = '''
from typing import Any
import carrierdb
from carrierdb import commands


def main(url: str) -> None:
    with carrierdb.connect(url, schema="schema.prisma", pool_size=2) as db:
        rows = db.query("SELECT $1 AS one", [1])
        first: dict[str, Any] = rows[0]
        changed: int = db.execute("UPDATE carriers SET name = $1 WHERE id = $2", ["x", 1])
        with db.transaction():
            db.execute_script("SELECT 1; SELECT 2")
        status = db.migrations("migrations").status()
        pending: list[str] = status.pending
        report = db.migrations().deploy(dry_run=True)
        ok: bool = report.ok
        seeded = db.seeds.apply("testing")
        inserted: int = seeded.inserted
        carriers = db.carrier.find_many(where={"name": {"contains": "a"}}, take=5)
        name: Any = carriers[0]["name"]
        one = db.model("Carrier").find_unique({"id": 1})
        count: int = db.carrier.count()
        created: int = db.carrier.create_many([{"name": "A"}])
        frame = carriers.to_pandas()
        backend: str = db.backend
        drift: list[dict[str, Any]] = db.schema_drift()
        models: list[str] = db.schema.model_names
        try:
            db.carrier.create({"name": ""})
        except carrierdb.ValidationError as error:
            issues: list[dict[str, Any]] = error.issues
        print(first, changed, pending, ok, inserted, name, one, count, created, frame, backend, drift, models)
    print(commands.migrate_status(url).pending, carrierdb.summarize(carrierdb.connect(url)))
'''


def test_mypy_strict_accepts_a_script_using_the_public_api(tmp_path: Path) -> None:
    (tmp_path / "script.py").write_text(USER_SCRIPT, encoding="utf-8")
    status, errors = mypy(tmp_path, "script.py")
    assert (status, errors) == (0, [])


MISUSE_SCRIPT = '''
import carrierdb

db = carrierdb.connect()
db.carrier.fnd_many()
db.migrations().deplyo()
db.seeds.aply("testing")
'''


def test_mypy_strict_rejects_a_misspelt_method_without_the_generated_client(tmp_path: Path) -> None:
    """db.carrier is a Model to mypy (not Any): a misspelt method is an error even before `carrierdb generate`."""
    (tmp_path / "misuse.py").write_text(MISUSE_SCRIPT, encoding="utf-8")
    status, errors = mypy(tmp_path, "misuse.py")
    assert status == 1
    assert [(line.split(":")[1], line.split("error: ")[1].split("  [")[0]) for line in errors] == [
        ("5", '"Model" has no attribute "fnd_many"; maybe "find_many"?'),
        ("6", '"Migrations" has no attribute "deplyo"; maybe "deploy"?'),
        ("7", '"Seeds" has no attribute "aply"; maybe "apply"?'),
    ]
