"""`schema check` beyond columns: foreign keys, indexes, key names, enums, defaults and native types,
compared both ways on both backends. Each test changes the deployed fleet example by hand, as a
teammate might, and expects exactly that one difference back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import carrierdb

FLEET = Path(__file__).resolve().parents[2] / "examples" / "fleet"


@pytest.fixture
def fleet(carrierdb_db, carrierdb_url, tmp_path: Path):
    """The fleet migrations deployed; a copy of its schema a test may change."""
    shutil.copytree(FLEET / "migrations", tmp_path / "fleet_migrations")
    assert carrierdb_db.migrations(tmp_path / "fleet_migrations").deploy().ok
    shutil.copy(FLEET / "schema.prisma", tmp_path / "schema.prisma")
    carrierdb_db.test_url = carrierdb_url  # db.url masks the password
    return carrierdb_db


def drift(db, tmp_path: Path) -> list[dict]:
    checker = carrierdb.connect(db.test_url, schema=str(tmp_path / "schema.prisma"))
    try:
        return checker.schema_drift()
    finally:
        checker.close()


def messages(db, tmp_path: Path) -> list[str]:
    return [d["message"] for d in drift(db, tmp_path)]


def rebuild_sqlite_table(db, table: str, old: str, new: str) -> None:
    """SQLite cannot alter a constraint or a column: rebuild the table from its CREATE TABLE text with
    `old` replaced by `new`, as a hand migration would, keeping its indexes."""
    sql = db.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1", [table])[0]["sql"]
    assert old in sql
    indexes = [r["sql"] for r in db.query("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL", [table])]
    rebuilt = sql.replace(old, new).replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "{table}_new"', 1)
    db.execute_script(";\n".join([rebuilt, f'DROP TABLE "{table}"', f'ALTER TABLE "{table}_new" RENAME TO "{table}"', *indexes]) + ";")


def test_the_deployed_fleet_shows_no_drift(fleet, tmp_path):
    assert drift(fleet, tmp_path) == []


def test_a_dropped_foreign_key_is_reported(fleet, tmp_path):
    if fleet.backend == "postgresql":
        fleet.execute("ALTER TABLE trucks DROP CONSTRAINT trucks_carrier_id_fkey")
    else:
        rebuild_sqlite_table(fleet, "trucks", ',\n    CONSTRAINT "trucks_carrier_id_fkey" FOREIGN KEY ("carrier_id") REFERENCES "carriers" ("id") ON DELETE CASCADE ON UPDATE CASCADE', "")
    items = drift(fleet, tmp_path)
    assert [(d["kind"], d["model"], d["field"], d["table"]) for d in items] == [("foreign_key", "Truck", "carrier", "trucks")]
    assert items[0]["message"] == (
        "schema says Truck.carrier (trucks.carrier_id) foreign key (carrier_id) references carriers (id) on delete CASCADE "
        "on update CASCADE, database has no foreign key on (carrier_id)"
    )


def test_a_foreign_key_the_schema_lacks_is_reported(fleet, tmp_path):
    if fleet.backend == "postgresql":
        fleet.execute('ALTER TABLE loads ADD CONSTRAINT loads_weight_fkey FOREIGN KEY (weight_lbs) REFERENCES trucks (id)')
    else:
        rebuild_sqlite_table(fleet, "loads", 'ON DELETE SET NULL ON UPDATE CASCADE\n)',
                             'ON DELETE SET NULL ON UPDATE CASCADE,\n    CONSTRAINT "loads_weight_fkey" FOREIGN KEY ("weight_lbs") REFERENCES "trucks" ("id")\n)')
    assert messages(fleet, tmp_path) == [
        "schema says loads no foreign key on (weight_lbs), database has foreign key (weight_lbs) references trucks (id) "
        "on delete NO ACTION on update NO ACTION"
    ]


def change_carrier_foreign_key(db, table: str, old: str, new: str) -> None:
    """Point `table`.carrier_id's foreign key at `new` (what follows REFERENCES) instead of `old`, as
    a hand migration would: dropped and added again on PostgreSQL, the table rebuilt on SQLite."""
    if db.backend == "postgresql":
        db.execute_script(f"ALTER TABLE {table} DROP CONSTRAINT {table}_carrier_id_fkey;"
                          f"ALTER TABLE {table} ADD CONSTRAINT {table}_carrier_id_fkey FOREIGN KEY (carrier_id) REFERENCES {new};")
    else:
        rebuild_sqlite_table(db, table, '("carrier_id") REFERENCES ' + old, '("carrier_id") REFERENCES ' + new)


def test_a_changed_referential_action_is_reported(fleet, tmp_path):
    change_carrier_foreign_key(fleet, "loads", '"carriers" ("id") ON DELETE RESTRICT ON UPDATE CASCADE', '"carriers" ("id") ON DELETE CASCADE ON UPDATE CASCADE')
    items = drift(fleet, tmp_path)
    assert [(d["kind"], d["model"], d["field"], d["column"]) for d in items] == [("referential_action", "Load", "carrier", "carrier_id")]
    assert items[0]["message"] == "schema says Load.carrier (loads.carrier_id) foreign key (carrier_id) on delete RESTRICT, database has on delete CASCADE"
    assert (items[0]["schema_says"], items[0]["database_has"]) == ("foreign key (carrier_id) on delete RESTRICT", "on delete CASCADE")


def test_a_changed_on_update_action_is_reported(fleet, tmp_path):
    change_carrier_foreign_key(fleet, "loads", '"carriers" ("id") ON DELETE RESTRICT ON UPDATE CASCADE', '"carriers" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT')
    items = drift(fleet, tmp_path)
    assert [(d["kind"], d["model"], d["field"], d["column"]) for d in items] == [("referential_action", "Load", "carrier", "carrier_id")]
    assert items[0]["message"] == "schema says Load.carrier (loads.carrier_id) foreign key (carrier_id) on update CASCADE, database has on update RESTRICT"


def test_a_foreign_key_to_another_table_is_reported(fleet, tmp_path):
    change_carrier_foreign_key(fleet, "trucks", '"carriers" ("id") ON DELETE CASCADE ON UPDATE CASCADE', '"drivers" ("id") ON DELETE CASCADE ON UPDATE CASCADE')
    items = drift(fleet, tmp_path)
    assert [(d["kind"], d["model"], d["field"], d["column"]) for d in items] == [("foreign_key", "Truck", "carrier", "carrier_id")]
    assert items[0]["message"] == (
        "schema says Truck.carrier (trucks.carrier_id) foreign key (carrier_id) references carriers (id), database has one referencing drivers (id)"
    )


def test_a_foreign_key_name_the_schema_maps_is_compared(fleet, tmp_path):
    schema = tmp_path / "schema.prisma"
    text = schema.read_text()
    old = "carrier     Carrier       @relation(fields: [carrierId], references: [id], onDelete: Cascade)"
    assert old in text
    schema.write_text(text.replace(old, old[:-1] + ', map: "trucks_owner_fkey")'))
    assert messages(fleet, tmp_path) == [
        "schema says Truck.carrier (trucks.carrier_id) foreign key (carrier_id) is named trucks_owner_fkey, database has it named trucks_carrier_id_fkey"
    ]


def test_a_dropped_index_and_an_extra_index_are_reported(fleet, tmp_path):
    fleet.execute("DROP INDEX loads_truck_id_idx")
    fleet.execute("CREATE INDEX trucks_make_idx ON trucks (make)")
    items = drift(fleet, tmp_path)
    assert [(d["kind"], d["model"], d["table"]) for d in items] == [("index", "Truck", "trucks"), ("index", "Load", "loads")]
    assert [d["message"] for d in items] == [
        "schema says trucks no index on (make), database has index trucks_make_idx (make)",
        "schema says loads index (truck_id), database has no index on (truck_id)",
    ]


def test_an_index_sort_order_is_compared(fleet, tmp_path):
    fleet.execute("DROP INDEX insurance_policies_carrier_id_expires_on_idx")
    fleet.execute("CREATE INDEX insurance_policies_carrier_id_expires_on_idx ON insurance_policies (carrier_id, expires_on)")
    assert messages(fleet, tmp_path) == [
        "schema says insurance_policies index (carrier_id, expires_on DESC), database has index "
        "insurance_policies_carrier_id_expires_on_idx (carrier_id, expires_on)"
    ]


@pytest.mark.postgres_only  # SQLite has one kind of index
def test_an_index_type_is_compared_on_postgresql(fleet, tmp_path):
    fleet.execute("DROP INDEX carriers_parent_id_idx")
    fleet.execute("CREATE INDEX carriers_parent_id_idx ON carriers USING hash (parent_id)")
    assert messages(fleet, tmp_path) == ["schema says carriers index (parent_id) using btree, database has index carriers_parent_id_idx using hash"]


def test_mapped_index_and_unique_names_are_compared(fleet, tmp_path):
    fleet.execute("DROP INDEX carriers_status_name_idx")
    fleet.execute("CREATE INDEX carriers_by_status_idx ON carriers (status, name)")
    fleet.execute("DROP INDEX drivers_license_key")
    fleet.execute("CREATE UNIQUE INDEX drivers_licence_key ON drivers (license_number, license_state)")
    assert sorted(messages(fleet, tmp_path)) == [
        "schema says carriers index (status, name) is named carriers_status_name_idx, database has it named carriers_by_status_idx",
        "schema says drivers unique (license_number, license_state) is named drivers_license_key, database has it named drivers_licence_key",
    ]


def test_the_join_table_index_is_the_schemas_too(fleet, tmp_path):
    fleet.execute('DROP INDEX "_CarrierToTag_B_index"')
    items = drift(fleet, tmp_path)
    assert [(d["kind"], d["model"], d["table"]) for d in items] == [("index", "Carrier", "_CarrierToTag")]
    assert items[0]["message"] == "schema says _CarrierToTag index (B), database has no index on (B)"


def test_a_renamed_enum_value_is_reported(fleet, tmp_path):
    if fleet.backend == "postgresql":
        fleet.execute("ALTER TYPE coverage_type RENAME VALUE 'PHYSICAL_DAMAGE' TO 'DAMAGE'")
        expected = [("enum", "CoverageType", None, "schema says enum CoverageType is type coverage_type with values "
                     "(LIABILITY, CARGO, PHYSICAL_DAMAGE), database has values (LIABILITY, CARGO, DAMAGE)")]
    else:  # the CHECK the project's SQLite migrations declare enums with
        rebuild_sqlite_table(fleet, "insurance_policies", "'PHYSICAL_DAMAGE'", "'DAMAGE'")
        expected = [("enum", "InsurancePolicy", "coverageType", "schema says InsurancePolicy.coverageType (insurance_policies.coverage_type) "
                     "takes the values of enum CoverageType (LIABILITY, CARGO, PHYSICAL_DAMAGE), database has CHECK values (LIABILITY, CARGO, DAMAGE)")]
    assert [(d["kind"], d["model"], d["field"], d["message"]) for d in drift(fleet, tmp_path)] == expected


def test_enum_values_follow_map(fleet, tmp_path):
    schema = tmp_path / "schema.prisma"
    schema.write_text(schema.read_text().replace("  PHYSICAL_DAMAGE\n", '  PHYSICAL_DAMAGE @map("DAMAGE")\n'))
    assert len(drift(fleet, tmp_path)) == 1  # the database still says PHYSICAL_DAMAGE
    if fleet.backend == "postgresql":
        fleet.execute("ALTER TYPE coverage_type RENAME VALUE 'PHYSICAL_DAMAGE' TO 'DAMAGE'")
    else:
        rebuild_sqlite_table(fleet, "insurance_policies", "'PHYSICAL_DAMAGE'", "'DAMAGE'")
    assert drift(fleet, tmp_path) == []


@pytest.mark.postgres_only  # enum types exist on PostgreSQL only
def test_an_enum_type_the_schema_lacks_is_reported(fleet, tmp_path):
    fleet.execute("CREATE TYPE mood AS ENUM ('calm', 'busy')")
    assert messages(fleet, tmp_path) == ["database has enum type mood with values (calm, busy), schema has no enum for it"]


def test_changed_and_dropped_defaults_are_reported(fleet, tmp_path):
    if fleet.backend == "postgresql":
        fleet.execute("ALTER TABLE inspections ALTER COLUMN violations SET DEFAULT 1")
        fleet.execute("ALTER TABLE trucks ALTER COLUMN status SET DEFAULT 'IN_SHOP'")
        fleet.execute("ALTER TABLE carriers ALTER COLUMN created_at DROP DEFAULT")
    else:
        rebuild_sqlite_table(fleet, "inspections", '"violations" INTEGER NOT NULL DEFAULT 0', '"violations" INTEGER NOT NULL DEFAULT 1')
        rebuild_sqlite_table(fleet, "trucks", "DEFAULT 'IN_SERVICE'", "DEFAULT 'IN_SHOP'")
        rebuild_sqlite_table(fleet, "carriers", '"created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP', '"created_at" DATETIME NOT NULL')
    items = drift(fleet, tmp_path)
    assert sorted((d["kind"], d["model"], d["field"], d["schema_says"]) for d in items) == [
        ("default", "Carrier", "createdAt", "has default now()"),
        ("default", "Inspection", "violations", "has default 0"),
        ("default", "Truck", "status", "has default IN_SERVICE"),
    ]
    has = {d["field"]: d["database_has"] for d in items}
    assert has["violations"] == "default 1" and has["createdAt"] == "no default"
    assert has["status"] in ("default 'IN_SHOP'", "default 'IN_SHOP'::\"TruckStatus\"")


def test_a_changed_column_type_is_reported(fleet, tmp_path):
    if fleet.backend == "postgresql":  # @db.Char(2) made VARCHAR(2)
        fleet.execute("ALTER TABLE drivers ALTER COLUMN license_state TYPE VARCHAR(2)")
        expected = "schema says Driver.licenseState (drivers.license_state) is character(2), database has character varying(2)"
    else:
        rebuild_sqlite_table(fleet, "trucks", '"model_year" INTEGER NOT NULL', '"model_year" TEXT NOT NULL')
        expected = "schema says Truck.modelYear (trucks.model_year) is integer, database has text"
    assert messages(fleet, tmp_path) == [expected]


def test_schema_check_exit_codes_on_the_fleet(fleet, tmp_path, run_cli):
    check = ("schema", "check", "--schema", str(tmp_path / "schema.prisma"), "--url", fleet.test_url)
    in_sync = run_cli(*check)
    assert in_sync.returncode == 0, in_sync.stdout + in_sync.stderr
    fleet.execute("DROP INDEX loads_driver_id_idx")
    drifted = run_cli(*check)
    assert drifted.returncode == 1
    assert "drift: schema says loads index (driver_id), database has no index on (driver_id)" in drifted.stdout


# What `prisma migrate diff --from-empty` (Prisma 6.19.3) wrote for this schema, on each provider
# (SQLite: plus the CHECK the project's migrations give enum columns; Prisma's `DEFAULT {}` for Json
# is not valid SQLite, so j has none).
NATIVES = {
    "postgresql": (
        """
