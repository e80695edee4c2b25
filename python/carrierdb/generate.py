"""``carrierdb generate``: typed Python for schema.prisma, as ``prisma generate`` writes a typed client.

The schema is read through the engine's own parser (``_core.Schema``): the generated module restates
no field by hand. It holds, per model, a ``TypedDict`` for a record and for the create, update, where,
unique-where, order-by, include and select arguments, ``Literal`` unions for enums, and a *delegate*
Protocol whose methods are ``Model``'s, typed on those dicts. ``Client`` is ``Database`` with one
delegate attribute per model (``db.carrier``), so mypy and Pyright reject a misspelt field or method::

    from carrierdb_client import connect
    db = connect()
    db.carrier.find_many(where={"status": "ACTIVE"})   # list of Carrier records

At run time nothing is wrapped: ``typed(db)`` is a ``cast``, every call is ``Model``'s own.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from . import _core
from .config import project_root
from .database import Database

__all__ = ["GeneratedClient", "generate", "render"]

DEFAULT_PACKAGE = "carrierdb_client"

# Values as the repository returns them (README "The repository").
_RECORD_TYPES = {"Int": "int", "BigInt": "int", "Float": "float", "Decimal": "_decimal.Decimal", "Boolean": "bool",
                 "String": "str", "DateTime": "_dt.datetime", "Json": "_t.Any", "Bytes": "bytes"}
# Values the repository accepts: wider than what it returns (ISO text for dates, numbers for Decimal).
_INPUT_TYPES = {**_RECORD_TYPES, "Float": "float", "Decimal": "_t.Union[_decimal.Decimal, int, float, str]",
                "DateTime": "_t.Union[_dt.datetime, _dt.date, str]", "Bytes": "_t.Union[bytes, bytearray]"}
# Which filter operators a field type takes (README "Filter operators are Prisma's").
_ORDERED = ("equals", "in", "notIn", "not", "lt", "lte", "gt", "gte")
_FILTER_OPERATORS = {"String": _ORDERED + ("contains", "startsWith", "endsWith", "mode"),
                     "Int": _ORDERED, "BigInt": _ORDERED, "Float": _ORDERED, "Decimal": _ORDERED, "DateTime": _ORDERED,
                     "Boolean": ("equals", "not"), "Bytes": ("equals", "in", "notIn", "not")}

_HEADER = '''"""Typed client for {schema_file}, written by `carrierdb generate`. Do not edit: run it again.

    from {package} import connect      # or: typed(carrierdb.connect(...))
    db = connect()
    db.{example}.find_many()
