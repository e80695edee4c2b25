"""Type stubs for carrierdb's C++ core. Import the `carrierdb` package, not this module."""

from typing import Any, Callable, Iterable, Optional, Sequence

class CarrierDBError(Exception):
    message: str
    hint: Optional[str]
class InterfaceError(CarrierDBError): ...
class ConfigurationError(InterfaceError, ValueError): ...
class DatabaseError(CarrierDBError):
    sqlstate: Optional[str]
    native_code: Optional[int]
    server_message: Optional[str]
    detail: Optional[str]
    constraint: Optional[str]
    table: Optional[str]
    columns: list[str]
    values: list[str]
    fields: list[str]
    position: Optional[int]
    statement: Optional[str]
    statement_line: Optional[int]
class OperationalError(DatabaseError):
    """The database could not do it now: unreachable, timed out, read-only."""
class ConnectionFailed(OperationalError, ConnectionError):
    """Unreachable, wrong password, missing database, bad SQLite path, missing file with create=False."""
class OperationTimeout(OperationalError, TimeoutError):
    """statement_timeout, a lock wait or a pool checkout ran out of time."""
class ReadOnlyError(OperationalError):
    """A hot standby, a read-only session, SQLite file or directory."""
class ProgrammingError(DatabaseError):
    """Syntax error (server text and position), unknown table, wrong parameter count."""
class DataError(DatabaseError):
    """A bad value: NUL byte in PostgreSQL text, a parameter that is not UTF-8."""
class IntegrityError(DatabaseError):
    """A constraint refused the change; the subclasses name which kind."""
class UniqueViolation(IntegrityError): ...
class ForeignKeyViolation(IntegrityError): ...
class NotNullViolation(IntegrityError): ...
class CheckViolation(IntegrityError): ...
class InternalError(DatabaseError):
    """The server (or SQLite) failed internally."""
class MigrationError(CarrierDBError):
    """About the project's migration history, not a database's answer (a sibling of DatabaseError)."""
    migration: Optional[str]
    file: Optional[str]
    line: Optional[int]
    stored_checksum: Optional[str]
    current_checksum: Optional[str]
class MigrationFileError(MigrationError):
    """Malformed folder name, unreadable file, bad migration_lock.toml."""
class ProviderMismatch(MigrationError):
    """No SQL for this backend (P3019)."""
class BaselineRequired(MigrationError):
    """Tables but no history (P3005)."""
class FailedMigrationPending(MigrationError):
    """A failed migration is on record (P3009)."""
class ChecksumMismatch(MigrationError):
    """An applied migration's file was edited."""
class MigrationFailed(MigrationError):
    """A migration's SQL failed; its changes were rolled back."""
class DownMigrationMissing(MigrationError):
    """Rollback without down.sql; nothing changed."""
class DataLossError(MigrationError):
    """A rollback would drop tables or columns holding rows; nothing was changed."""
    losses: list[dict[str, Any]]  # {migration, table, column (None for a table), rows}
class MigrationStateError(MigrationError):
    """Resolve or rollback preconditions (P3008, P3011, P3012, P3017), the production guard."""
class ValidationError(CarrierDBError, ValueError):
    issues: list[dict[str, Any]]
    model: str
class SchemaError(CarrierDBError, ValueError):
    file: str
    line: int
    column: int
