"""Validated CRUD for the models of schema.prisma: ``db.carrier`` or ``db.model("Carrier")``.

Field names are the schema's (``mcNumber``); the SQL uses the mapped columns (``mc_number``).
Filters use Prisma's operators::

    db.carrier.find_many(where={"name": {"contains": "freight", "mode": "insensitive"},
                                "status": {"in": ["ACTIVE", "SUSPENDED"]}},
                         order_by={"name": "asc"}, take=20)
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Literal, Optional, Sequence, TypeVar, Union, cast, overload

from . import _core
from .display import ShownAsTable

__all__ = ["Model", "RecordList"]

_R = TypeVar("_R")


class RecordList(ShownAsTable, list[_R]):
    """A list of records (dicts) that converts to a DataFrame and shows as a table in notebooks.
    Generic for the typed client (``RecordList[Carrier]``); plain ``RecordList`` holds dicts."""

    def __init__(self, rows: Iterable[_R], fields: Sequence[str], *, model: Optional[Mapping[str, Any]] = None,
                 schema: Optional[_core.Schema] = None) -> None:
        super().__init__(rows)
        self.fields = list(fields)
        self._model = model  # schema.model(...) of the rows, for relation frames
        self._schema = schema

    def to_pandas(self, relation: Optional[str] = None) -> Any:
        """A DataFrame of the records. Included single relations flatten into prefixed columns
        (``carrier.name``, ``carrier.parent.name``) and ``_count`` into ``_count.trucks``; list
        relations are left out. ``relation="trucks"`` (or a path, ``"trucks.inspections"``) gives
        the related rows of every record instead, one per row, led by the parent's key
        (``carrier.id``)."""
        from ._relation_frames import flat_frame, relation_frame

        if relation is None:
            return flat_frame(self._rows(), self.fields)
        return relation_frame(self._rows(), relation, None if self._model is None else dict(self._model), self._schema)

    def _rows(self) -> list[dict[str, Any]]:
        return cast("list[dict[str, Any]]", list(self))  # records are dicts, whatever the typed client calls them

    def _shown_columns(self) -> list[str]:
        return list(self.fields)

    def _cells(self, limit: int) -> list[list[Any]]:
        return [[r.get(f) for f in self.fields] for r in self._rows()[:limit]]


def _records_from(data: Any) -> list[dict[str, Any]]:
    """Rows from a list of dicts or a pandas DataFrame (pandas is imported only for one)."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        frame = data.astype(object).where(data.notna(), None)  # NaN/NaT -> None, numpy scalars -> Python
        records: list[dict[str, Any]] = frame.to_dict("records")
        return records
    return list(data)


