"""A record addressed by a compound id or compound unique as Prisma addresses it, under the
compound's name (`{"truckId_driverId": {"truckId": 1, "driverId": 2}}`; the name is `name:` of
@@id/@@unique, else the fields joined by `_`), in every place a unique key is taken: find_unique,
update, upsert, delete, cursor and nested connect/connectOrCreate/update/delete. The flat form
(`{"truckId": 1, "driverId": 2}`) keeps working. On the fleet example, on both backends."""

from __future__ import annotations

import pytest

import carrierdb
from fleet_data import fleet_database, vin


@pytest.fixture
def fleet(carrierdb_url, tmp_path):
    """The fleet example with carriers A (MC1: trucks U0, U1, U2) and B (fleet_data), and two drivers of A."""
    db, carriers = fleet_database(carrierdb_url, tmp_path)
    for n in (1, 2):
        db.driver.create({"firstName": "Ana", "lastName": f"Ruiz {n}", "licenseNumber": f"D10000{n}", "licenseState": "TX",
                          "licenseExpiresOn": "2027-01-01", "carrierId": carriers["A"]})
    yield db
    db.close()


def ids(db, model: str) -> list[int]:
    return [r["id"] for r in db.model(model).find_many(order_by={"id": "asc"})]


def issue_at(info, path: list[str]) -> dict:
    found = [i for i in info.value.issues if i["path"] == path]
    assert found, f"no issue at {path}: {info.value.issues}"
    return found[0]


def test_a_compound_id_addresses_a_record_under_its_default_name(fleet):
    trucks, drivers = ids(fleet, "Truck"), ids(fleet, "Driver")
    assignments = fleet.model("TruckDriver")
    assignments.create({"truckId": trucks[0], "driverId": drivers[0]})
    key = {"truckId_driverId": {"truckId": trucks[0], "driverId": drivers[0]}}
    assert assignments.find_unique(key)["driverId"] == drivers[0]
    assert assignments.find_unique({"truckId_driverId": {"truckId": trucks[0], "driverId": drivers[1]}}) is None
    assert assignments.update(key, {"isPrimary": True})["isPrimary"] is True
    assert assignments.find_unique({"truckId": trucks[0], "driverId": drivers[0]})["isPrimary"] is True  # the flat form too
    other = {"truckId_driverId": {"truckId": trucks[1], "driverId": drivers[0]}}
    assert assignments.upsert(other, create={"truckId": trucks[1], "driverId": drivers[0]}, update={})["truckId"] == trucks[1]
    assert assignments.upsert(other, create={"truckId": trucks[1], "driverId": drivers[0]}, update={"isPrimary": True})["isPrimary"] is True
    assert assignments.delete(key)["truckId"] == trucks[0]
    assert assignments.find_unique(key) is None
    with pytest.raises(carrierdb.NotFound, match="truckId = .*driverId = "):
        assignments.delete(key)
    assert assignments.count() == 1


def test_a_named_compound_unique_is_addressed_by_its_name_only(fleet):
    carrier_id = fleet.carrier.find_unique({"mcNumber": "MC1"})["id"]
    unit = {"unit": {"carrierId": carrier_id, "unitNumber": "U2"}}
    assert fleet.truck.find_unique(unit)["vin"] == vin(2)
    assert fleet.truck.update(unit, {"make": "Kenworth"})["make"] == "Kenworth"
    license_ = {"license": {"licenseNumber": "D100001", "licenseState": "TX"}}
    assert fleet.driver.find_unique(license_)["lastName"] == "Ruiz 1"
    assert fleet.driver.find_unique({"licenseNumber": "D100001", "licenseState": "TX"})["lastName"] == "Ruiz 1"
    # `name: "unit"` replaces the default name, as in Prisma's client.
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.truck.find_unique({"carrierId_unitNumber": {"carrierId": carrier_id, "unitNumber": "U2"}})
    assert issue_at(info, ["where", "carrierId_unitNumber"])["code"] == "unrecognized_keys"
    assert "unit: {carrierId, unitNumber}" in info.value.issues[0]["message"]
    assert fleet.truck.delete(unit)["unitNumber"] == "U2"
    assert fleet.truck.find_unique({"vin": vin(2)}) is None and fleet.truck.count() == 4