class NotFound(CarrierDBError, LookupError): ...
class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped an operation; what was not committed was rolled back."""
    message: str
    hint: Optional[str]
    committed: bool
    signal: Optional[int]
    result: Any

class Database:
    @staticmethod
    def open(url: str, **options: Any) -> Database:
        """Options as connect() documents them; an unknown or mistyped one is a ConfigurationError."""
    backend: str
    url: str
    sqlite_path: Optional[str]
    server_version: str
    transaction_depth: int
    pool_size: int
    open_connections: int
    statements_run: int  # statements run through query()/execute() on this handle's connections
    capabilities: dict[str, bool]
    def query(self, sql: str, params: Optional[Sequence[Any]] = None) -> list[dict[str, Any]]: ...
    def query_described(
        self, sql: str, params: Optional[Sequence[Any]] = None, tuples: bool = False
    ) -> tuple[list[Any], list[tuple[str, str, int, bool]], int]: ...
    def execute(self, sql: str, params: Optional[Sequence[Any]] = None) -> int: ...
    def execute_script(self, sql: str) -> None: ...
    def schema_snapshot(self) -> list[str]: ...
    def table_names(self) -> list[str]: ...
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...

ProgressCallback = Callable[[int, int, str, bool, float], None]

# Reports: read-only; `__fields__` lists the fields in order. python/carrierdb/reports.py adds
# to_json() (keyed by field), repr, ==, the text (str) and the HTML; rows also read as row["field"].
# _Row and _Report exist in this stub only, to say once what every row and report has.
class _Row:
    __fields__: tuple[str, ...]
    def __getitem__(self, field: str) -> Any: ...
    def keys(self) -> tuple[str, ...]: ...
    def to_json(self) -> dict[str, Any]: ...

class _Report:
    __fields__: tuple[str, ...]
    def to_json(self) -> dict[str, Any]: ...
    def _repr_html_(self) -> str: ...

class AppliedMigration(_Row):
    name: str
    seconds: float
    steps: int
    ok: bool  # dry run: would it succeed
    skipped: bool  # dry run: not run (opts out of transactions, or after a failure)
    error: Optional[str]

class TracedLock(_Row):
    relation: str
    mode: str  # as pg_locks names it, e.g. AccessExclusiveLock
    blocks: str  # what that mode blocks
    created: bool  # the relation is new in the dry run: no one else sees it yet

class StatementLocks(_Row):
    line: int
    statement: str  # its first line
    locks: list[TracedLock]  # taken by this statement, not held before it
    held_seconds: float  # from its start to its migration's end (a deploy's commit)

class MigrationLocks(_Row):
    migration: str
    file: str
    traced: bool
    not_traced: Optional[str]  # why not: outside a transaction, or a failure
    statements: list[StatementLocks]

class LintFinding(_Row):
    rule: str
    severity: str  # error or warning
    migration: str
    file: str
    line: int
    statement: str
    lock: str
    blocks: str
    message: str
    rewrite: str

class DeployReport(_Report):
    operation: str  # deploy, rollback or reset
    dry_run: bool
    migrations: list[AppliedMigration]
    warnings: list[str]
    seconds: float
    lock_traces: list[MigrationLocks]  # deploy(dry_run=True, trace_locks=True) on PostgreSQL only
    names: list[str]
    ok: bool

class MigrationEntry(_Row):
    name: str
    state: str  # applied, edited, pending, rolled_back, failed, missing_locally
    local: bool
    has_down: bool
    transactional: bool
    applied_at: Optional[str]
    rolled_back_at: Optional[str]
    stored_checksum: Optional[str]
    current_checksum: Optional[str]
    logs: Optional[str]
    attempts: int

class MigrationStatus(_Report):
    directory: str
    url: str
    table: str
    history_exists: bool
    needs_action: bool
    entries: list[MigrationEntry]  # "migrations" in to_json()
    applied: list[str]
    pending: list[str]
    def by_state(self, state: str) -> list[str]: ...
    def advice(self) -> str: ...
    def to_pandas(self) -> Any: ...

class SeedFileResult(_Row):
    file: str
    model: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    not_sent: int  # unchanged rows recognised before they reached the server

class SeedPruneEntry(_Row):
    model: str  # the model, or the join table of an implicit many-to-many
    table: str
    rows: int


class SeedReject(_Row):
    row: str  # file:line
    field: str
    code: str
    message: str
    value: str

class SeedReport(_Report):
    environment: str
    seed_set: str
    version: str
    checksum: str
    dry_run: bool
    skipped: bool  # this version and checksum were applied already
    files: list[SeedFileResult]
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    prune_candidates: int  # rows whose keys are not in the seed
    pruned: int
    prune_order: list[SeedPruneEntry]  # per table, children before parents (the deleting order)
    issues: list[SeedReject]  # lenient: the rejects (the first 1,000)
    seconds: float
    rejects_path: Optional[str]

class SeedRun(_Row):
    environment: str
    seed_set: str
    version: str
    checksum: str
    applied_at: str
    applied_by: str  # user@host
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    pruned: int
    seconds: float

class Migrator:
    def __init__(self, db: Database, directory: str, table: str, lock_timeout: float,
                 data_steps: Optional[Callable[[str, str], Optional[tuple[str, int, str]]]] = None) -> None: ...
    directory: str
    table: str
    def status(self) -> MigrationStatus: ...
    def deploy(self, *, dry_run: bool = False, allow_edited: bool = False, trace_locks: bool = False,
               single_transaction: bool = False, replay: bool = False, progress: Optional[ProgressCallback] = None) -> DeployReport: ...
    def rollback(self, *, steps: int = 1, to: str = "", accept_data_loss: bool = False, progress: Optional[ProgressCallback] = None) -> DeployReport: ...
    def resolve_applied(self, name: str) -> None: ...
    def resolve_rolled_back(self, name: str) -> None: ...
    def reset(self, environment: str, *, allow_production: bool = False, replay: bool = False,
              progress: Optional[ProgressCallback] = None) -> DeployReport: ...

class Schema:
    @staticmethod
    def load(path: str) -> Schema: ...
    @staticmethod
    def parse(text: str, file: str = "schema.prisma") -> Schema: ...
    provider: str
    file: str
    url_env: str
    model_names: list[str]
    enums: dict[str, list[str]]
    enum_db_values: dict[str, list[str]]
    """Each enum's values as the database stores them (a value's @map, else the value)."""
    unsupported: list[dict[str, str]]
    """Declarations read but not usable yet (view, type, @@schema models): keyword, name, message, where."""
    def model(self, name: str) -> dict[str, Any]:
        """The model's name, table, id_fields, uniques (field lists), ignored, fields, keys, indexes and
        unique_constraints. Each field: name, column, type, kind ("scalar", "enum", "relation",
        "unsupported"), list, optional, id, unique, ignored, updated_at, has_default, max_length,
        native_type, native_args, relation (None, or target, kind ("one_to_one", "one_to_many",
        "many_to_many"), back_field, holds_foreign_key, fields, references, on_delete, on_update,
        name, constraint_name, join_table (None, or table, model_a, model_b, columns, key_name,
        key_is_primary, index_name)), unsupported, rules, normalizers, doc. Raises SchemaError for
        an unsupported declaration (a view), ConfigurationError for an unknown name."""
        ...
    def validate(self, model: str, data: dict[str, Any], partial: bool = False) -> list[dict[str, Any]]: ...

class Repository:
    def __init__(self, db: Database, schema: Schema, model: str) -> None: ...
    model_name: str
    table: str
    def create(self, data: dict[str, Any]) -> dict[str, Any]: ...
    def create_many(self, rows: Iterable[dict[str, Any]], skip_duplicates: bool = False, returning: bool = False) -> Any: ...
    def create_many_streamed(self, rows: list[dict[str, Any]], chunk_size: int = 2000) -> int:
        """create_many validated and written ``chunk_size`` rows at a time, in one transaction; the count inserted."""
    def find_many(self, where: Any = None, order_by: Any = None, skip: Optional[int] = None, take: Optional[int] = None,
                  cursor: Any = None, distinct: Any = None) -> list[dict[str, Any]]: ...
    def aggregate(self, where: Any = None, _count: Any = None, _sum: Any = None, _avg: Any = None, _min: Any = None,
                  _max: Any = None) -> dict[str, Any]: ...
    def group_by(self, by: Any, where: Any = None, having: Any = None, order_by: Any = None, _count: Any = None, _sum: Any = None,
                 _avg: Any = None, _min: Any = None, _max: Any = None, skip: Optional[int] = None,
                 take: Optional[int] = None) -> list[dict[str, Any]]: ...
    def find_unique(self, where: dict[str, Any]) -> Optional[dict[str, Any]]: ...
    def find_tree(self, where: Any = None, order_by: Any = None, skip: Optional[int] = None, take: Optional[int] = None,
                  include: Optional[dict[str, Any]] = None, select: Optional[dict[str, Any]] = None,
                  cursor: Optional[dict[str, Any]] = None, distinct: Any = None) -> list[dict[str, Any]]:
        """find_many with Prisma's include/select (nested relations, _count); one statement per relation and level."""
    def find_unique_tree(self, where: dict[str, Any], include: Optional[dict[str, Any]] = None,
                         select: Optional[dict[str, Any]] = None) -> Optional[dict[str, Any]]: ...
    def get(self, id: Any) -> dict[str, Any]: ...
    def count(self, where: Any = None) -> int: ...
    def update(self, where: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]: ...
    def update_many(self, where: Any, data: dict[str, Any]) -> int: ...
    def upsert(self, where: dict[str, Any], create: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]: ...
    def delete(self, where: dict[str, Any]) -> dict[str, Any]: ...
    def delete_many(self, where: Any = None) -> int: ...
    def create_with_relations(self, data: dict[str, Any]) -> dict[str, Any]:
        """create() with Prisma's nested writes on relation fields, validated as a whole, one transaction."""
        ...
    def update_with_relations(self, where: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]: ...
    def check_with_relations(self, data: dict[str, Any], partial: bool = False) -> list[dict[str, Any]]: ...

