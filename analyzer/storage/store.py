"""The database handle: engine, transactions and migrations. No web imports here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from analyzer.storage.errors import StorageError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_DATABASE_URL = "sqlite:///./comment-analyzer.db"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook (below) issue BEGIN, not the sqlite3 module.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer commits; NORMAL is durable across app crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) and wait for it (busy_timeout);
    # a deferred transaction that reads first and then writes can fail with "database is
    # locked" when another writer committed in between.
    if connection.get_execution_options().get("sqlite_immediate"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def _alembic_config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


class Store:
    """One per process: owns the connection pool. Use ``transaction()`` for units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._readers = sessionmaker(engine, expire_on_commit=False)
        self._writers = sessionmaker(
            engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )

    @classmethod
    def connect(cls, url: str = DEFAULT_DATABASE_URL, *, migrate: bool = True) -> Store:
        """Open the database at ``url`` (SQLite or PostgreSQL); by default migrate it to head."""
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StorageError(
                f"database URL {_redact(url)!r} is not a valid SQLAlchemy URL",
                hint="use sqlite:///path/to/file.db or postgresql+psycopg://user:pass@host/db",
            ) from None
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        elif parsed.get_backend_name() == "postgresql":
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)
        else:
            raise StorageError(
                f"unsupported database {parsed.get_backend_name()!r} in {_redact(url)!r}",
                hint="use SQLite (sqlite:///...) or PostgreSQL (postgresql+psycopg://...)",
            )
        store = cls(engine)
        if migrate:
            store.migrate()
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A read-write unit of work: commits on success, rolls back on any exception."""
        with self._writers.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (on SQLite it does not block writers)."""
        with self._readers.begin() as session:
            yield session

    def migrate(self, revision: str = "head") -> None:
        try:
            with self.engine.begin() as connection:
                command.upgrade(_alembic_config(connection), revision)
        except OperationalError as exc:
            raise StorageError(
                f"cannot migrate the database at {_redact(str(self.engine.url))}: {exc.orig}",
                hint="check ANALYZER_DATABASE_URL and that the server is reachable",
            ) from None

    def downgrade(self, revision: str) -> None:
        with self.engine.begin() as connection:
            command.downgrade(_alembic_config(connection), revision)

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @staticmethod
    def head_revision() -> str | None:
        config = _alembic_config(None)
        return ScriptDirectory.from_config(config).get_current_head()

    def ping(self) -> None:
        """Raise StorageError unless the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise StorageError(
                f"database at {_redact(str(self.engine.url))} is not answering: {exc.orig}",
                hint="check that the database server is up",
            ) from None

    def describe(self) -> str:
        return _redact(str(self.engine.url))

    def close(self) -> None:
        self.engine.dispose()


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"
