"""Migrations create exactly the ORM tables; the audit log refuses UPDATE and DELETE."""

from __future__ import annotations

from dataclasses import replace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.pipeline import Pipeline
from analyzer.storage import workflows
from analyzer.storage.results import load_report
from analyzer.storage.reviews import Actor, append_audit
from analyzer.storage.store import Store
from analyzer.storage.tables import Base
from tests.service_support import campaign_corpus

STANCE_DETAIL_COLUMNS = {
    "abstained",
    "language",
    "supported",
    "unsupported_reason",
    "targets",
    "reply_agreement",
}


def test_upgrade_reaches_head_and_matches_the_orm(store: Store) -> None:
    assert store.current_revision() == Store.head_revision() == "0002"
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back(store: Store) -> None:
    store.downgrade("base")
    assert store.current_revision() is None
    assert "articles" not in inspect(store.engine).get_table_names()
    store.migrate()
    assert store.current_revision() == "0002"
    assert "articles" in inspect(store.engine).get_table_names()


def _stance_columns(store: Store) -> set[str]:
    return {c["name"] for c in inspect(store.engine).get_columns("stance_results")}


def test_db_upgrade_from_a_0001_database_keeps_its_results(
    store: Store, pipeline: Pipeline
) -> None:
    """Rows stored under 0001 read back after ``db upgrade`` with StanceResult's defaults."""
    stored = workflows.ingest(store, pipeline, campaign_corpus(), Actor("t", "moderator", None))
    assert stored.result is not None
    store.downgrade("0001")
    assert store.current_revision() == "0001"
    assert not STANCE_DETAIL_COLUMNS & _stance_columns(store)
    url = store.engine.url.render_as_string(hide_password=False)

    upgraded = CliRunner().invoke(app, ["db", "upgrade", "--database-url", url])

    assert upgraded.exit_code == 0, upgraded.output
    assert "revision 0002" in upgraded.output
    assert store.current_revision() == "0002"
    assert _stance_columns(store) >= STANCE_DETAIL_COLUMNS
    produced = stored.result.reports[0]
    with store.reading() as session:
        loaded = load_report(session, "a1")
    defaults = [
        replace(
            a.stance,
            abstained=False,
            language=None,
            supported=True,
            unsupported_reason=None,
            targets=(),
            reply_agreement=None,
        )
        for a in produced.comments
    ]
    assert [a.stance for a in loaded.comments] == defaults
    assert loaded == produced  # the keyword classifier fills none of the new fields


def test_migrating_twice_is_a_no_op(store: Store) -> None:
    store.migrate()
    assert store.current_revision() == "0002"


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