SeedProgressCallback = Callable[[str, int, int, int, bool], None]

class Seeder:
    """Seed options, as keywords (an unknown or mistyped one is a ConfigurationError): environment,
    dry_run, lenient, rejects_path, allow_production, prune, force, applied_by, progress."""
    def __init__(self, db: Database, schema: Schema, table: str = "_carrierdb_seeds") -> None: ...
    def apply(self, manifest: str, **options: Any) -> SeedReport: ...
    def apply_records(self, model: str, rows: Iterable[dict[str, Any]], key: list[str], label: str, **options: Any) -> SeedReport: ...
    def apply_columns(self, model: str, names: list[str], columns: list[list[Any]], key: list[str], label: str, **options: Any) -> SeedReport: ...
    def history(self) -> list[SeedRun]: ...

def set_log_sink(callback: Optional[Callable[[int, str], None]], level: int) -> None: ...
def set_log_level(level: int) -> None: ...
def canonical_environment(name: str) -> str: ...
def is_production_environment(name: str) -> bool: ...
def mask_url(text: str) -> str: ...
def parse_url(url: str) -> dict[str, Any]: ...
def create_migration(directory: str, name: str, provider: str, backend: Optional[str] = None) -> str: ...
def sha256_hex(data: bytes) -> str: ...
def diff_schemas(from_schema: Optional[Schema], to_schema: Optional[Schema], provider: str,
                 renames: list[tuple[str, str, str]] = ..., online: bool = False) -> dict[str, Any]: ...
