"""QueryResult: what ``db.query()`` returns, a list of row dicts that also knows its columns' types.

The types come from the engine (PostgreSQL's type oids, SQLite's declared types), so
``to_pandas()`` builds the right dtypes even for a result without rows.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Iterable, Mapping, NamedTuple, Sequence

if TYPE_CHECKING:  # pandas is optional: imported only by to_pandas()
    import pandas

__all__ = ["QueryColumn", "QueryResult"]

# PostgreSQL oids below this are the system's own types; user types (enums among them) are above.
_FIRST_USER_OID = 16384
# time and timetz: the engine reads them as timestamps' kinds, but they hold no date.
_TIME_OIDS = {1083, 1266}


class QueryColumn(NamedTuple):
    """One result column: its name, the engine's kind for it (``text``, ``integer``, ``real``,
    ``boolean``, ``numeric``, ``timestamp``, ``timestamptz``, ``date``, ``json``, ``bytes``), the
    PostgreSQL type oid (0 on SQLite) and whether each value is a list (PostgreSQL arrays)."""

    name: str
    kind: str
    type_oid: int = 0
    is_list: bool = False


class QueryResult(list):
    """The rows of one statement as dicts (a real ``list``: compare it, slice it, index it),
    plus ``columns`` (:class:`QueryColumn`) and :meth:`to_pandas`."""

    def __init__(self, rows: Iterable[dict[str, Any]] = (), columns: Sequence[QueryColumn] = (), *, database=None):
        super().__init__(rows)
        self.columns: list[QueryColumn] = [QueryColumn(*c) for c in columns]
        self._database = database  # the _core handle, to read enum labels from PostgreSQL's catalog

    def __reduce__(self):
        # Pickled and copied without the database handle, which cannot travel.
        return (QueryResult, (list(self), self.columns))

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def to_pandas(self, *, decimal: str = "decimal", categories: Mapping[str, Any] | None = None) -> "pandas.DataFrame":
        """The rows as a DataFrame whose dtypes follow the columns' types (see the README's
        "pandas and DB-API" section): integers ``Int64``, booleans ``boolean``, text ``string``,
        timestamps ``datetime64[ns, UTC]`` (naive ones are taken as UTC, as Prisma stores them),
        numerics ``Decimal`` objects (``decimal="decimal"``, exact) or ``float64``
        (``decimal="float"``), PostgreSQL enums ``category`` with the type's labels in order.
        ``categories`` maps a column to its categories: a list of labels, or the name of an enum
        in the schema (``{"status": "CarrierStatus"}``): the way to get ``category`` on SQLite,
        where an enum is TEXT with a CHECK.
        """
        import pandas as pd

        if decimal not in ("decimal", "float"):
            raise ValueError(f"decimal must be 'decimal' or 'float', not {decimal!r}")
        wanted = dict(categories or {})
        unknown = set(wanted) - set(self.column_names)
        if unknown:
            raise ValueError(f"categories names columns the result does not have: {sorted(unknown)}; it has {self.column_names}")
        enum_labels = self._enum_labels()
        data = {}
        for index, column in enumerate(self.columns):
            values = [row[column.name] for row in self]
            labels = wanted.get(column.name)
            if isinstance(labels, str):
                labels = self._schema_enum(labels)
            if labels is None and column.type_oid in enum_labels:
                labels = enum_labels[column.type_oid]
            if labels is not None and not column.is_list:
                series = pd.Series(pd.Categorical(values, categories=list(labels)), name=column.name)
            else:
                series = _series(pd, column, values, decimal)
            data[index] = series
        frame = pd.DataFrame(data)
        frame.columns = self.column_names
        return frame

    def _schema_enum(self, name: str) -> list[str]:
        if self._database is None or self._schema is None:
            raise ValueError(f"categories: {name!r} names a schema enum, but this result has no schema; pass the labels as a list")
        enums = self._schema.enums
        if name not in enums:
            raise ValueError(f"categories: the schema has no enum {name!r} (it has {sorted(enums)})")
        return list(enums[name])

    @property
    def _schema(self):
        try:
            return self._database.schema if self._database is not None else None
        except Exception:  # no schema.prisma: explicit lists still work
            return None

    def _enum_labels(self) -> dict[int, list[str]]:
        """PostgreSQL enum oids of this result's columns -> their labels in sort order (one catalog query)."""
        oids = sorted({c.type_oid for c in self.columns if c.type_oid >= _FIRST_USER_OID and c.kind == "text" and not c.is_list})
        if not oids or self._database is None or self._database.backend != "postgresql":
            return {}
        rows = self._database._db.query(
            "SELECT enumtypid::int8 AS oid, enumlabel FROM pg_catalog.pg_enum "
            "WHERE enumtypid = ANY(string_to_array($1, ',')::oid[]) ORDER BY enumtypid, enumsortorder",
            [",".join(map(str, oids))],
        )
        labels: dict[int, list[str]] = {}
        for row in rows:
            labels.setdefault(row["oid"], []).append(row["enumlabel"])
        return labels

    def _repr_html_(self) -> str:
        """A plain table for notebooks (the first 50 rows)."""
        shown = 50
        head = "".join(f"<th>{html.escape(name)}</th>" for name in self.column_names)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell_text(row[name]))}</td>" for name in self.column_names) + "</tr>"
            for row in self[:shown]
        )
        more = f"<p>{len(self)} rows, first {shown} shown</p>" if len(self) > shown else f"<p>{len(self)} rows</p>"
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _cell_text(value: Any) -> str:
    return "NULL" if value is None else str(value)


def _series(pd, column: QueryColumn, values: list, decimal: str) -> "pandas.Series":
    """One column's values as a Series of the dtype its kind calls for."""
    kind = column.kind
    name = column.name
    if column.is_list or column.type_oid in _TIME_OIDS or kind in ("json", "bytes", "date", "other"):
        return pd.Series(values, dtype=object, name=name)
    if kind in ("integer", "boolean"):
        try:
            return pd.Series(pd.array(values, dtype="Int64" if kind == "integer" else "boolean"), name=name)
        except (TypeError, ValueError):  # SQLite stores what it is given: text in an INTEGER column stays as it is
            return pd.Series(values, dtype=object, name=name)
    if kind == "real" or (kind == "numeric" and decimal == "float"):
        return pd.Series([None if v is None else float(v) for v in values], dtype="float64", name=name)
    if kind == "numeric":
        return pd.Series(values, dtype=object, name=name)
    if kind in ("timestamp", "timestamptz"):
        # Naive values are UTC (Prisma writes DateTime as UTC without a zone); aware ones convert.
        return pd.Series(pd.to_datetime(values, utc=True, errors="coerce"), name=name).astype("datetime64[ns, UTC]")
    if any(v is not None and not isinstance(v, str) for v in values):
        return pd.Series(values, dtype=object, name=name)  # SQLite expressions may mix storage classes
    return pd.Series(pd.array(values, dtype="string"), name=name)
