"""What a database holds, per model: row count, counts by each enum field, and a few rows."""

from __future__ import annotations

from typing import Any

from .database import Database

__all__ = ["summarize"]


def summarize(db: Database, sample: int = 5) -> dict[str, Any]:
    """Per model of ``db.schema`` whose table exists: ``count``, ``by`` (per enum field, the count
    of each value) and ``sample``, the first ``sample`` rows by id."""
    out: dict[str, Any] = {}
    schema = db.schema
    tables = set(db.table_names())
    for name in schema.model_names:
        info = schema.model(name)
        if info["table"] not in tables:
            continue
        model = db.model(name)
        entry: dict[str, Any] = {"count": model.count(), "by": {}}
        for f in info["fields"]:
            if f["type"] in schema.enums and not f["list"]:  # counts by value; a list holds several
                entry["by"][f["name"]] = {v: model.count({f["name"]: v}) for v in schema.enums[f["type"]]}
        entry["sample"] = model.find_many(order_by={info["id_fields"][0]: "asc"}, take=sample)
        out[name] = entry
    return out
