"""Relation filters (some/every/none, is/isNot), include/select with _count, the statement bound of
include loading, and to_pandas with relations: on the fleet example, on both backends."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import carrierdb

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"


@pytest.fixture
def fleet(carrierdb_url, tmp_path: Path):
    """The fleet migrations deployed, and three carriers: Acme (two trucks, tags hazmat and reefer),
    Bolt (Acme's subsidiary, one truck, tag reefer) and Cargo (nothing)."""
    shutil.copytree(FLEET / "migrations", tmp_path / "migrations")
    db = carrierdb.connect(carrierdb_url, schema=str(FLEET / "schema.prisma"))
    assert db.migrations(tmp_path / "migrations").deploy().ok
    acme = db.carrier.create({"name": "Acme", "mcNumber": "MC1", "dotNumber": "1"})
    bolt = db.carrier.create({"name": "Bolt", "mcNumber": "MC2", "dotNumber": "2", "parentId": acme["id"]})
    cargo = db.carrier.create({"name": "Cargo", "mcNumber": "MC3", "dotNumber": "3"})
    t1 = truck(db, acme, "0001", "Volvo", 2020)
    t2 = truck(db, acme, "0002", "Kenworth", 2015)
    t3 = truck(db, bolt, "0003", "Volvo", 2022)
    inspection(db, t1, "TX0001", 1, "PASSED", "ok brakes")
    inspection(db, t1, "TX0002", 2, "VIOLATIONS", None, violations=3)
    inspection(db, t3, "TX0003", 1, "PASSED", "ok")
    tags = {name: db.tag.create({"name": name})["id"] for name in ("hazmat", "reefer")}
    for carrier, tag in ((acme, "hazmat"), (acme, "reefer"), (bolt, "reefer")):
        db.execute('INSERT INTO "_CarrierToTag" ("A", "B") VALUES ($1, $2)', [carrier["id"], tags[tag]])
    policy = db.insurancePolicy.create({"policyNumber": "P-1", "insurer": "Mutual", "coverageAmount": Decimal("750000"),
                                         "effectiveOn": "2026-01-01", "expiresOn": "2027-01-01", "carrierId": bolt["id"]})
    db.carrier.update({"id": bolt["id"]}, {"currentPolicyId": policy["id"]})
    yield db
    db.close()


def truck(db, carrier, unit, make, year):
    return db.truck.create({"vin": f"1FUJGLDR0CLBP{unit}", "unitNumber": unit, "make": make, "modelYear": year,
                            "carrierId": carrier["id"]})


def inspection(db, truck_row, report, level, result, notes, violations=0):
    return db.inspection.create({"reportNumber": report, "truckId": truck_row["id"], "inspectedOn": "2026-03-01", "level": level,
                                 "result": result, "notes": notes, "violations": violations})


def names(rows) -> list[str]:
    return sorted(r["name"] for r in rows)


def issue_paths(info) -> set[str]:
    return {".".join(i["path"]) for i in info.value.issues}


# -- relation filters ---------------------------------------------------------------------------


def test_some_matches_records_with_at_least_one_matching_related_row(fleet):
    assert names(fleet.carrier.find_many({"trucks": {"some": {"make": "Volvo"}}})) == ["Acme", "Bolt"]
    assert names(fleet.carrier.find_many({"trucks": {"some": {}}})) == ["Acme", "Bolt"]


def test_every_is_true_without_related_rows_and_false_when_one_fails(fleet):
    assert names(fleet.carrier.find_many({"trucks": {"every": {"modelYear": {"gte": 2018}}}})) == ["Bolt", "Cargo"]


def test_every_counts_a_null_comparison_as_failing(fleet):
    # Truck 0001 has an inspection without notes: it does not have every note containing "ok".
    rows = fleet.truck.find_many({"inspections": {"every": {"notes": {"contains": "ok"}}}}, order_by={"unitNumber": "asc"})
    assert [r["unitNumber"] for r in rows] == ["0002", "0003"]


def test_none_matches_records_without_a_matching_related_row(fleet):
    assert names(fleet.carrier.find_many({"trucks": {"none": {"make": "Volvo"}}})) == ["Cargo"]
    assert names(fleet.carrier.find_many({"trucks": {"none": {}}})) == ["Cargo"]


def test_is_on_the_side_holding_the_foreign_key(fleet):
    rows = fleet.truck.find_many({"carrier": {"is": {"name": "Bolt"}}})
    assert [r["unitNumber"] for r in rows] == ["0003"]
    # Prisma's shorthand: the related record's conditions without `is`.
    assert [r["unitNumber"] for r in fleet.truck.find_many({"carrier": {"name": "Bolt"}})] == ["0003"]


def test_is_on_the_back_side_of_a_one_to_one(fleet):
    assert [p["policyNumber"] for p in fleet.insurancePolicy.find_many({"currentFor": {"is": {"name": "Bolt"}}})] == ["P-1"]
    assert fleet.insurancePolicy.find_many({"currentFor": {"is": {"name": "Acme"}}}) == []
    assert [p["policyNumber"] for p in fleet.insurancePolicy.find_many({"currentFor": {"isNot": None}})] == ["P-1"]


def test_is_null_means_no_related_row_and_is_not_null_one(fleet):
    assert names(fleet.carrier.find_many({"parent": {"is": None}})) == ["Acme", "Cargo"]
    assert names(fleet.carrier.find_many({"parent": None})) == ["Acme", "Cargo"]
    assert names(fleet.carrier.find_many({"parent": {"isNot": None}})) == ["Bolt"]
    assert names(fleet.carrier.find_many({"currentPolicy": {"is": None}})) == ["Acme", "Cargo"]


def test_is_not_excludes_records_whose_related_row_matches(fleet):
    assert names(fleet.carrier.find_many({"parent": {"isNot": {"name": "Acme"}}})) == ["Acme", "Cargo"]
    assert names(fleet.carrier.find_many({"parent": {"isNot": {"name": "Nobody"}}})) == ["Acme", "Bolt", "Cargo"]


def test_list_filters_through_an_implicit_many_to_many(fleet):
    assert names(fleet.carrier.find_many({"tags": {"some": {"name": "hazmat"}}})) == ["Acme"]
    assert names(fleet.carrier.find_many({"tags": {"every": {"name": "reefer"}}})) == ["Bolt", "Cargo"]
    assert names(fleet.carrier.find_many({"tags": {"none": {}}})) == ["Cargo"]
    assert names(fleet.tag.find_many({"carriers": {"some": {"name": "Bolt"}}})) == ["reefer"]


def test_relation_filters_nest_to_any_depth(fleet):
    violations = {"trucks": {"some": {"inspections": {"some": {"result": "VIOLATIONS"}}}}}
    assert names(fleet.carrier.find_many(violations)) == ["Acme"]
    # Three levels, through a self-relation: carriers with a subsidiary that runs a truck inspected clean.
    deep = {"subsidiaries": {"some": {"trucks": {"some": {"inspections": {"every": {"result": "PASSED"}, "some": {}}}}}}}
    assert names(fleet.carrier.find_many(deep)) == ["Acme"]
    # Back up through to-one relations: inspections of trucks whose carrier's parent is Acme.
    rows = fleet.inspection.find_many({"truck": {"is": {"carrier": {"is": {"parent": {"is": {"name": "Acme"}}}}}}})
    assert [r["reportNumber"] for r in rows] == ["TX0003"]
    assert fleet.carrier.count({"trucks": {"some": {"carrier": {"tags": {"some": {"name": "hazmat"}}}}}}) == 1


def test_relation_filters_combine_with_and_or_not(fleet):
    assert names(fleet.carrier.find_many({"OR": [{"trucks": {"none": {}}}, {"tags": {"some": {"name": "hazmat"}}}]})) == ["Acme", "Cargo"]
    assert names(fleet.carrier.find_many({"AND": [{"trucks": {"some": {"make": "Volvo"}}}, {"parent": None}]})) == ["Acme"]
    assert names(fleet.carrier.find_many({"NOT": {"trucks": {"some": {}}}})) == ["Cargo"]
    assert names(fleet.carrier.find_many({"trucks": {"some": {"OR": [{"make": "Kenworth"}, {"modelYear": 2022}]}}})) == ["Acme", "Bolt"]


def test_relation_filters_work_in_counts_updates_and_deletes(fleet):
    assert fleet.carrier.count({"tags": {"some": {"name": "reefer"}}}) == 2
    assert fleet.truck.update_many({"carrier": {"is": {"name": "Acme"}}}, {"status": "IN_SHOP"}) == 2
    assert fleet.inspection.delete_many({"truck": {"is": {"status": "IN_SHOP"}}}) == 2
    assert fleet.inspection.count() == 1


def test_a_misspelled_relation_field_or_operator_is_a_validation_error_at_its_path(fleet):
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.find_many({"trucks": {"some": {"inspections": {"some": {"levle": 1}}}}, "parent": {"iss": None}})
    assert issue_paths(info) == {"where.trucks.some.inspections.some.levle", "where.parent.iss"}
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.find_many({"trucks": {"any": {"make": "Volvo"}}, "truks": {"some": {}}})
    assert issue_paths(info) == {"where.trucks.any", "where.truks"}
    with pytest.raises(carrierdb.ValidationError, match=r"some \| every \| none"):
        fleet.carrier.find_many({"trucks": "Volvo"})


# -- include and select ---------------------------------------------------------------------------


def test_include_nests_with_where_order_by_take_and_skip_per_parent(fleet):
    rows = fleet.carrier.find_many(order_by={"name": "asc"}, include={
        "trucks": {"orderBy": {"modelYear": "desc"}, "take": 1,
                   "include": {"inspections": {"where": {"level": {"gte": 2}}}}}})
    assert [r["name"] for r in rows] == ["Acme", "Bolt", "Cargo"]
    acme, bolt, cargo = rows
    assert [t["unitNumber"] for t in acme["trucks"]] == ["0001"]
    assert [i["reportNumber"] for i in acme["trucks"][0]["inspections"]] == ["TX0002"]
    assert [t["unitNumber"] for t in bolt["trucks"]] == ["0003"] and bolt["trucks"][0]["inspections"] == []
    assert cargo["trucks"] == []
    skipped = fleet.carrier.find_many({"name": "Acme"}, include={"trucks": {"orderBy": {"unitNumber": "asc"}, "skip": 1}})
    assert [t["unitNumber"] for t in skipped[0]["trucks"]] == ["0002"]


def test_include_returns_typed_records_and_single_relations_as_dicts_or_none(fleet):
    rows = fleet.truck.find_many(order_by={"unitNumber": "asc"}, include={"carrier": {"include": {"parent": True}}})
    assert [(t["unitNumber"], t["carrier"]["name"]) for t in rows] == [("0001", "Acme"), ("0002", "Acme"), ("0003", "Bolt")]
    assert isinstance(rows[0]["carrier"]["createdAt"], dt.datetime) and rows[0]["carrier"]["parent"] is None
    assert rows[2]["carrier"]["parent"]["name"] == "Acme"
    assert list(rows[0])[: len(fleet.truck.fields)] == fleet.truck.fields
    policy = fleet.insurancePolicy.find_first(include={"currentFor": True, "carrier": True})
    assert policy["coverageAmount"] == Decimal("750000") and isinstance(policy["effectiveOn"], (dt.date, dt.datetime))
    assert policy["currentFor"]["name"] == "Bolt" and policy["carrier"]["name"] == "Bolt"


def test_include_through_an_implicit_many_to_many(fleet):
    acme = fleet.carrier.find_unique({"mcNumber": "MC1"}, include={"tags": {"orderBy": {"name": "desc"}}})
    assert [t["name"] for t in acme["tags"]] == ["reefer", "hazmat"]
    reefer = fleet.tag.find_unique({"name": "reefer"}, include={"carriers": {"orderBy": {"name": "asc"}}})
    assert [c["name"] for c in reefer["carriers"]] == ["Acme", "Bolt"]
    assert fleet.carrier.find_unique({"mcNumber": "MC404"}, include={"tags": True}) is None


def test_select_returns_only_the_named_fields_and_relations(fleet):
    rows = fleet.carrier.find_many({"name": "Acme"}, select={"name": True, "trucks": {"select": {"vin": True}, "orderBy": {"vin": "asc"}}})
    assert rows == [{"name": "Acme", "trucks": [{"vin": "1FUJGLDR0CLBP0001"}, {"vin": "1FUJGLDR0CLBP0002"}]}]
    first = fleet.truck.find_first({"unitNumber": "0003"}, select={"unitNumber": True, "carrier": {"select": {"name": True}}})
    assert first == {"unitNumber": "0003", "carrier": {"name": "Bolt"}}


def test_count_of_relations(fleet):
    rows = fleet.carrier.find_many(order_by={"name": "asc"}, include={"_count": {"select": {"trucks": True, "tags": True}}})
    assert [(r["name"], r["_count"]) for r in rows] == [("Acme", {"trucks": 2, "tags": 2}), ("Bolt", {"trucks": 1, "tags": 1}),
                                                         ("Cargo", {"trucks": 0, "tags": 0})]
    volvo = fleet.carrier.find_many(order_by={"name": "asc"}, select={"name": True, "_count": {"select": {"trucks": {"where": {"make": "Volvo"}}}}})
    assert volvo == [{"name": "Acme", "_count": {"trucks": 1}}, {"name": "Bolt", "_count": {"trucks": 1}}, {"name": "Cargo", "_count": {"trucks": 0}}]
    every = fleet.carrier.find_unique({"mcNumber": "MC1"}, include={"_count": True})
    assert every["_count"] == {"subsidiaries": 1, "policies": 0, "trucks": 2, "drivers": 0, "loads": 0, "tags": 2}


def test_a_misspelled_include_is_a_validation_error_at_its_path_before_any_statement(fleet):
    before = fleet.statements_run
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.find_many(include={"truks": True, "trucks": {"where": {"mak": "Volvo"}, "include": {"inspectoins": True}},
                                         "name": True, "_count": {"select": {"parent": True}}})
    assert issue_paths(info) == {"include.truks", "include.trucks.where.mak", "include.trucks.include.inspectoins", "include.name",
                                 "include._count.select.parent"}
    with pytest.raises(carrierdb.ValidationError, match="single relation"):
        fleet.truck.find_many(include={"carrier": {"take": 1}})
    assert fleet.statements_run == before


def add_carriers(db, count: int, first: int) -> None:
    for k in range(first, first + count):
        c = db.carrier.create({"name": f"Carrier {k}", "mcNumber": f"MC{1000 + k}", "dotNumber": str(1000 + k)})
        t = truck(db, c, f"{1000 + k:04d}", "Volvo", 2021)
        inspection(db, t, f"CA{1000 + k}", 1, "PASSED", None)


def test_include_loading_issues_the_same_statements_for_3_and_50_parents(fleet):
    fleet.carrier.delete_many()
    add_carriers(fleet, 3, 0)
    include = {"trucks": {"include": {"inspections": True}}, "_count": {"select": {"trucks": True}}}
    before = fleet.statements_run
    rows = fleet.carrier.find_many(include=include)
    for_3 = fleet.statements_run - before
    assert len(rows) == 3 and all(len(r["trucks"]) == 1 and len(r["trucks"][0]["inspections"]) == 1 for r in rows)
    add_carriers(fleet, 47, 3)
    before = fleet.statements_run
    rows = fleet.carrier.find_many(include=include)
    for_50 = fleet.statements_run - before
    assert len(rows) == 50 and all(len(r["trucks"][0]["inspections"]) == 1 and r["_count"] == {"trucks": 1} for r in rows)
    # carriers, their trucks, the trucks' inspections, the truck counts.
    assert for_3 == for_50 == 4


def test_statements_run_counts_each_statement(fleet):
    before = fleet.statements_run
    fleet.query("SELECT 1 AS one")
    fleet.carrier.find_many()
    assert fleet.statements_run - before == 2


# -- to_pandas ------------------------------------------------------------------------------------


def test_to_pandas_flattens_single_relations_and_leaves_lists_out(fleet):
    rows = fleet.truck.find_many(order_by={"unitNumber": "asc"}, include={"carrier": {"include": {"parent": True}}, "inspections": True})
    frame = rows.to_pandas()
    assert list(frame.columns[: len(fleet.truck.fields)]) == fleet.truck.fields
    assert "carrier.name" in frame.columns and "carrier.parent.name" in frame.columns and "inspections" not in frame.columns
    assert list(frame["carrier.name"]) == ["Acme", "Acme", "Bolt"]
    assert frame["carrier.parent.name"].tolist()[2] == "Acme"
    counted = fleet.carrier.find_many(order_by={"name": "asc"}, select={"name": True, "_count": {"select": {"trucks": True}}}).to_pandas()
    assert counted.to_dict("list") == {"name": ["Acme", "Bolt", "Cargo"], "_count.trucks": [2, 1, 0]}


def test_to_pandas_gives_one_frame_per_list_relation_keyed_by_the_parent(fleet):
    rows = fleet.carrier.find_many(order_by={"name": "asc"}, include={"trucks": {"orderBy": {"unitNumber": "asc"}, "include": {"inspections": True}}})
    trucks = rows.to_pandas(relation="trucks")
    ids = {r["name"]: r["id"] for r in rows}
    assert list(trucks.columns[:2]) == ["carrier.id", "id"]
    assert trucks[["carrier.id", "unitNumber"]].values.tolist() == [[ids["Acme"], "0001"], [ids["Acme"], "0002"], [ids["Bolt"], "0003"]]
    inspections = rows.to_pandas(relation="trucks.inspections")
    assert sorted(inspections["reportNumber"]) == ["TX0001", "TX0002", "TX0003"] and inspections.columns[0] == "truck.id"
    with pytest.raises(ValueError, match="not included"):
        rows.to_pandas(relation="tags")