def find_data_loss(db: Database, from_schema: Optional[Schema], to_schema: Optional[Schema],
                   renames: list[tuple[str, str, str]] = ...) -> list[dict[str, Any]]: ...
def check_data_loss(db: Database, from_schema: Optional[Schema], to_schema: Optional[Schema], *, accept_data_loss: bool = False,
                    operation: str = ..., renames: list[tuple[str, str, str]] = ...) -> list[dict[str, Any]]: ...
def data_loss_between(db: Database, from_model: TargetModel, to_model: TargetModel, renames: list[tuple[str, str, str]] = ..., *,
                      accept_data_loss: bool = False, operation: str = ...) -> list[dict[str, Any]]: ...
def lint_migrations(directory: str, selected: list[str] = ...) -> dict[str, Any]: ...  # findings, linted, notes
lint_rule_names: list[str]
def push_script(db: Database, script: str) -> int:
    """Runs ``script`` in one transaction (db push); returns the statement count."""
def find_drift(db: Database, schema: Schema, ignore_tables: list[str]) -> list[dict[str, Any]]: ...

class TargetModel:
    """The database a schema describes, or one read back from a catalog, on one backend (opaque)."""
    @property
    def backend(self) -> str: ...
    @property
    def table_names(self) -> list[str]: ...

def read_target_model(db: Database, ignore_tables: list[str]) -> TargetModel:
    """The database behind ``db`` as a TargetModel (read only), ``ignore_tables`` left out."""
def target_model_of(schema: Optional[Schema], provider: str) -> TargetModel:
    """The database ``schema`` describes on ``provider`` (None: the empty database)."""
def diff_target_models(from_model: TargetModel, to_model: TargetModel, renames: list[tuple[str, str, str]] = ...,
                       online: bool = False) -> dict[str, Any]:
    """migrate diff between two TargetModels of one backend: summary, warnings, script, warnings_comment, concurrent_script."""
def write_schema(model: TargetModel, existing: Optional[Schema], text: str) -> str:
    """db pull: schema.prisma text for ``model``, keeping the names, /// comments and order of ``existing``."""
def export_csv(db: Database, schema: Schema, model: str, path: str, where: Any, anonymize: list[str], salt: str) -> int: ...
def pseudonym(text: str, field: str, salt: str = "carrierdb") -> str: ...
def read_manifest(path: str) -> dict[str, Any]: ...
