"""aggregate and group_by on both backends, in Prisma's result shapes and types: Int sums are ints,
averages floats, Decimal stays Decimal, DateTime min/max are datetimes, and no rows give null."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import carrierdb
from fleet_data import fleet_database


@pytest.fixture
def fleet(carrierdb_url, tmp_path):
    db, carriers = fleet_database(carrierdb_url, tmp_path)
    yield db, carriers
    db.close()


def test_aggregate_counts_sums_averages_and_extremes(fleet):
    db, _ = fleet
    out = db.truck.aggregate(_count={"_all": True, "make": True}, _sum={"modelYear": True}, _avg={"modelYear": True},
                             _min={"modelYear": True, "make": True}, _max={"modelYear": True, "status": True})
    assert out == {"_count": {"_all": 5, "make": 5}, "_sum": {"modelYear": 10094}, "_avg": {"modelYear": pytest.approx(2018.8)},
                   "_min": {"modelYear": 2015, "make": "Kenworth"}, "_max": {"modelYear": 2022, "status": out["_max"]["status"]}}
    assert type(out["_sum"]["modelYear"]) is int and type(out["_avg"]["modelYear"]) is float
    assert out["_max"]["status"] in {"IN_SERVICE", "IN_SHOP", "RETIRED"}  # PostgreSQL orders an enum by declaration
    assert db.truck.aggregate(_count=True) == {"_count": 5}
    assert db.truck.aggregate(where={"make": "Volvo"}, _sum={"modelYear": True}) == {"_sum": {"modelYear": 6060}}


def test_aggregate_keeps_decimals_and_datetimes(fleet):
    db, _ = fleet
    out = db.model("InsurancePolicy").aggregate(_sum={"coverageAmount": True}, _avg={"coverageAmount": True},
                                                _min={"effectiveOn": True}, _max={"effectiveOn": True, "coverageAmount": True})
    assert out["_sum"] == {"coverageAmount": Decimal("1750000.75")}
    assert isinstance(out["_avg"]["coverageAmount"], Decimal) and out["_avg"]["coverageAmount"] == pytest.approx(Decimal("875000.375"))
    assert out["_min"] == {"effectiveOn": dt.datetime(2023, 6, 30)} and out["_max"]["effectiveOn"] == dt.datetime(2024, 1, 1)
    assert out["_max"]["coverageAmount"] == Decimal("1000000.25")


def test_aggregate_of_no_rows_counts_zero_and_gives_null(fleet):
    db, _ = fleet
    out = db.truck.aggregate(where={"make": "Scania"}, _count={"_all": True}, _sum={"modelYear": True}, _avg={"modelYear": True},
                             _min={"vin": True}, _max={"createdAt": True})
    assert out == {"_count": {"_all": 0}, "_sum": {"modelYear": None}, "_avg": {"modelYear": None}, "_min": {"vin": None},
                   "_max": {"createdAt": None}}
    assert db.truck.group_by(["make"], where={"make": "Scania"}, _count=True) == []


def test_group_by_groups_with_aggregates_in_order(fleet):
    db, carriers = fleet
    groups = db.truck.group_by(["carrierId"], _count={"_all": True}, _sum={"modelYear": True}, _avg={"modelYear": True},
                               _max={"make": True}, order_by={"carrierId": "asc"})
    assert groups == [
        {"carrierId": carriers["A"], "_count": {"_all": 3}, "_sum": {"modelYear": 6053}, "_avg": {"modelYear": pytest.approx(6053 / 3)},
         "_max": {"make": "Volvo"}},
        {"carrierId": carriers["B"], "_count": {"_all": 2}, "_sum": {"modelYear": 4041}, "_avg": {"modelYear": 2020.5},
         "_max": {"make": "Volvo"}},
    ]
    by_count = [{"_count": {"_all": "desc"}}, {"make": "asc"}]
    assert [g["make"] for g in db.truck.group_by(["make"], order_by=by_count)] == ["Volvo", "Kenworth", "Peterbilt"]
    assert [g["make"] for g in db.truck.group_by("make", order_by=by_count, skip=1, take=1)] == ["Kenworth"]
    newest = db.truck.group_by(["make"], _max={"modelYear": True}, order_by={"_max": {"modelYear": "desc"}})
    assert [(g["make"], g["_max"]["modelYear"]) for g in newest] == [("Volvo", 2022), ("Peterbilt", 2019), ("Kenworth", 2015)]
    statuses = db.truck.group_by(["carrierId", "status"], _count=True, where={"carrierId": carriers["A"]}, order_by={"status": "asc"})
    assert sorted((g["status"], g["_count"]) for g in statuses) == [("IN_SERVICE", 2), ("IN_SHOP", 1)]


def test_having_filters_groups_on_aggregates_and_grouped_fields(fleet):
    db, carriers = fleet
    newer = db.truck.group_by(["carrierId"], having={"modelYear": {"_avg": {"gt": 2018}}}, _count=True)
    assert newer == [{"carrierId": carriers["B"], "_count": 2}]
    assert db.truck.group_by(["carrierId"], having={"modelYear": {"_min": {"lte": 2015}}}) == [{"carrierId": carriers["A"]}]
    several = db.truck.group_by(["make"], having={"make": {"_count": {"gte": 2}}}, _count=True)
    assert several == [{"make": "Volvo", "_count": 3}]
    either = db.truck.group_by(["make"], having={"OR": [{"make": "Kenworth"}, {"modelYear": {"_sum": {"gt": 6000}}}]},
                               order_by={"make": "asc"})
    assert [g["make"] for g in either] == ["Kenworth", "Volvo"]
    assert [g["make"] for g in db.truck.group_by(["make"], having={"make": {"in": ["Peterbilt", "Scania"]}})] == ["Peterbilt"]
    assert [g["make"] for g in db.truck.group_by(["make"], having={"NOT": {"modelYear": {"_max": 2022}}}, order_by={"make": "asc"})] == [
        "Kenworth", "Peterbilt"]


def test_bigint_sums_are_ints_and_int_averages_floats(carrierdb_url, tmp_path):
    (tmp_path / "schema.prisma").write_text(
        'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'
        'model Ledger {\n  id Int @id\n  credits BigInt\n  @@map("ledger")\n}\n')
    db = carrierdb.connect(carrierdb_url, schema=str(tmp_path / "schema.prisma"))
    try:
        db.execute('CREATE TABLE "ledger" ("id" INTEGER PRIMARY KEY, "credits" BIGINT NOT NULL)')
        db.ledger.create_many([{"id": n, "credits": 3_000_000_000 + n} for n in range(1, 4)])
        out = db.ledger.aggregate(_sum={"credits": True, "id": True}, _avg={"credits": True, "id": True})
        assert out == {"_sum": {"credits": 9_000_000_006, "id": 6}, "_avg": {"credits": 3_000_000_002.0, "id": 2.0}}
        assert [type(v) for v in (*out["_sum"].values(), *out["_avg"].values())] == [int, int, float, float]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("call", "arguments", "path", "code"),
    [
        ("aggregate", {"_sum": {"make": True}}, ["_sum", "make"], "invalid_type"),
        ("aggregate", {"_avg": {"colour": True}}, ["_avg", "colour"], "unrecognized_keys"),
        ("aggregate", {"_count": {"carrier": True}}, ["_count", "carrier"], "unrecognized_keys"),
        ("aggregate", {"_min": "modelYear"}, ["_min"], "invalid_type"),
        ("group_by", {"by": ["colour"]}, ["by", "0"], "unrecognized_keys"),
        ("group_by", {"by": []}, ["by"], "too_small"),
        ("group_by", {"by": ["make"], "take": 2}, ["orderBy"], "invalid_arguments"),
        ("group_by", {"by": ["make"], "having": {"modelYear": {"gt": 2000}}}, ["having", "modelYear"], "invalid_arguments"),
        ("group_by", {"by": ["make"], "having": {"colour": {"_avg": {"gt": 1}}}}, ["having", "colour"], "unrecognized_keys"),
        ("group_by", {"by": ["make"], "having": {"modelYear": {"_avg": {"gt": "new"}}}}, ["having", "modelYear", "_avg", "gt"], "invalid_type"),
        ("group_by", {"by": ["make"], "order_by": {"modelYear": "asc"}}, ["orderBy", "modelYear"], "invalid_arguments"),
        ("group_by", {"by": ["make"], "order_by": {"_sum": {"make": "asc"}}}, ["orderBy", "_sum", "make"], "invalid_type"),
    ],
)
def test_invalid_aggregate_arguments_are_validation_errors_at_their_path(fleet, call, arguments, path, code):
    db, _ = fleet
    with pytest.raises(carrierdb.ValidationError) as info:
        getattr(db.truck, call)(**arguments)
    assert [(i["path"], i["code"]) for i in info.value.issues] == [(path, code)]
