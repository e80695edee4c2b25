"""carrierdb: schema migrations, per-environment seeding and a validated carrier repository
over PostgreSQL and an embedded SQLite default, with a C++17 core.

    import carrierdb
    db = carrierdb.connect()          # DATABASE_URL, .env files, or .carrierdb/development.db
    db.query("SELECT $1::int AS n", [1])
"""

from ._core import (
    CarrierDBError,
    CheckViolation,
    ConfigurationError,
    ConnectionFailed,
    DatabaseError,
    DataError,
    ForeignKeyViolation,
    IntegrityError,
    InterfaceError,
    Interrupted,
    InternalError,
    NotNullViolation,
    OperationalError,
    OperationTimeout,
    ProgrammingError,
    ReadOnlyError,
    UniqueViolation,
    MigrationError,
    MigrationFileError,
    ProviderMismatch,
    BaselineRequired,
    FailedMigrationPending,
    ChecksumMismatch,
    MigrationFailed,
    DataLossError,
    DownMigrationMissing,
    MigrationStateError,
    NotFound,
    SchemaError,
    ValidationError,
    Schema,
)
from ._core import mask_url
from .config import Environment, current_env, resolve
from .database import Database, connect, connect_for_migrations, refresh_logging
from .migrate import DeployReport, MigrationStatus, Migrations
from .models import Model, RecordList
from .query_result import QueryColumn, QueryResult
from .seeds import SeedReport, Seeds
from .summary import summarize
from . import dbapi  # carrierdb.dbapi.connect(url): PEP 249

__version__ = "0.1.0"

# DB-API 2.0 name for the root error.
Error = CarrierDBError

__all__ = [
    "BaselineRequired",
    "ChecksumMismatch",
    "DataLossError",
    "DeployReport",
    "DownMigrationMissing",
    "Environment",
    "FailedMigrationPending",
    "MigrationError",
    "MigrationFailed",
    "MigrationFileError",
    "MigrationStateError",
    "MigrationStatus",
    "Migrations",
    "ProviderMismatch",
    "QueryColumn",
    "QueryResult",
    "Model",
    "NotFound",
    "RecordList",
    "Schema",
    "SeedReport",
    "Seeds",
    "SchemaError",
    "ValidationError",
    "connect_for_migrations",
    "CarrierDBError",
    "CheckViolation",
    "ConfigurationError",
    "ConnectionFailed",
    "DataError",
    "Database",
    "DatabaseError",
    "Error",
    "ForeignKeyViolation",
    "IntegrityError",
    "InterfaceError",
    "Interrupted",
    "InternalError",
    "NotNullViolation",
    "OperationTimeout",
    "OperationalError",
    "ProgrammingError",
    "ReadOnlyError",
    "UniqueViolation",
    "connect",
    "current_env",
    "dbapi",
    "mask_url",
    "refresh_logging",
    "resolve",
    "summarize",
]