"""
# fmt: off
from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import sys as _sys
import typing as _t

import carrierdb as _carrierdb
from carrierdb.models import RecordList as _RecordList

if _sys.version_info >= (3, 11):
    from typing import NotRequired as _NotRequired
else:  # pragma: no cover
    from typing_extensions import NotRequired as _NotRequired

SCHEMA_MODELS: tuple[str, ...] = {models!r}
SortOrder = _t.Literal["asc", "desc"]
QueryMode = _t.Literal["default", "insensitive"]


class _DataFrame(_t.Protocol):
    """What create_many takes besides dicts: a pandas DataFrame (anything with columns and to_dict)."""

    @property
    def columns(self) -> _t.Any: ...

    def to_dict(self, *args: _t.Any, **kwargs: _t.Any) -> _t.Any: ...
'''

_FOOTER = '''

def typed(db: _carrierdb.Database) -> Client:
    """``db`` seen as the typed client (a cast: nothing is wrapped or checked at run time)."""
    return _t.cast(Client, db)


def connect(url: _t.Optional[str] = None, **options: _t.Any) -> Client:
    """``carrierdb.connect(url, **options)``, typed as the client."""
    return typed(_carrierdb.connect(url, **options))
'''


@dataclass
class GeneratedClient:
    """What ``generate`` wrote: the package folder, its files and the models it types."""

    schema: str
    output: str
    files: list[str]
    models: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"schema": self.schema, "output": self.output, "files": self.files, "models": self.models}

    def __str__(self) -> str:
        return (f"Generated the typed client for {len(self.models)} models of {self.schema} in {self.output} "
                f"(import it as `{Path(self.output).name}`)")


def generate(schema: Optional[str | Path] = None, output: Optional[str | Path] = None) -> GeneratedClient:
    """Write the typed client package for ``schema`` (default: schema.prisma in the project root)
    into ``output`` (default: ``carrierdb_client/`` next to the schema): ``__init__.py`` and
    ``py.typed``. The folder's name is the package's; an existing one is overwritten."""
    schema_path = Path(schema) if schema is not None else project_root() / "schema.prisma"
    parsed = _core.Schema.load(str(schema_path))
    folder = Path(output) if output is not None else schema_path.resolve().parent / DEFAULT_PACKAGE
    if not folder.name.isidentifier() or keyword.iskeyword(folder.name):
        raise _core.ConfigurationError(f"generate: the output folder's name {folder.name!r} is not a Python package name; "
                                       "give --output a folder named like carrierdb_client")
    source = render(parsed, package=folder.name)  # before any file is written: a clash leaves nothing behind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text(source, encoding="utf-8")
    (folder / "py.typed").write_text("", encoding="utf-8")
    return GeneratedClient(str(schema_path), str(folder), [str(folder / "__init__.py"), str(folder / "py.typed")],
                           [m["name"] for m in _typed_models(parsed)])


def render(schema: _core.Schema, package: str = DEFAULT_PACKAGE) -> str:
    """The typed client's source for ``schema``."""
    models = _typed_models(schema)
    out = _Writer()
    example = _accessor(models[0]["name"]) if models else "model"
    out.raw(_HEADER.format(schema_file=Path(schema.file).name, package=package, example=example,
                           models=tuple(m["name"] for m in models)))
    enums = schema.enums
    for name, values in enums.items():
        out.define(name, f"\n{name} = _t.Literal[{', '.join(repr(v) for v in values)}]\n")
    for type_name, operators in _FILTER_OPERATORS.items():
        _scalar_filter(out, f"{type_name}Filter", _INPUT_TYPES[type_name], operators)
    for name in enums:
        _scalar_filter(out, f"{name}Filter", name, ("equals", "in", "notIn", "not"))
    for model in models:
        _model_types(out, model, enums)
    for model in models:
        _delegate(out, model)
    _client(out, models)
    out.raw(_FOOTER)
    out.names += ["SCHEMA_MODELS", "SortOrder", "QueryMode", "Client", "typed", "connect"]
    clashes = sorted({n for n in out.names if out.names.count(n) > 1})
    if clashes:
        raise _core.ConfigurationError(f"generate: {', '.join(clashes)} would be defined twice in the typed client "
                                       f"(a model or enum named like a generated type); rename the model or enum "
                                       f"(@@map keeps its table)")
    return out.text()


def _typed_models(schema: _core.Schema) -> list[dict[str, Any]]:
    models = [schema.model(name) for name in schema.model_names]
    return [m for m in models if not m["ignored"]]  # Prisma's client leaves @@ignore'd models out


class _Writer:
    def __init__(self) -> None:
        self._parts: list[str] = []
        self.names: list[str] = []  # every top-level name defined, to refuse a clash

    def define(self, name: str, text: str) -> None:
        self.names.append(name)
        self._parts.append(text)

    def raw(self, text: str) -> None:
        self._parts.append(text)

    def typed_dict(self, name: str, keys: Sequence[tuple[str, str, bool]], doc: str = "") -> None:
        """A TypedDict of (key, type, required) keys. Keys that are not identifiers (``in``, ``not``,
        a field named ``from``) need the functional form, whose types are quoted: it is evaluated."""
        if all(k.isidentifier() and not keyword.iskeyword(k) for k, _, _ in keys):
            body = [f"    {k}: {t if req else f'_NotRequired[{t}]'}" for k, t, req in keys] or ["    pass"]
            doc_line = [f'    """{doc}"""', ""] if doc else []
            self.define(name, f"\n\nclass {name}(_t.TypedDict):\n" + "\n".join(doc_line + body) + "\n")
        else:
            items = ", ".join(f"{k!r}: {(t if req else f'_NotRequired[{t}]')!r}" for k, t, req in keys)
            self.define(name, f"\n\n{name} = _t.TypedDict({name!r}, {{{items}}})\n")

    def text(self) -> str:
        return "".join(self._parts)


