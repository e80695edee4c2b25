"""Prisma's createMany, upsert, updateMany and deleteMany inside nested writes, on the fleet example and
both backends: one test per verb (to-one, to-many and many-to-many where Prisma has them), each scoped
to the related records of the record being written, validated as a whole with every issue at its path."""

from __future__ import annotations

import pytest

import carrierdb
from test_nested_writes import carrier, counts, fleet, load, policy, tag_names, truck  # noqa: F401 (fleet is a fixture)


def vins(db, carrier_id: int) -> list[str]:
    return [t["vin"] for t in db.truck.find_many({"carrierId": carrier_id}, order_by={"vin": "asc"})]


def test_nested_create_many_inserts_the_children_with_their_parent_key(fleet):
    c = fleet.carrier.create(carrier(1, trucks={"createMany": {"data": [truck(1), truck(2, make="Volvo")]}}))
    assert vins(fleet, c["id"]) == [truck(1)["vin"], truck(2)["vin"]]
    fleet.carrier.update({"id": c["id"]}, {"trucks": {"createMany": {"data": [truck(2), truck(3)], "skipDuplicates": True}}})
    assert vins(fleet, c["id"]) == [truck(n)["vin"] for n in (1, 2, 3)]
    assert fleet.truck.find_unique({"vin": truck(2)["vin"]})["make"] == "Volvo"  # the duplicate was skipped, not rewritten
    fleet.carrier.update({"id": c["id"]}, {"trucks": {"createMany": {"data": truck(4, vin=" 1fujgldr5clbp0004 ")}}})  # one record
    assert vins(fleet, c["id"])[-1] == truck(4)["vin"]  # normalised like any create
    before = counts(fleet)
    with pytest.raises(carrierdb.UniqueViolation):  # without skipDuplicates: all or nothing, with the parent's other writes
        fleet.carrier.update({"id": c["id"]}, {"name": "Renamed", "trucks": {"createMany": {"data": [truck(5), truck(1)]}}})
    assert counts(fleet) == before and fleet.carrier.get(c["id"])["name"] == "Carrier 1"


def test_nested_create_many_is_checked_as_a_whole_and_only_where_prisma_has_it(fleet):
    payload = carrier(2, trucks={"createMany": {"data": [truck(10), truck(11), truck(12), truck(13, vin="IIII", carrierId=5)]}},
                      tags={"createMany": {"data": [{"name": "a"}]}})
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.create(payload)
    issues = {".".join(i["path"]): i["message"] for i in info.value.issues}
    assert list(issues) == ["trucks.createMany.data.3.carrierId", "trucks.createMany.data.3.vin", "tags.createMany"]
    assert "set by the enclosing relation write" in issues["trucks.createMany.data.3.carrierId"]
    assert "trucks.createMany.data.3.vin: VIN must be 17 characters without I, O or Q" in str(info.value)
    assert "createMany works on one-to-many relations only" in issues["tags.createMany"]
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.create(carrier(3, trucks={"createMany": {"data": [truck(14, inspections={"create": []})], "skipDuplicates": 1}}))
    assert [i["path"] for i in info.value.issues] == [["trucks", "createMany"]]
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.create(carrier(3, trucks={"createMany": {"data": [truck(14, inspections={"create": []})]}}))
    assert [i["path"] for i in info.value.issues] == [["trucks", "createMany", "data", "0", "inspections"]]
    assert "nested writes on inspections are not available inside createMany" in info.value.issues[0]["message"]
    with pytest.raises(carrierdb.ValidationError, match=r"createMany works on to-many relations.*use create"):
        fleet.truck.create(truck(15, carrier={"createMany": {"data": [carrier(15)]}}))
    assert counts(fleet) == dict.fromkeys(counts(fleet), 0)


