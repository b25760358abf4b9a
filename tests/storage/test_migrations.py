"""Migrations create exactly the ORM tables; the audit log refuses UPDATE and DELETE."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from analyzer.storage.reviews import Actor, append_audit
from analyzer.storage.store import Store
from analyzer.storage.tables import Base


def test_upgrade_reaches_head_and_matches_the_orm(store: Store) -> None:
    assert store.current_revision() == Store.head_revision() == "0001"
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back(store: Store) -> None:
    store.downgrade("base")
    assert store.current_revision() is None
    assert "articles" not in inspect(store.engine).get_table_names()
    store.migrate()
    assert store.current_revision() == "0001"
    assert "articles" in inspect(store.engine).get_table_names()


def test_migrating_twice_is_a_no_op(store: Store) -> None:
    store.migrate()
    assert store.current_revision() == "0001"


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"]
)
def test_audit_log_is_append_only_in_the_database(store: Store, statement: str) -> None:
    with store.transaction() as session:
        append_audit(session, Actor("alice", "moderator", "k1"), action="decision.remove")
    with pytest.raises(DBAPIError, match="append-only"), store.transaction() as session:
        session.execute(text(statement))
    with store.reading() as session:
        assert session.execute(text("SELECT action FROM audit_events")).scalars().all() == [
            "decision.remove"
        ]


def test_unsupported_database_url_is_refused() -> None:
    from analyzer.storage.errors import StorageError  # noqa: PLC0415

    with pytest.raises(StorageError, match="unsupported database 'mysql'"):
        Store.connect("mysql://user:secret@localhost/db")
    with pytest.raises(StorageError, match="not a valid SQLAlchemy URL"):
        Store.connect("not a url")


def test_sqlite_uses_wal(tmp_path: object) -> None:
    from tests.service_support import sqlite_url  # noqa: PLC0415

    store = Store.connect(sqlite_url(tmp_path))  # type: ignore[arg-type]
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()
