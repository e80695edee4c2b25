"""Prisma's nested writes through the repository on the fleet example, on both backends: one test per
verb (create, connect, connectOrCreate, disconnect, set, update, delete) on to-one, to-many and
many-to-many relations; atomicity; whole-payload validation; foreign-key messages; referential actions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import carrierdb

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"


@pytest.fixture
def fleet(carrierdb_url, tmp_path):
    """The fleet migrations deployed, and a handle on the fleet schema."""
    folder = tmp_path / "fleet_migrations"
    shutil.copytree(FLEET / "migrations", folder)
    db = carrierdb.connect(carrierdb_url, schema=str(FLEET / "schema.prisma"))
    assert db.migrations(folder).deploy().ok
    yield db
    db.close()


def carrier(n: int, **extra) -> dict:
    return {"name": f"Carrier {n}", "mcNumber": f"MC{100000 + n}", "dotNumber": f"{1000000 + n}", **extra}


def truck(n: int, **extra) -> dict:
    return {"vin": f"1FUJGLDR5CLBP{n:04d}", "unitNumber": f"U{n}", "make": "Freightliner", "modelYear": 2021, **extra}


def inspection(report: str) -> dict:
    return {"reportNumber": report, "inspectedOn": "2024-10-01", "level": 1, "result": "PASSED"}


def driver(number: str) -> dict:
    return {"firstName": "Ana", "lastName": "Ruiz", "licenseNumber": number, "licenseState": "TX", "licenseExpiresOn": "2027-01-01"}


def load(ref: str, **extra) -> dict:
    return {"referenceNumber": ref, "origin": "Dallas, TX", "destination": "Tulsa, OK", "pickupAt": "2024-11-02 08:00:00",
            "weightLbs": 42000, "rate": "1850.00", **extra}


def policy(number: str, **extra) -> dict:
    return {"policyNumber": number, "insurer": "Great West", "coverageAmount": "1000000.00", "effectiveOn": "2024-01-01",
            "expiresOn": "2025-01-01", **extra}


def tag_names(db, carrier_id: int) -> list[str]:
    rows = db.query('SELECT t.name FROM tags t JOIN "_CarrierToTag" j ON j."B" = t.id WHERE j."A" = $1 ORDER BY t.name', [carrier_id])
    return [r["name"] for r in rows]


def counts(db) -> dict:
    tables = ["carriers", "trucks", "inspections", "drivers", "tags", "_CarrierToTag", "insurance_policies", "loads"]
    return {t: db.query(f'SELECT count(*) AS n FROM "{t}"')[0]["n"] for t in tables}


# -- create ----------------------------------------------------------------------------------------


def test_nested_create_writes_children_at_any_depth_with_the_new_ids(fleet):
    c = fleet.carrier.create(carrier(1, trucks={"create": [truck(1, inspections={"create": [inspection("TX0001"), inspection("TX0002")]}),
                                                           truck(2)]},
                                     drivers={"create": driver("D100001")}, tags={"create": [{"name": "Hazmat"}]}))
    assert c["mcNumber"] == "MC100001" and "trucks" not in c
    trucks = fleet.truck.find_many({"carrierId": c["id"]}, order_by={"vin": "asc"})
    assert [t["vin"] for t in trucks] == ["1FUJGLDR5CLBP0001", "1FUJGLDR5CLBP0002"]
    reports = fleet.inspection.find_many({"truckId": trucks[0]["id"]}, order_by={"reportNumber": "asc"})
    assert [r["reportNumber"] for r in reports] == ["TX0001", "TX0002"]
    assert fleet.driver.count({"carrierId": c["id"]}) == 1
    assert tag_names(fleet, c["id"]) == ["hazmat"]  # normalised like any create


def test_nested_create_of_a_to_one_relation_writes_the_parent_first(fleet):
    t = fleet.truck.create(truck(3, carrier={"create": carrier(3)}))
    assert t["carrierId"] == fleet.carrier.find_unique({"mcNumber": "MC100003"})["id"]


def test_connect_links_existing_records_by_a_unique_key(fleet):
    a, b = fleet.carrier.create(carrier(4)), fleet.carrier.create(carrier(5))
    t = fleet.truck.create(truck(4, carrier={"connect": {"mcNumber": "mc-100004"}}))  # looked up normalised
    assert t["carrierId"] == a["id"]
    fleet.carrier.update({"id": b["id"]}, {"trucks": {"connect": [{"vin": t["vin"]}]}})  # to-many: moves the truck
    assert fleet.truck.get(t["id"])["carrierId"] == b["id"]
    fleet.tag.create({"name": "reefer"})
    fleet.carrier.update({"id": a["id"]}, {"tags": {"connect": {"name": "reefer"}}})
    fleet.carrier.update({"id": a["id"]}, {"tags": {"connect": {"name": "reefer"}}})  # already connected: no error, one row
    assert tag_names(fleet, a["id"]) == ["reefer"]


def test_connect_to_a_missing_record_is_not_found_and_writes_nothing(fleet):
    with pytest.raises(carrierdb.NotFound, match=r"no Carrier with mcNumber = 'MC999999' for carrier\.connect \(Prisma P2025\)"):
        fleet.truck.create(truck(6, carrier={"connect": {"mcNumber": "MC999999"}}))
    with pytest.raises(carrierdb.NotFound, match=r"no Tag with name = 'nope' for tags\.connect\.1"):
        fleet.carrier.create(carrier(6, tags={"create": [{"name": "made"}], "connect": [{"name": "made"}, {"name": "nope"}]}))
    assert counts(fleet) == dict.fromkeys(counts(fleet), 0)


def test_connect_or_create_connects_an_existing_record_or_creates_it(fleet):
    fleet.tag.create({"name": "hazmat"})
    c = fleet.carrier.create(carrier(7, tags={"connectOrCreate": [{"where": {"name": "hazmat"}, "create": {"name": "hazmat"}},
                                                                  {"where": {"name": "reefer"}, "create": {"name": "reefer"}}]}))
    assert tag_names(fleet, c["id"]) == ["hazmat", "reefer"] and fleet.tag.count() == 2
    t = fleet.truck.create(truck(7, carrier={"connectOrCreate": {"where": {"mcNumber": "MC100007"}, "create": carrier(70)}}))
    assert t["carrierId"] == c["id"]
    t = fleet.truck.create(truck(8, carrier={"connectOrCreate": {"where": {"mcNumber": "MC100008"}, "create": carrier(8)}}))
    assert t["carrierId"] == fleet.carrier.find_unique({"mcNumber": "MC100008"})["id"]
    fleet.carrier.update({"id": c["id"]}, {"trucks": {"connectOrCreate": [{"where": {"vin": t["vin"]}, "create": truck(80)},
                                                                          {"where": {"vin": truck(9)["vin"]}, "create": truck(9)}]}})
    assert sorted(x["vin"] for x in fleet.truck.find_many({"carrierId": c["id"]})) == [truck(n)["vin"] for n in (7, 8, 9)]


# -- update ----------------------------------------------------------------------------------------


def test_disconnect_to_one_to_many_and_many_to_many(fleet):
    parent = fleet.carrier.create(carrier(10, tags={"create": [{"name": "a"}, {"name": "b"}]}))
    child = fleet.carrier.create(carrier(11, parent={"connect": {"id": parent["id"]}}))
    other = fleet.carrier.create(carrier(12, parent={"connect": {"id": parent["id"]}}))
    assert child["parentId"] == parent["id"]
    assert fleet.carrier.update({"id": child["id"]}, {"parent": {"disconnect": True}})["parentId"] is None
    fleet.carrier.update({"id": parent["id"]}, {"subsidiaries": {"disconnect": [{"id": other["id"]}]}, "tags": {"disconnect": {"name": "a"}}})
    assert fleet.carrier.get(other["id"])["parentId"] is None
    assert tag_names(fleet, parent["id"]) == ["b"] and fleet.tag.count() == 2  # the tag stays, only the link goes


def test_disconnect_or_set_on_a_required_relation_is_refused_before_writing(fleet):
    c = fleet.carrier.create(carrier(13, trucks={"create": truck(13)}))
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.update({"id": c["id"]}, {"name": "Renamed", "trucks": {"disconnect": {"vin": truck(13)["vin"]}, "set": []}})
    assert [i["path"] for i in info.value.issues] == [["trucks", "disconnect"], ["trucks", "set"]]
    assert "Truck.carrier is required" in info.value.issues[0]["message"]
    assert fleet.carrier.get(c["id"])["name"] == "Carrier 13" and fleet.truck.count() == 1


def test_set_replaces_the_related_records(fleet):
    c = fleet.carrier.create(carrier(14, tags={"create": [{"name": "a"}, {"name": "b"}]}))
    fleet.tag.create({"name": "c"})
    fleet.carrier.update({"id": c["id"]}, {"tags": {"set": [{"name": "b"}, {"name": "c"}]}})
    assert tag_names(fleet, c["id"]) == ["b", "c"]
    subs = [fleet.carrier.create(carrier(n, parent={"connect": {"id": c["id"]}})) for n in (15, 16)]
    loner = fleet.carrier.create(carrier(17))
    fleet.carrier.update({"id": c["id"]}, {"subsidiaries": {"set": [{"id": loner["id"]}]}})
    assert [s["id"] for s in fleet.carrier.find_many({"parentId": c["id"]})] == [loner["id"]]
    assert all(fleet.carrier.get(s["id"])["parentId"] is None for s in subs)
    with pytest.raises(carrierdb.NotFound):  # a missing member: nothing changes
        fleet.carrier.update({"id": c["id"]}, {"tags": {"set": [{"name": "a"}, {"name": "zzz"}]}})
    assert tag_names(fleet, c["id"]) == ["b", "c"]
    with pytest.raises(carrierdb.NotFound, match=r"no Carrier with id = 999999 to update"):
        fleet.carrier.update({"id": 999999}, {"tags": {"set": []}})


def test_nested_update_of_to_many_and_to_one_relations(fleet):
    a = fleet.carrier.create(carrier(18, trucks={"create": [truck(18), truck(19)]}))
    b = fleet.carrier.create(carrier(20, trucks={"create": truck(20)}))
    fleet.carrier.update({"id": a["id"]}, {"trucks": {"update": {"where": {"vin": truck(19)["vin"]},
                                                                "data": {"make": "Kenworth", "inspections": {"create": inspection("OK0001")}}}}})
    changed = fleet.truck.find_unique({"vin": truck(19)["vin"]})
    assert changed["make"] == "Kenworth" and fleet.inspection.count({"truckId": changed["id"]}) == 1
    t = fleet.truck.update({"vin": truck(18)["vin"]}, {"unitNumber": "U99", "carrier": {"update": {"name": "Acme   West"}}})
    assert t["unitNumber"] == "U99" and fleet.carrier.get(a["id"])["name"] == "Acme West"
    with pytest.raises(carrierdb.NotFound, match=r"no Truck with vin = '1FUJGLDR5CLBP0020' connected to this Carrier for trucks\.update"):
        fleet.carrier.update({"id": a["id"]}, {"trucks": {"update": {"where": {"vin": truck(20)["vin"]}, "data": {"make": "Mack"}}}})
    assert fleet.truck.find_unique({"vin": truck(20)["vin"]})["make"] == "Freightliner" and b["id"]


def test_nested_delete_of_to_many_to_one_and_many_to_many_members(fleet):
    c = fleet.carrier.create(carrier(21, trucks={"create": [truck(21, inspections={"create": inspection("TX0021")}), truck(22)]},
                                      tags={"create": {"name": "gone"}}))
    fleet.carrier.update({"id": c["id"]}, {"trucks": {"delete": [{"vin": truck(21)["vin"]}]}})
    assert [t["vin"] for t in fleet.truck.find_many()] == [truck(22)["vin"]] and fleet.inspection.count() == 0
    fleet.carrier.update({"id": c["id"]}, {"tags": {"update": {"where": {"name": "gone"}, "data": {"name": "Going"}}}})
    assert tag_names(fleet, c["id"]) == ["going"]
    fleet.carrier.update({"id": c["id"]}, {"tags": {"delete": {"name": "going"}}})
    assert fleet.tag.count() == 0 and tag_names(fleet, c["id"]) == []
    fleet.tag.create({"name": "elsewhere"})
    with pytest.raises(carrierdb.NotFound, match=r"no Tag with name = 'elsewhere' connected to this Carrier for tags\.delete"):
        fleet.carrier.update({"id": c["id"]}, {"tags": {"delete": {"name": "elsewhere"}}})
    ld = fleet.load.create(load("LD000021", carrier={"connect": {"id": c["id"]}}, truck={"connect": {"vin": truck(22)["vin"]}}))
    assert ld["truckId"] is not None
    assert fleet.load.update({"id": ld["id"]}, {"truck": {"delete": True}})["truckId"] is None
    assert fleet.truck.count() == 0
    with pytest.raises(carrierdb.NotFound, match=r"no Truck connected to this Load through truck for truck\.delete"):
        fleet.load.update({"id": ld["id"]}, {"truck": {"delete": True}})


def test_the_back_side_of_a_one_to_one_relation_connects_and_disconnects(fleet):
    c = fleet.carrier.create(carrier(23))
    p1 = fleet.insurancePolicy.create(policy("POL-1", carrier={"connect": {"id": c["id"]}}, currentFor={"connect": {"id": c["id"]}}))
    assert fleet.carrier.get(c["id"])["currentPolicyId"] == p1["id"]
    fleet.carrier.update({"id": c["id"]}, {"currentPolicy": {"create": policy("POL-2", carrier={"connect": {"id": c["id"]}})}})
    p2 = fleet.insurancePolicy.find_unique({"policyNumber": "POL-2"})
    assert fleet.carrier.get(c["id"])["currentPolicyId"] == p2["id"]
    fleet.insurancePolicy.update({"id": p2["id"]}, {"currentFor": {"disconnect": True}})
    assert fleet.carrier.get(c["id"])["currentPolicyId"] is None


# -- atomicity and validation ----------------------------------------------------------------------


def test_a_failing_nested_child_leaves_nothing_written(fleet):
    fleet.truck.create(truck(30, carrier={"create": carrier(30)}))
    before = counts(fleet)
    with pytest.raises(carrierdb.UniqueViolation):  # valid payload; the third truck's VIN exists
        fleet.carrier.create(carrier(31, tags={"create": {"name": "x"}}, trucks={"create": [truck(31), truck(32), truck(30)]}))
    assert counts(fleet) == before


def test_inside_an_open_transaction_only_the_nested_write_is_undone(fleet):
    with fleet.transaction():
        kept = fleet.carrier.create(carrier(33))
        with pytest.raises(carrierdb.NotFound):
            fleet.carrier.create(carrier(34, trucks={"create": truck(34)}, tags={"connect": {"name": "missing"}}))
        fleet.truck.create(truck(35, carrier={"connect": {"id": kept["id"]}}))
    assert [c["mcNumber"] for c in fleet.carrier.find_many()] == ["MC100033"]
    assert [t["vin"] for t in fleet.truck.find_many()] == [truck(35)["vin"]]


def test_the_whole_payload_is_validated_first_with_every_issue_at_its_path(fleet):
    payload = carrier(40, mcNumber="bad", trucks={"create": [truck(40), truck(41, vin="IIII"), {**truck(42), "make": "", "carrierId": 1}]},
                      tags={"create": [{"name": "Not A Tag!"}], "upsert": {}}, parent={"connect": {"name": "x"}})
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.create(payload)
    paths = [i["path"] for i in info.value.issues]
    assert paths == [["trucks", "create", "1", "vin"], ["trucks", "create", "2", "carrierId"], ["trucks", "create", "2", "make"],
                     ["tags", "create", "0", "name"], ["tags", "upsert"], ["parent", "connect"], ["mcNumber"]]
    assert "trucks.create.1.vin: VIN must be 17 characters without I, O or Q" in str(info.value)
    assert fleet.carrier.validate(payload) == info.value.issues  # the same check, without the database
    assert counts(fleet) == dict.fromkeys(counts(fleet), 0)


def test_relation_payload_mistakes_are_named(fleet):
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.truck.create({**truck(43), "carrier": {"link": {"id": 1}}})
    assert info.value.issues[0]["path"] == ["carrier", "link"] and info.value.issues[0]["code"] == "unrecognized_keys"
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.truck.create(truck(44, inspections={"create": inspection("TX0044")}))
    assert [(i["path"], i["message"][:8]) for i in info.value.issues] == [(["carrier"], "Required")]
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.truck.create(truck(45, carrier={"connect": {"id": 1}, "create": carrier(45)}))
    assert "a to-one relation takes one nested write" in info.value.issues[0]["message"]
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.carrier.create(carrier(46, trucks={"create": truck(46, carrier={"connect": {"id": 1}})}))
    assert info.value.issues[0]["path"] == ["trucks", "create", "carrier"]


# -- foreign keys ----------------------------------------------------------------------------------


def test_a_missing_referenced_record_is_a_foreign_key_violation_naming_the_relation(fleet):
    with pytest.raises(carrierdb.ForeignKeyViolation) as info:
        fleet.truck.create(truck(50, carrierId=999))
    assert str(info.value).startswith("Foreign key constraint failed on Truck.carrier: no Carrier with id 999 (carrierId)")
    assert info.value.fields == ["carrierId"] and info.value.values == ["999"]
    c = fleet.carrier.create(carrier(50, trucks={"create": truck(51)}))
    with pytest.raises(carrierdb.ForeignKeyViolation, match=r"Load\.driver: no Driver with id 777 \(driverId\)"):
        fleet.load.create(load("LD000050", carrierId=c["id"], driverId=777))
    with pytest.raises(carrierdb.ForeignKeyViolation, match=r"Truck\.carrier: no Carrier with id 998 \(carrierId\)"):
        fleet.truck.update({"vin": truck(51)["vin"]}, {"carrierId": 998})
    assert fleet.truck.find_unique({"vin": truck(51)["vin"]})["carrierId"] == c["id"]


def test_deleting_a_carrier_cascades_restricts_and_sets_null_through_the_repository(fleet):
    parent = fleet.carrier.create(carrier(60, trucks={"create": truck(60, inspections={"create": inspection("TX0060")})},
                                          drivers={"create": driver("D600001")}))
    child = fleet.carrier.create(carrier(61, parent={"connect": {"id": parent["id"]}}))
    ld = fleet.load.create(load("LD000060", carrier={"connect": {"id": parent["id"]}}, driver={"connect": {"licenseNumber": "D600001", "licenseState": "TX"}}))
    with pytest.raises(carrierdb.ForeignKeyViolation) as info:
        fleet.carrier.delete({"id": parent["id"]})
    assert str(info.value).startswith(
        f"Foreign key constraint failed on Load.carrier: the Carrier with id {parent['id']} is still referenced by Load records (onDelete: Restrict)")
    assert info.value.fields == ["carrierId"] and info.value.values == [str(parent["id"])]
    with pytest.raises(carrierdb.ForeignKeyViolation, match=r"Load\.carrier: the Carrier with id \d+ is still referenced"):
        fleet.carrier.delete_many({"mcNumber": {"startsWith": "MC1000"}})
    assert fleet.carrier.count() == 2 and fleet.truck.count() == 1
    fleet.driver.delete({"licenseNumber": "D600001", "licenseState": "TX"})  # SetNull
    assert fleet.load.get(ld["id"])["driverId"] is None
    fleet.load.delete({"id": ld["id"]})
    fleet.carrier.delete({"id": parent["id"]})  # Cascade: trucks and their inspections; SetNull: the subsidiary's parent
    assert (fleet.truck.count(), fleet.inspection.count(), fleet.driver.count()) == (0, 0, 0)
    assert fleet.carrier.get(child["id"])["parentId"] is None