def _accessor(model_name: str) -> str:
    return model_name[:1].lower() + model_name[1:]  # as Database.__getattr__ maps it


def _scalar_filter(out: _Writer, name: str, value: str, operators: Sequence[str]) -> None:
    types = {"equals": f"_t.Optional[{value}]", "in": f"_t.Sequence[{value}]", "notIn": f"_t.Sequence[{value}]",
             "not": f"_t.Union[{value}, None, {name}]", "mode": "QueryMode"}
    out.typed_dict(name, [(op, types.get(op, value), False) for op in operators])


def _columns(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields a record holds: columns, not @ignore'd ones (as Model.fields)."""
    return [f for f in model["fields"] if f["kind"] in ("scalar", "enum") and not f["ignored"]]


def _relations(model: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in model["fields"] if f["kind"] == "relation" and not f["ignored"]]


def _value_type(field: dict[str, Any], types: dict[str, str], enums: Any, *, sequence: bool = False) -> str:
    base = field["type"] if field["type"] in enums else types.get(field["type"], "_t.Any")
    if field["list"]:
        base = f"_t.Sequence[{base}]" if sequence else f"list[{base}]"
    return f"_t.Optional[{base}]" if field["optional"] else base


def _model_types(out: _Writer, model: dict[str, Any], enums: Any) -> None:
    name = model["name"]
    columns, relations = _columns(model), _relations(model)
    out.raw(f"\n\n# -- {name} " + "-" * max(3, 90 - len(name)) + "\n")
    out.define(f"{name}ScalarField", f"\n{name}ScalarField = _t.Literal[{', '.join(repr(f['name']) for f in columns) or repr('')}]\n")

    record = [(f["name"], _value_type(f, _RECORD_TYPES, enums), True) for f in columns]
    for r in relations:
        target = r["relation"]["target"]
        record.append((r["name"], f"list[{target}]" if r["list"] else f"_t.Optional[{target}]", False))
    if any(r["list"] for r in relations):
        record.append(("_count", "dict[str, int]", False))
    out.typed_dict(name, record, f"A {name} record. Relations are there when included (include=/select=).")

    # Prisma's create input: a field may be left out when the database or the engine fills it, or
    # when a nested write on the relation that holds it supplies it (carrier: {"connect": ...}).
    supplied_by_relation = {f for r in relations if r["relation"]["holds_foreign_key"] for f in r["relation"]["fields"]}
    create = [(f["name"], _value_type(f, _INPUT_TYPES, enums, sequence=True),
               not (f["optional"] or f["has_default"] or f["updated_at"] or f["list"] or f["name"] in supplied_by_relation))
              for f in columns]
    create += [(r["name"], f"{r['relation']['target']}NestedWrite", False) for r in relations]
    out.typed_dict(f"{name}CreateInput", create)
    update = [(f["name"], f"_t.Union[{_value_type(f, _INPUT_TYPES, enums, sequence=True)}, _t.Mapping[str, _t.Any]]"
               if f["list"] else _value_type(f, _INPUT_TYPES, enums, sequence=True), False) for f in columns]
    update += [(r["name"], f"{r['relation']['target']}NestedWrite", False) for r in relations]
    out.typed_dict(f"{name}UpdateInput", update)

    where: list[tuple[str, str, bool]] = [(k, f"_t.Union[{name}WhereInput, _t.Sequence[{name}WhereInput]]", False)
                                          for k in ("AND", "OR", "NOT")]
    for f in columns:
        value = _value_type(f, _INPUT_TYPES, enums, sequence=True)
        if f["list"]:
            flt = "_t.Mapping[str, _t.Any]"  # has / hasEvery / hasSome / isEmpty / equals
        elif f["type"] in enums:
            flt = f"{f['type']}Filter"
        else:
            flt = f"{f['type']}Filter" if f["type"] in _FILTER_OPERATORS else "_t.Mapping[str, _t.Any]"
        where.append((f["name"], f"_t.Union[{value}, {flt}]", False))
    for r in relations:
        target = r["relation"]["target"]
        where.append((r["name"], f"{target}ListRelationFilter" if r["list"]
                      else f"_t.Union[{target}RelationFilter, {target}WhereInput, None]", False))
    out.typed_dict(f"{name}WhereInput", where)

    compound = [k for k in model["keys"] if k["kind"] in ("id", "unique") and len(k["fields"]) > 1]
    unique = [(k["name"] or "_".join(k["fields"]), "_t.Mapping[str, _t.Any]", False) for k in compound]
    out.define(f"{name}WhereUniqueInput", f"\n\nclass {name}WhereUniqueInput({name}WhereInput, total=False):\n"
            f'    """An @id or @unique field, or a compound key by Prisma\'s name for it (other filters may join)."""\n'
            + "".join(f"    {k}: {t}\n" for k, t, _ in unique))

    out.typed_dict(f"{name}ListRelationFilter", [(k, f"{name}WhereInput", False) for k in ("some", "every", "none")])
    out.typed_dict(f"{name}RelationFilter", [(k, f"_t.Optional[{name}WhereInput]", False) for k in ("is", "isNot")])
    order = [(f["name"], "SortOrder", False) for f in columns]
    order += [(r["name"], "_t.Mapping[str, _t.Any]", False) for r in relations]
    out.typed_dict(f"{name}OrderByInput", order)

    count = [("_count", "_t.Union[bool, _t.Mapping[str, _t.Any]]", False)] if any(r["list"] for r in relations) else []
    include = [(r["name"], f"_t.Union[bool, {r['relation']['target']}IncludeArgs]", False) for r in relations] + count
    out.typed_dict(f"{name}Include", include)
    select = [(f["name"], "bool", False) for f in columns] + include
    out.typed_dict(f"{name}Select", select)
    out.typed_dict(f"{name}IncludeArgs", [
        ("where", f"{name}WhereInput", False), ("orderBy", f"_t.Union[{name}OrderByInput, _t.Sequence[{name}OrderByInput]]", False),
        ("take", "int", False), ("skip", "int", False), ("cursor", f"{name}WhereUniqueInput", False),
        ("distinct", f"_t.Sequence[{name}ScalarField]", False),
        ("include", f"{name}Include", False), ("select", f"{name}Select", False)])

    many = f"_t.Union[{name}CreateInput, _t.Sequence[{name}CreateInput]]"
    unique_one = f"_t.Union[{name}WhereUniqueInput, _t.Sequence[{name}WhereUniqueInput]]"
    out.typed_dict(f"{name}NestedWrite", [
        ("create", many, False), ("createMany", "_t.Mapping[str, _t.Any]", False), ("connect", unique_one, False),
        ("connectOrCreate", "_t.Any", False), ("disconnect", f"_t.Union[bool, {unique_one}]", False),
        ("set", f"_t.Sequence[{name}WhereUniqueInput]", False), ("update", "_t.Any", False), ("upsert", "_t.Any", False),
        ("updateMany", "_t.Any", False), ("delete", f"_t.Union[bool, {unique_one}]", False),
        ("deleteMany", f"_t.Union[{name}WhereInput, _t.Sequence[{name}WhereInput]]", False)],
        f"Prisma's nested writes on a relation to {name}.")


# Dict arguments default to ``...`` rather than ``None``: against ``Optional[TypedDict]`` mypy only says
# the dict is incompatible, against the TypedDict alone it names the misspelt key.
_DELEGATE = '''

class {m}Delegate(_t.Protocol):
    """``db.{accessor}``: carrierdb.Model for {m}, typed (see carrierdb.models.Model for each method)."""

    name: str
    fields: list[str]

    def validate(self, data: _t.Mapping[str, _t.Any], *, partial: bool = False) -> list[dict[str, _t.Any]]: ...
    def create(self, data: {m}CreateInput) -> {m}: ...
    @_t.overload
    def create_many(self, data: _t.Union[_t.Iterable[{m}CreateInput], _DataFrame], *, skip_duplicates: bool = False,
                    return_records: _t.Literal[False] = False) -> int: ...
    @_t.overload
    def create_many(self, data: _t.Union[_t.Iterable[{m}CreateInput], _DataFrame], *, skip_duplicates: bool = False,
                    return_records: _t.Literal[True]) -> _RecordList[{m}]: ...
    def get(self, id: _t.Any) -> {m}: ...
    def find_unique(self, where: {m}WhereUniqueInput, *, include: {m}Include = ...,
                    select: {m}Select = ...) -> _t.Optional[{m}]: ...
    def find_first(self, where: {m}WhereInput = ..., *, order_by: _t.Optional[{order}] = None,
                   skip: _t.Optional[int] = None, include: {m}Include = ...,
                   select: {m}Select = ..., cursor: {m}WhereUniqueInput = ...,
                   distinct: _t.Optional[{distinct}] = None) -> _t.Optional[{m}]: ...
    def find_many(self, where: {m}WhereInput = ..., *, order_by: _t.Optional[{order}] = None,
                  skip: _t.Optional[int] = None, take: _t.Optional[int] = None, include: {m}Include = ...,
                  select: {m}Select = ..., cursor: {m}WhereUniqueInput = ...,
                  distinct: _t.Optional[{distinct}] = None) -> _RecordList[{m}]: ...
    def aggregate(self, where: {m}WhereInput = ..., *, _count: _t.Any = None, _sum: _t.Any = None,
                  _avg: _t.Any = None, _min: _t.Any = None, _max: _t.Any = None) -> dict[str, _t.Any]: ...
    def group_by(self, by: {distinct}, *, where: {m}WhereInput = ...,
                 having: _t.Optional[_t.Mapping[str, _t.Any]] = None, order_by: _t.Optional[{order}] = None,
                 _count: _t.Any = None, _sum: _t.Any = None, _avg: _t.Any = None, _min: _t.Any = None, _max: _t.Any = None,
                 skip: _t.Optional[int] = None, take: _t.Optional[int] = None) -> list[dict[str, _t.Any]]: ...
    def count(self, where: {m}WhereInput = ...) -> int: ...
    def update(self, where: {m}WhereUniqueInput, data: {m}UpdateInput) -> {m}: ...
    def update_many(self, where: {m}WhereInput, data: {m}UpdateInput) -> int: ...
    def upsert(self, where: {m}WhereUniqueInput, create: {m}CreateInput, update: {m}UpdateInput) -> {m}: ...
    def delete(self, where: {m}WhereUniqueInput) -> {m}: ...
    def delete_many(self, where: {m}WhereInput = ...) -> int: ...
'''


def _delegate(out: _Writer, model: dict[str, Any]) -> None:
    m = model["name"]
    out.define(f"{m}Delegate", _DELEGATE.format(m=m, accessor=_accessor(m), order=f"_t.Union[{m}OrderByInput, _t.Sequence[{m}OrderByInput]]",
                             distinct=f"_t.Union[{m}ScalarField, _t.Sequence[{m}ScalarField]]"))


def _client(out: _Writer, models: Sequence[dict[str, Any]]) -> None:
    # A model whose accessor is one of Database's own attributes (a model named Schema: db.schema)
    # is reached with db.model("Schema") only, as at run time.
    taken = set(dir(Database))
    lines = [f"    {_accessor(m['name'])}: {m['name']}Delegate\n" for m in models if _accessor(m["name"]) not in taken]
    lines += [f"    # {m['name']}: db.model({m['name']!r}) (db.{_accessor(m['name'])} is Database's own)\n"
              for m in models if _accessor(m["name"]) in taken]
    out.raw('\n\nclass Client(_carrierdb.Database):\n'
            '    """A carrierdb.Database with one typed attribute per model (db.carrier is Model("Carrier"))."""\n\n'
            + ("".join(lines) or "    pass\n"))
