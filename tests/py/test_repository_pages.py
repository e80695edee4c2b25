"""find_many's pages on both backends, as Prisma counts them: cursor (the cursor row included unless
skipped), skip, negative take (counted back from the cursor or the end) and distinct."""

from __future__ import annotations

import pytest

import carrierdb
from fleet_data import TRUCKS, fleet_database, vin


@pytest.fixture
def fleet(carrierdb_url, tmp_path):
    db, _ = fleet_database(carrierdb_url, tmp_path)
    yield db
    db.close()


def vins(rows) -> list[str]:
    return [r["vin"] for r in rows]


def ids(db) -> list[int]:
    return [r["id"] for r in db.truck.find_many(order_by={"id": "asc"})]


def test_cursor_pages_forward_from_the_cursor_row_which_skip_leaves_out(fleet):
    t = ids(fleet)
    assert [r["id"] for r in fleet.truck.find_many(cursor={"id": t[1]}, take=2)] == t[1:3]  # ordered by the cursor's key
    assert [r["id"] for r in fleet.truck.find_many(cursor={"id": t[1]}, take=2, skip=1)] == t[2:4]
    assert [r["id"] for r in fleet.truck.find_many(cursor={"id": t[3]})] == t[3:]
    assert vins(fleet.truck.find_many(cursor={"vin": vin(2)}, order_by={"id": "asc"}, take=2)) == [vin(2), vin(3)]


def test_negative_take_pages_backwards_from_the_cursor(fleet):
    t = ids(fleet)
    assert [r["id"] for r in fleet.truck.find_many(cursor={"id": t[3]}, take=-2)] == t[2:4]  # still in ascending order
    assert [r["id"] for r in fleet.truck.find_many(cursor={"id": t[3]}, take=-2, skip=1)] == t[1:3]
    assert [r["id"] for r in fleet.truck.find_many(cursor={"id": t[0]}, take=-2, skip=1)] == []
    assert [r["id"] for r in fleet.truck.find_many(take=-2)] == t[3:]  # no cursor: the last rows


def test_cursor_follows_the_given_order_and_breaks_ties_by_id(fleet):
    by_year = {"modelYear": "desc"}  # 2022 (3), 2020 (1), 2019 (4), 2018 (0), 2015 (2)
    assert vins(fleet.truck.find_many(cursor={"vin": vin(1)}, order_by=by_year, take=2, skip=1)) == [vin(4), vin(0)]
    assert vins(fleet.truck.find_many(cursor={"vin": vin(4)}, order_by=by_year, take=-2)) == [vin(1), vin(4)]
    assert vins(fleet.truck.find_many(cursor={"vin": vin(4)}, order_by=by_year, take=-2, skip=1)) == [vin(3), vin(1)]
    # Three Volvos share the make: the id orders them, so the page after the second one is the third.
    by_make = {"make": "asc"}  # Kenworth (2), Peterbilt (4), Volvo (0, 1, 3)
    assert vins(fleet.truck.find_many(cursor={"vin": vin(1)}, order_by=by_make)) == [vin(1), vin(3)]
    assert vins(fleet.truck.find_many(cursor={"vin": vin(1)}, order_by=by_make, take=-3)) == [vin(4), vin(0), vin(1)]


def test_paging_with_a_cursor_visits_every_row_once(fleet):
    seen, cursor = [], None
    while True:
        page = fleet.truck.find_many(order_by=[{"make": "desc"}, {"modelYear": "asc"}], take=2,
                                     **({"cursor": {"id": cursor}, "skip": 1} if cursor else {}))
        if not page:
            break
        seen += vins(page)
        cursor = page[-1]["id"]
    assert sorted(seen) == sorted(vin(n) for n in range(len(TRUCKS))) and len(seen) == len(set(seen))
    assert seen[:3] == [vin(0), vin(1), vin(3)]  # the Volvos by year


def test_cursor_combines_with_where_and_a_missing_cursor_row_gives_nothing(fleet):
    t = ids(fleet)
    assert [r["id"] for r in fleet.truck.find_many(where={"make": "Volvo"}, cursor={"id": t[1]})] == [t[1], t[3]]
    assert fleet.truck.find_many(cursor={"id": t[-1] + 100}, take=5) == []


def test_distinct_keeps_the_first_row_of_each_combination_in_order(fleet):
    newest_first = {"modelYear": "desc"}
    rows = fleet.truck.find_many(distinct=["make"], order_by=newest_first)
    assert [(r["make"], r["modelYear"]) for r in rows] == [("Volvo", 2022), ("Peterbilt", 2019), ("Kenworth", 2015)]
    # skip and take count distinct rows, not the rows read.
    assert [r["make"] for r in fleet.truck.find_many(distinct=["make"], order_by=newest_first, take=2)] == ["Volvo", "Peterbilt"]
    assert [r["make"] for r in fleet.truck.find_many(distinct="make", order_by=newest_first, skip=1, take=1)] == ["Peterbilt"]
    assert len(fleet.truck.find_many(distinct=["carrierId", "make"])) == 4
    assert [r["make"] for r in fleet.truck.find_many(distinct=["make"], order_by=newest_first, take=-1)] == ["Kenworth"]
    assert fleet.truck.find_first(where={"make": "Volvo"}, distinct=["make"], order_by={"modelYear": "asc"})["modelYear"] == 2018


@pytest.mark.parametrize(
    ("arguments", "path", "code"),
    [
        ({"cursor": {"make": "Volvo"}}, ["cursor"], "invalid_arguments"),
        ({"cursor": {"id": "seven"}}, ["cursor", "id"], "invalid_type"),
        ({"distinct": ["make", "colour"]}, ["distinct", "1"], "unrecognized_keys"),
        ({"order_by": {"colour": "asc"}, "cursor": {"id": 1}}, ["orderBy", "colour"], "unrecognized_keys"),
        ({"skip": -1}, ["skip"], "too_small"),
    ],
)
def test_invalid_page_arguments_are_validation_errors_at_their_path(fleet, arguments, path, code):
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.truck.find_many(**arguments)
    assert [(i["path"], i["code"]) for i in info.value.issues] == [(path, code)]


def test_a_cursor_page_and_distinct_bring_their_includes(fleet):
    # The page is chosen exactly as without include; each row then brings its related records.
    t = ids(fleet)
    page = fleet.truck.find_many(cursor={"id": t[1]}, take=2, skip=1, include={"carrier": True})
    assert [r["id"] for r in page] == t[2:4]
    plain = {r["id"]: r["carrierId"] for r in fleet.truck.find_many()}
    assert [r["carrier"]["id"] for r in page] == [plain[i] for i in t[2:4]]
    makes = fleet.truck.find_many(distinct=["make"], order_by={"make": "asc"}, include={"carrier": True})
    assert [r["make"] for r in makes] == sorted({make for _, make, _, _ in TRUCKS})
    assert all(r["carrier"]["name"].startswith("Carrier ") for r in makes)