enum Kind {
  A
  B @map("bee")
  @@map("kind")
}
model Native {
  id    String   @id @default(uuid()) @db.Uuid
  cu    String   @default(cuid())
  t     String   @db.Text
  c     String   @db.Char(2)
  c0    String   @db.Char
  v     String   @db.VarChar
  v9    String   @db.VarChar(9)
  bit   String   @db.Bit(3)
  bit0  String   @db.Bit
  vb    String   @db.VarBit
  xml   String   @db.Xml
  inet  String   @db.Inet
  bool  Boolean  @db.Boolean @default(true)
  i     Int      @db.Integer @default(-1)
  si    Int      @db.SmallInt
  oid   Int      @db.Oid
  bi    BigInt   @db.BigInt @default(5)
  dp    Float    @db.DoublePrecision @default(1.5)
  r     Float    @db.Real
  d     Decimal  @db.Decimal(10, 2) @default(0)
  d0    Decimal
  dd    Decimal  @db.Decimal
  m     Decimal  @db.Money
  ts    DateTime @db.Timestamp
  ts6   DateTime @db.Timestamp(6)
  tz    DateTime @db.Timestamptz
  tz3   DateTime @db.Timestamptz(3)
  dt    DateTime @db.Date
  tm    DateTime @db.Time
  tm2   DateTime @db.Time(2)
  ttz   DateTime @db.Timetz
  j     Json     @db.Json
  jb    Json     @db.JsonB @default("{}")
  ba    Bytes    @db.ByteA
  s     String   @default("it's")
  k     Kind     @default(B)
  f     Float
  dtn   DateTime @default(now())
  g     String   @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  @@index([si], type: Hash)
  @@index([si, r(sort: Desc)])
  @@index([jb], type: Gin)
}
""",
        """