def test_nested_upsert_updates_the_related_record_or_creates_and_connects_it(fleet):
    a = fleet.carrier.create(carrier(20, trucks={"create": truck(20)}, tags={"create": {"name": "reefer"}}))
    b = fleet.carrier.create(carrier(21, trucks={"create": truck(21)}))
    # To-many: by a unique key among this carrier's trucks.
    fleet.carrier.update({"id": a["id"]}, {"trucks": {"upsert": [
        {"where": {"vin": truck(20)["vin"]}, "create": truck(20), "update": {"make": "Kenworth"}},
        {"where": {"vin": truck(22)["vin"]}, "create": truck(22), "update": {"make": "Mack"}}]}})
    assert [(t["vin"], t["make"]) for t in fleet.truck.find_many({"carrierId": a["id"]}, order_by={"vin": "asc"})] == [
        (truck(20)["vin"], "Kenworth"), (truck(22)["vin"], "Freightliner")]
    # Another carrier's truck is not "this carrier's": Prisma creates, and the VIN is taken.
    with pytest.raises(carrierdb.UniqueViolation):
        fleet.carrier.update({"id": a["id"]}, {"trucks": {"upsert": {"where": {"vin": truck(21)["vin"]}, "create": truck(21),
                                                                     "update": {"make": "Mack"}}}})
    theirs = fleet.truck.find_unique({"vin": truck(21)["vin"]})
    assert (theirs["make"], theirs["carrierId"]) == ("Freightliner", b["id"])
    # Many-to-many: the join row comes with the created tag.
    fleet.carrier.update({"id": a["id"]}, {"tags": {"upsert": [{"where": {"name": "reefer"}, "create": {"name": "reefer"}, "update": {"name": "Cold"}},
                                                               {"where": {"name": "hazmat"}, "create": {"name": "Hazmat"}, "update": {}}]}})
    assert tag_names(fleet, a["id"]) == ["cold", "hazmat"]
    # To-one, foreign key in this row: nothing connected yet, so the truck is created and linked; then updated.
    ld = fleet.load.create(load("LD000020", carrier={"connect": {"id": a["id"]}}))
    upsert = {"truck": {"upsert": {"create": truck(23, carrier={"connect": {"id": b["id"]}}), "update": {"make": "Volvo"}}}}
    ld = fleet.load.update({"id": ld["id"]}, upsert)
    assert fleet.truck.get(ld["truckId"])["vin"] == truck(23)["vin"]
    assert fleet.load.update({"id": ld["id"]}, upsert)["truckId"] == ld["truckId"] and fleet.truck.get(ld["truckId"])["make"] == "Volvo"
    # To-one, foreign key in the related row (the back side of a one-to-one).
    p = fleet.insurancePolicy.create(policy("POL-20", carrier={"connect": {"id": a["id"]}}))
    fleet.insurancePolicy.update({"id": p["id"]}, {"currentFor": {"upsert": {"create": carrier(24), "update": {"name": "Never"}}}})
    assert fleet.carrier.find_unique({"mcNumber": "MC100024"})["currentPolicyId"] == p["id"]
    fleet.insurancePolicy.update({"id": p["id"]}, {"currentFor": {"upsert": {"create": carrier(25), "update": {"name": "Current  Holder"}}}})
    assert fleet.carrier.find_unique({"mcNumber": "MC100024"})["name"] == "Current Holder" and fleet.carrier.count() == 3
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.update({"id": a["id"]}, {"trucks": {"upsert": [{"create": truck(26), "update": {}},
                                                                     {"where": {"vin": truck(27)["vin"]}, "create": truck(27, modelYear=1900), "update": {}}]}})
    assert [i["path"] for i in info.value.issues] == [["trucks", "upsert", "0"], ["trucks", "upsert", "1", "create", "modelYear"]]