def test_a_misspelt_compound_or_part_and_a_missing_part_are_issues_at_their_path(fleet):
    assignments = fleet.model("TruckDriver")
    with pytest.raises(carrierdb.ValidationError) as info:
        assignments.find_unique({"truckId_driverid": {"truckId": 1, "driverId": 2}})
    assert "did you mean 'truckId_driverId'?" in issue_at(info, ["where", "truckId_driverid"])["message"]
    with pytest.raises(carrierdb.ValidationError) as info:
        assignments.update({"truckId_driverId": {"truckId": 1, "drverId": 2}}, {"isPrimary": True})
    assert "did you mean 'driverId'?" in issue_at(info, ["where", "truckId_driverId", "drverId"])["message"]
    issue_at(info, ["where", "truckId_driverId", "driverId"])  # and the part it then lacks
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.driver.delete({"license": {"licenseNumber": "D100001"}})
    missing = issue_at(info, ["where", "license", "licenseState"])
    assert "Required" in missing["message"] and "{licenseNumber, licenseState}" in missing["message"]
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.truck.find_unique({"unit": "U1"})
    assert "takes an object" in issue_at(info, ["where", "unit"])["message"]
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.truck.find_unique({"unit": {"carrierId": "one", "unitNumber": "U1"}})
    issue_at(info, ["where", "unit", "carrierId"])  # a part's value is typed like the field, at its path
    assert fleet.driver.count() == 2  # nothing was deleted


def test_a_cursor_takes_a_compound_key(fleet):
    trucks, drivers = ids(fleet, "Truck"), ids(fleet, "Driver")
    assignments = fleet.model("TruckDriver")
    for t in trucks:
        for d in drivers:
            assignments.create({"truckId": t, "driverId": d})
    order = [{"truckId": "asc"}, {"driverId": "asc"}]
    page = assignments.find_many(order_by=order, cursor={"truckId_driverId": {"truckId": trucks[0], "driverId": drivers[1]}}, take=2)
    assert [(r["truckId"], r["driverId"]) for r in page] == [(trucks[0], drivers[1]), (trucks[1], drivers[0])]
    with pytest.raises(carrierdb.ValidationError) as info:
        assignments.find_many(cursor={"truckId_driverId": {"truckId": trucks[0]}}, take=2)
    issue_at(info, ["cursor", "truckId_driverId", "driverId"])


def test_nested_writes_take_compound_keys_in_connect_connect_or_create_update_and_delete(fleet):
    carrier_id = fleet.carrier.find_unique({"mcNumber": "MC1"})["id"]
    assignments = fleet.model("TruckDriver")
    existing = {"license": {"licenseNumber": "D100002", "licenseState": "TX"}}
    new_driver = {"firstName": "X", "lastName": "Y", "licenseNumber": "D100002", "licenseState": "TX",
                  "licenseExpiresOn": "2027-01-01", "carrierId": carrier_id}
    row = assignments.create({"truck": {"connect": {"unit": {"carrierId": carrier_id, "unitNumber": "U1"}}},
                              "driver": {"connectOrCreate": {"where": existing, "create": new_driver}}})
    truck = fleet.truck.find_unique({"vin": vin(1)})
    driver = fleet.driver.find_unique({"license": {"licenseNumber": "D100002", "licenseState": "TX"}})
    assert (row["truckId"], row["driverId"]) == (truck["id"], driver["id"])
    assert fleet.driver.count() == 2  # connected, not created
    key = {"truckId_driverId": {"truckId": truck["id"], "driverId": driver["id"]}}
    fleet.truck.update({"unit": {"carrierId": carrier_id, "unitNumber": "U1"}},
                       {"drivers": {"update": {"where": key, "data": {"isPrimary": True}}}})
    assert assignments.find_unique(key)["isPrimary"] is True
    fleet.truck.update({"id": truck["id"]}, {"drivers": {"delete": key}})
    assert assignments.count() == 0
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.inspection.create({"reportNumber": "TX0001", "inspectedOn": "2024-10-01", "level": 1, "result": "PASSED",
                                 "truck": {"connect": {"units": {"carrierId": carrier_id, "unitNumber": "U1"}}}})
    assert "did you mean 'unit'?" in issue_at(info, ["truck", "connect", "units"])["message"]
    with pytest.raises(carrierdb.ValidationError) as info:
        fleet.inspection.create({"reportNumber": "TX0001", "inspectedOn": "2024-10-01", "level": 1, "result": "PASSED",
                                 "truck": {"connect": {"unit": {"carrierId": carrier_id}}}})
    issue_at(info, ["truck", "connect", "unit", "unitNumber"])
    assert fleet.inspection.count() == 0
