"""QueryResult: what ``db.query()`` returns, a list of row dicts that also knows its columns' types.

The types come from the engine (PostgreSQL's type oids, SQLite's declared types), so
``to_pandas()`` builds the right dtypes even for a result without rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping, NamedTuple, Sequence

from .display import ShownAsTable

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


class QueryResult(ShownAsTable, list):
    """The rows of one statement as dicts (a real ``list``: compare it, slice it, index it),
    plus ``columns`` (:class:`QueryColumn`) and :meth:`to_pandas`."""

    def __init__(self, rows: Iterable[dict[str, Any]] = (), columns: Sequence[QueryColumn] = (), *, database=None,
                 tuples: Sequence[tuple] | None = None):
        super().__init__(rows)
        self.columns: list[QueryColumn] = [QueryColumn(*c) for c in columns]
        self._database = database  # the _core handle, to read enum labels from PostgreSQL's catalog
        # Rows by position, kept only when two columns share a name (`SELECT a.id, b.id`): a dict
        # holds one of them, to_pandas() and the tables show both.
        self._tuples = tuples

    @classmethod
    def from_tuples(cls, tuples: Sequence[tuple], columns: Sequence[Any], *, database=None) -> "QueryResult":
        """A result from rows as tuples: dicts for the list (the last of same-named columns wins,
        as in any dict), the tuples kept when names repeat."""
        names = [c[0] for c in columns]
        repeated = len(set(names)) != len(names)
        return cls([dict(zip(names, t)) for t in tuples], columns, database=database, tuples=list(tuples) if repeated else None)

    def __reduce__(self):
        # Pickled and copied without the database handle, which cannot travel.
        return (_rebuild, (list(self), self.columns, self._tuples))

    def _positional(self) -> list[tuple]:
        """The rows as tuples in column order (both of two same-named columns)."""
        if self._tuples is not None:
            return self._tuples
        names = self.column_names
        return [tuple(row.get(name) for name in names) for row in self]

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
        in the schema (``{"status": "CarrierStatus"}``, its values as stored, ``@map`` applied, as
        ``db.query`` returns them): the way to get ``category`` on SQLite,
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
        positional = self._positional()
        for index, column in enumerate(self.columns):
            values = [row[index] for row in positional]
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
        # The values as stored (an @map'ed value's database name): what db.query returns.
        return list(self._schema.enum_db_values[name])

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

    def _shown_columns(self) -> list[str]:
        return self.column_names

    def _cells(self, limit: int) -> list[tuple]:
        return self._positional()[:limit]


def _rebuild(rows: list, columns: list, tuples: list | None) -> QueryResult:
    return QueryResult(rows, columns, tuples=tuples)


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
        try:
            return pd.Series([None if v is None else float(v) for v in values], dtype="float64", name=name)
        except (TypeError, ValueError):  # SQLite stores what it is given: text in a REAL column stays as it is
            return pd.Series(values, dtype=object, name=name)
    if kind == "numeric":
        return pd.Series(values, dtype=object, name=name)
    if kind in ("timestamp", "timestamptz"):
        # Naive values are UTC (Prisma writes DateTime as UTC without a zone); aware ones convert.
        series = pd.Series(pd.to_datetime(values, utc=True, errors="coerce"), name=name)
        try:
            return series.astype("datetime64[ns, UTC]")
        except pd.errors.OutOfBoundsDatetime:  # 0001-01-01, 9999-12-31: microseconds hold every datetime
            return series.astype("datetime64[us, UTC]")
    if any(v is not None and not isinstance(v, str) for v in values):
        return pd.Series(values, dtype=object, name=name)  # SQLite expressions may mix storage classes
    return pd.Series(pd.array(values, dtype="string"), name=name)