def test_nested_update_many_changes_only_the_matching_related_records(fleet):
    a = fleet.carrier.create(carrier(30, trucks={"create": [truck(30), truck(31, make="Volvo"), truck(32)]},
                                      tags={"create": [{"name": "x-1"}, {"name": "y-1"}]}))
    b = fleet.carrier.create(carrier(31, trucks={"create": truck(33)}, tags={"create": {"name": "x-2"}}))
    fleet.carrier.update({"id": a["id"]}, {"trucks": {"updateMany": [{"where": {"make": "Freightliner"}, "data": {"status": "IN_SHOP"}},
                                                                     {"where": {"make": {"not": "Freightliner"}}, "data": {"modelYear": 2019}}]}})
    mine = {t["vin"]: t for t in fleet.truck.find_many({"carrierId": a["id"]})}
    assert [mine[truck(n)["vin"]]["status"] for n in (30, 31, 32)] == ["IN_SHOP", "IN_SERVICE", "IN_SHOP"]
    assert mine[truck(31)["vin"]]["modelYear"] == 2019 and mine[truck(30)["vin"]]["modelYear"] == 2021
    other = fleet.truck.find_unique({"vin": truck(33)["vin"]})
    assert (other["status"], other["carrierId"]) == ("IN_SERVICE", b["id"])  # the same make, another carrier
    fleet.carrier.update({"id": a["id"]}, {"tags": {"updateMany": {"where": {"name": {"startsWith": "x"}}, "data": {"name": "X-One"}}}})
    assert tag_names(fleet, a["id"]) == ["x-one", "y-1"] and tag_names(fleet, b["id"]) == ["x-2"]
    mistakes = {"trucks": {"updateMany": [{"where": {"colour": "red"}, "data": {"make": ""}}, {"where": {"inspections": {"some": {}}}, "data": {}},
                                          {"where": {}, "data": {"loads": {"create": []}}}, {"data": {}}]}}
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.update({"id": a["id"]}, mistakes)
    assert fleet.carrier.validate(mistakes, partial=True) == info.value.issues  # the same check, filters compiled alike
    assert [i["path"] for i in info.value.issues] == [["trucks", "updateMany", "0", "where", "colour"],
                                                      ["trucks", "updateMany", "0", "data", "make"],
                                                      ["trucks", "updateMany", "1", "where", "inspections"],
                                                      ["trucks", "updateMany", "2", "data", "loads"], ["trucks", "updateMany", "3"]]
    assert "relation filter on inspections is not available in updateMany or deleteMany" in info.value.issues[2]["message"]
    with pytest.raises(carrierdb.ValidationError, match=r"updateMany works on to-many relations"):
        fleet.truck.update({"vin": truck(30)["vin"]}, {"carrier": {"updateMany": {"where": {}, "data": {}}}})


def test_nested_delete_many_deletes_only_the_matching_related_records(fleet):
    a = fleet.carrier.create(carrier(40, trucks={"create": [truck(40), truck(41, make="Volvo"), truck(42, make="Volvo"), truck(43)]},
                                      tags={"create": [{"name": "a"}, {"name": "b"}]}))
    b = fleet.carrier.create(carrier(41, trucks={"create": truck(44, make="Volvo")}, tags={"create": {"name": "c"}}))
    fleet.carrier.update({"id": a["id"]}, {"trucks": {"deleteMany": {"make": "Volvo"}}})
    assert vins(fleet, a["id"]) == [truck(40)["vin"], truck(43)["vin"]] and vins(fleet, b["id"]) == [truck(44)["vin"]]
    fleet.carrier.update({"id": a["id"]}, {"trucks": {"deleteMany": [{"vin": truck(40)["vin"]}, {"OR": [{"unitNumber": "U43"}]}]}})
    assert vins(fleet, a["id"]) == []
    fleet.carrier.update({"id": a["id"]}, {"tags": {"deleteMany": {}}})  # the tags themselves go, as in Prisma
    assert [t["name"] for t in fleet.tag.find_many()] == ["c"] and tag_names(fleet, b["id"]) == ["c"]
    fleet.carrier.update({"id": b["id"]}, {"trucks": {"deleteMany": {}}})
    assert fleet.truck.count() == 0
    # A delete refused by onDelete: Restrict names the relation; nothing of the call stays.
    sub = fleet.carrier.create(carrier(42, parent={"connect": {"id": a["id"]}}, loads={"create": load("LD000042")}))
    with pytest.raises(carrierdb.ForeignKeyViolation, match=r"Load\.carrier: the Carrier with id \d+ is still referenced"):
        fleet.carrier.update({"id": a["id"]}, {"name": "Renamed", "subsidiaries": {"deleteMany": {}}})
    assert fleet.carrier.get(sub["id"])["parentId"] == a["id"] and fleet.carrier.get(a["id"])["name"] == "Carrier 40"
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.update({"id": a["id"]}, {"trucks": {"deleteMany": [{"make": {"within": ["x"]}}, "Volvo"]}})
    assert [i["path"] for i in info.value.issues] == [["trucks", "deleteMany", "0", "make", "within"], ["trucks", "deleteMany", "1"]]