class Model:
    """One model of the schema on one database. Every write is validated first; every call
    joins the open ``with db.transaction():`` block of this thread, if any."""

    # db is the carrierdb.Database (not imported: database imports this module).
    def __init__(self, db: Any, schema: _core.Schema, name: str) -> None:
        self.db = db
        self._repo = _core.Repository(db._db, schema, name)
        self._schema = schema
        self.name = self._repo.model_name
        self._info = schema.model(self.name)  # built once: describing a model is not free
        # Columns only, and not the @ignore'd ones: Prisma's client neither returns nor writes those.
        self.fields = [f["name"] for f in self._info["fields"] if f["kind"] in ("scalar", "enum") and not f["ignored"]]
        self._relations = frozenset(f["name"] for f in self._info["fields"] if f["kind"] == "relation")

    def __repr__(self) -> str:
        return f"<carrierdb.Model {self.name} ({self._repo.table}) on {self.db.url}>"

    def validate(self, data: Mapping[str, Any], *, partial: bool = False) -> list[dict[str, Any]]:
        """Every issue with ``data`` (empty when valid), without touching the database."""
        if self._relations.intersection(data):
            return self._repo.check_with_relations(dict(data), partial)
        return self._schema.validate(self.name, dict(data), partial)

    def create(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Insert one record. Relation fields take Prisma's nested writes (``create``, ``createMany``,
        ``connect``, ``connectOrCreate``), all validated first and written in one transaction."""
        if self._relations.intersection(data):
            return self._repo.create_with_relations(dict(data))
        return self._repo.create(dict(data))

    @overload
    def create_many(self, data: Any, *, skip_duplicates: bool = False, return_records: Literal[False] = False) -> int: ...
    @overload
    def create_many(self, data: Any, *, skip_duplicates: bool = False,
                    return_records: Literal[True]) -> RecordList[dict[str, Any]]: ...
    def create_many(self, data: Any, *, skip_duplicates: bool = False,
                    return_records: bool = False) -> Union[int, RecordList[dict[str, Any]]]:
        """Insert many records (list of dicts or a DataFrame) in one transaction, in batched
        multi-row INSERTs. All are validated first: one bad record means nothing is written.
        Returns the number inserted, or the records with ``return_records=True``."""
        rows = _records_from(data)
        if not skip_duplicates and not return_records:
            return self._repo.create_many_streamed(rows if isinstance(rows, list) else list(rows))
        result = self._repo.create_many(rows, skip_duplicates, return_records)
        return RecordList(result, self.fields) if return_records else result

    def get(self, id: Any) -> dict[str, Any]:
        """The record with this id; raises NotFound."""
        return self._repo.get(id)

    def find_unique(self, where: Mapping[str, Any], *, include: Optional[Mapping[str, Any]] = None,
                    select: Optional[Mapping[str, Any]] = None) -> Optional[dict[str, Any]]:
        if include is None and select is None:
            return self._repo.find_unique(dict(where))
        return self._repo.find_unique_tree(dict(where), include, select)

    def find_first(self, where: Optional[Mapping[str, Any]] = None, *, order_by: Any = None, skip: Optional[int] = None,
                   include: Optional[Mapping[str, Any]] = None, select: Optional[Mapping[str, Any]] = None,
                   cursor: Optional[Mapping[str, Any]] = None, distinct: Any = None) -> Optional[dict[str, Any]]:
        rows = self.find_many(where, order_by=order_by, skip=skip, take=1, include=include, select=select, cursor=cursor,
                              distinct=distinct)
        return rows[0] if rows else None

    def find_many(self, where: Optional[Mapping[str, Any]] = None, *, order_by: Any = None, skip: Optional[int] = None,
                  take: Optional[int] = None, include: Optional[Mapping[str, Any]] = None,
                  select: Optional[Mapping[str, Any]] = None, cursor: Optional[Mapping[str, Any]] = None,
                  distinct: Any = None) -> RecordList[dict[str, Any]]:
        """Records matching ``where``. ``include={"trucks": True}`` adds related records (nested,
        with ``where``/``orderBy``/``take``/``skip`` inside, and ``_count``); ``select`` names the
        fields and relations to return. Related records load in one statement per relation and
        level, whatever the number of records. ``cursor`` (a unique key) starts the page at that
        record, included unless ``skip=1``; a negative ``take`` counts back from the cursor (or the
        end); ``distinct=["field", ...]`` keeps the first record of each combination, as in Prisma."""
        if include is None and select is None:
            return RecordList(self._repo.find_many(where, order_by, skip, take, cursor, distinct), self.fields)
        rows = self._repo.find_tree(where, order_by, skip, take, include, select, cursor, distinct)
        fields = self.fields if select is None else [f for f in self.fields if select.get(f)]
        return RecordList(rows, fields, model=self._info, schema=self._schema)

    def aggregate(self, where: Optional[Mapping[str, Any]] = None, *, _count: Any = None, _sum: Any = None, _avg: Any = None,
                  _min: Any = None, _max: Any = None) -> dict[str, Any]:
        """Prisma's aggregate: ``aggregate(_count={"_all": True}, _avg={"modelYear": True})`` gives
        ``{"_count": {"_all": 3}, "_avg": {"modelYear": 2019.3}}``; sums and averages of no rows are None."""
        return self._repo.aggregate(where, _count, _sum, _avg, _min, _max)

    def group_by(self, by: Any, *, where: Optional[Mapping[str, Any]] = None, having: Optional[Mapping[str, Any]] = None,
                 order_by: Any = None, _count: Any = None, _sum: Any = None, _avg: Any = None, _min: Any = None, _max: Any = None,
                 skip: Optional[int] = None, take: Optional[int] = None) -> list[dict[str, Any]]:
        """Prisma's groupBy: one dict per group with the ``by`` fields and the aggregates asked for.
        ``having`` filters groups (``{"modelYear": {"_avg": {"gt": 2015}}}``); ``take``/``skip`` need ``order_by``."""
        return self._repo.group_by(by, where, having, order_by, _count, _sum, _avg, _min, _max, skip, take)

    def count(self, where: Optional[Mapping[str, Any]] = None) -> int:
        return self._repo.count(where)

    def update(self, where: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
        """Update the record found by a unique ``where``; raises NotFound. Partial: only the given
        fields are validated and written; ``@updatedAt`` fields are set. Relation fields take Prisma's
        nested writes (also ``disconnect``, ``set``, ``update``, ``upsert``, ``updateMany``, ``delete``,
        ``deleteMany``)."""
        if self._relations.intersection(data):
            return self._repo.update_with_relations(dict(where), dict(data))
        return self._repo.update(dict(where), dict(data))

    def update_many(self, where: Optional[Mapping[str, Any]], data: Mapping[str, Any]) -> int:
        return self._repo.update_many(where, dict(data))

    def upsert(self, where: Mapping[str, Any], create: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
        return self._repo.upsert(dict(where), dict(create), dict(update))

    def delete(self, where: Mapping[str, Any]) -> dict[str, Any]:
        """Delete the record found by a unique ``where`` and return it; raises NotFound."""
        return self._repo.delete(dict(where))

    def delete_many(self, where: Optional[Mapping[str, Any]] = None) -> int:
        return self._repo.delete_many(where)
