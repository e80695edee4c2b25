"""DataFrames of records with included relations: single relations flattened into prefixed
columns, list relations as frames of their own keyed by the parent (RecordList.to_pandas)."""

from __future__ import annotations

from typing import Any, Optional


def _flatten(row: dict, fields: list[str], prefix: str, out: dict) -> None:
    for name, value in row.items():
        if isinstance(value, list) and (prefix or name not in fields):
            continue  # a list relation: a frame of its own (a scalar list field stays, one list per cell)
        if isinstance(value, dict):
            _flatten(value, list(value), f"{prefix}{name}.", out)
        elif name in fields or prefix:
            out[f"{prefix}{name}"] = value


def flat_frame(rows: list[dict], fields: list[str]):
    """The records' fields, then each included single relation's (and ``_count``'s) as dotted columns."""
    import pandas as pd

    flat = []
    columns = list(fields)
    seen = set(columns)
    for row in rows:
        out: dict = {}
        _flatten(row, fields, "", out)
        for key in out:
            if key not in seen:
                seen.add(key)
                columns.append(key)
        flat.append(out)
    return pd.DataFrame.from_records(flat, columns=columns)


def _accessor(model_name: str) -> str:
    return model_name[:1].lower() + model_name[1:]


def relation_frame(rows: list[dict], path: str, model: Optional[dict], schema: Any):
    """The related records at ``path`` ("trucks", "trucks.inspections") of every record, each led
    by its parent's id as ``<parent>.<id>`` (``carrier.id``)."""
    if model is None or schema is None:
        raise ValueError("to_pandas(relation=...) needs records read with include= or select=")
    parents = rows
    for step in path.split("."):
        field = next((f for f in model["fields"] if f["name"] == step), None)
        if field is None or field["kind"] != "relation":
            raise ValueError(f"{model['name']} has no relation '{step}' (in to_pandas(relation={path!r}))")
        if parents and not any(step in p for p in parents):
            raise ValueError(f"relation '{step}' was not included; add it to include= or select=")
        keys = [f"{_accessor(model['name'])}.{k}" for k in model["id_fields"]]
        children = []
        for parent in parents:
            related = parent.get(step)
            items = related if isinstance(related, list) else [] if related is None else [related]
            for child in items:
                children.append((tuple(parent.get(k) for k in model["id_fields"]), child))
        target = schema.model(field["relation"]["target"])
        parents = [child for _, child in children]
        fields = [f["name"] for f in target["fields"] if f["kind"] in ("scalar", "enum")]
        fields = [f for f in fields if any(f in c for c in parents)] if parents else fields
        model = target
    flat = flat_frame(parents, fields)
    flat = flat[[c for c in flat.columns if c not in keys]]
    for k, name in enumerate(keys):
        flat.insert(k, name, [key[k] for key, _ in children])
    return flat