CREATE TYPE "kind" AS ENUM ('A', 'bee');
CREATE TABLE "Native" (
    "id" UUID NOT NULL, "cu" TEXT NOT NULL, "t" TEXT NOT NULL, "c" CHAR(2) NOT NULL, "c0" CHAR NOT NULL,
    "v" VARCHAR NOT NULL, "v9" VARCHAR(9) NOT NULL, "bit" BIT(3) NOT NULL, "bit0" BIT NOT NULL, "vb" VARBIT NOT NULL,
    "xml" XML NOT NULL, "inet" INET NOT NULL, "bool" BOOLEAN NOT NULL DEFAULT true, "i" INTEGER NOT NULL DEFAULT -1,
    "si" SMALLINT NOT NULL, "oid" OID NOT NULL, "bi" BIGINT NOT NULL DEFAULT 5, "dp" DOUBLE PRECISION NOT NULL DEFAULT 1.5,
    "r" REAL NOT NULL, "d" DECIMAL(10,2) NOT NULL DEFAULT 0, "d0" DECIMAL(65,30) NOT NULL, "dd" DECIMAL NOT NULL,
    "m" MONEY NOT NULL, "ts" TIMESTAMP NOT NULL, "ts6" TIMESTAMP(6) NOT NULL, "tz" TIMESTAMPTZ NOT NULL,
    "tz3" TIMESTAMPTZ(3) NOT NULL, "dt" DATE NOT NULL, "tm" TIME NOT NULL, "tm2" TIME(2) NOT NULL, "ttz" TIMETZ NOT NULL,
    "j" JSON NOT NULL, "jb" JSONB NOT NULL DEFAULT '{}', "ba" BYTEA NOT NULL, "s" TEXT NOT NULL DEFAULT 'it''s',
    "k" "kind" NOT NULL DEFAULT 'bee', "f" DOUBLE PRECISION NOT NULL, "dtn" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "g" UUID NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT "Native_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Native_si_idx" ON "Native" USING HASH ("si");
CREATE INDEX "Native_si_r_idx" ON "Native"("si", "r" DESC);
CREATE INDEX "Native_jb_idx" ON "Native" USING GIN ("jb");
""",
    ),
    "sqlite": (
        """
enum Kind {
  A
  B @map("bee")
}
model Native {
  id    Int      @id @default(autoincrement())
  u     String   @default(uuid())
  s     String   @default("it's")
  b     Boolean  @default(true)
  i     Int      @default(-1)
  bi    BigInt   @default(5)
  f     Float    @default(1.5)
  d     Decimal  @default(0)
  dt    DateTime @default(now())
  j     Json
  by    Bytes
  k     Kind     @default(B)
  @@index([i, f(sort: Desc)])
}
""",
        """
CREATE TABLE "Native" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "u" TEXT NOT NULL, "s" TEXT NOT NULL DEFAULT 'it''s',
    "b" BOOLEAN NOT NULL DEFAULT true, "i" INTEGER NOT NULL DEFAULT -1, "bi" BIGINT NOT NULL DEFAULT 5,
    "f" REAL NOT NULL DEFAULT 1.5, "d" DECIMAL NOT NULL DEFAULT 0, "dt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "j" JSONB NOT NULL, "by" BLOB NOT NULL, "k" TEXT NOT NULL DEFAULT 'bee' CHECK ("k" IN ('A', 'bee'))
);
CREATE INDEX "Native_i_f_idx" ON "Native"("i", "f" DESC);
""",
    ),
}


def test_prismas_own_ddl_for_every_type_and_default_shows_no_drift(carrierdb_db, carrierdb_url, tmp_path):
    carrierdb_db.test_url = carrierdb_url
    backend = carrierdb_db.backend
    model, ddl = NATIVES[backend]
    path = tmp_path / "schema.prisma"
    path.write_text('datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n%s' % (backend, model))
    carrierdb_db.execute_script(ddl)
    assert drift(carrierdb_db, tmp_path) == []
    # uuid() is the client's: a database default on that column is drift.
    if backend == "postgresql":
        carrierdb_db.execute('ALTER TABLE "Native" ALTER COLUMN id SET DEFAULT gen_random_uuid()')
        assert messages(carrierdb_db, tmp_path) == [
            "schema says Native.id (Native.id) has no database default (uuid() is computed by the client), database has default gen_random_uuid()"
        ]


def test_an_int_id_without_autoincrement_is_told_apart(carrierdb_db, carrierdb_url, tmp_path):
    """Prisma writes SQLite's AUTOINCREMENT (PostgreSQL's SERIAL) for autoincrement() only; a plain
    INTEGER PRIMARY KEY numbers rows too on SQLite, but is what `Int @id` alone creates."""
    carrierdb_db.test_url = carrierdb_url
    backend = carrierdb_db.backend
    path = tmp_path / "schema.prisma"
    datasource = 'datasource db {\n  provider = "%s"\n  url = env("DATABASE_URL")\n}\n' % backend
    carrierdb_db.execute('CREATE TABLE "Plain" ("id" INTEGER NOT NULL PRIMARY KEY)')
    path.write_text(datasource + "model Plain {\n  id Int @id\n}\n")
    assert drift(carrierdb_db, tmp_path) == []
    path.write_text(datasource + "model Plain {\n  id Int @id @default(autoincrement())\n}\n")
    assert messages(carrierdb_db, tmp_path) == ["schema says Plain.id (Plain.id) has default autoincrement(), database has no default"]
