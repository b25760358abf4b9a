"""Service commands: ``keys`` (create, list, revoke), ``db upgrade`` and ``serve``.

The HTTP app lives in ``api/``, which the library never imports: ``serve`` hands uvicorn the
app factory by its import string.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from analyzer.config import load_settings
from analyzer.errors import AnalyzerError
from analyzer.model import Corpus

if TYPE_CHECKING:
    from analyzer.storage.reviews import Actor
    from analyzer.storage.store import Store

EXIT_USAGE = 2
DATABASE_OPTION = typer.Option(
    "--database-url",
    help="SQLAlchemy URL of the store; default: ANALYZER_DATABASE_URL or "
    "sqlite:///./comment-analyzer.db.",
)

keys_app = typer.Typer(help="API keys for the HTTP service (stored hashed).", no_args_is_help=True)
db_app = typer.Typer(help="The service's database.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _fail(exc: AnalyzerError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc.message}")
    if exc.hint:
        err.print(f"  hint: {exc.hint}")
    return typer.Exit(EXIT_USAGE)


def _database_url(given: str | None) -> str:
    return given or load_settings().database_url


def _require_service_extra() -> None:
    try:
        import alembic  # noqa: F401, PLC0415
        import sqlalchemy  # noqa: F401, PLC0415
    except ImportError as exc:
        err.print(f"[bold red]error:[/] {exc.name} is not installed")
        err.print('  hint: install the service extra: pip install -e ".[service]"')
        raise typer.Exit(EXIT_USAGE) from None


def _store(database_url: str | None) -> Store:
    _require_service_extra()
    from analyzer.storage.store import Store  # noqa: PLC0415  (SQLAlchemy only when needed)

    return Store.connect(_database_url(database_url))


def _cli_actor() -> Actor:
    from analyzer.storage.reviews import Actor  # noqa: PLC0415

    return Actor(name=f"cli:{getpass.getuser()}", role="admin", key_id=None)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="viewer, moderator or admin.")],
    name: Annotated[str, typer.Option(help="Who or what uses the key (a person, a tool).")],
    database_url: Annotated[str | None, DATABASE_OPTION] = None,
) -> None:
    """Create a key and print it once; only a salted hash is stored."""
    from analyzer.storage.keys import create_key  # noqa: PLC0415
    from analyzer.storage.reviews import append_audit  # noqa: PLC0415

    try:
        store = _store(database_url)
        key_id, plaintext = create_key(store, role, name)
        with store.transaction() as session:
            append_audit(
                session,
                _cli_actor(),
                action="key.create",
                target_type="key",
                target_id=key_id,
                details={"name": name, "role": role},
            )
    except AnalyzerError as exc:
        raise _fail(exc) from None
    err.print(f"created {role} key {key_id} for {name!r}; it is shown only once:")
    print(plaintext)


@keys_app.command("list")
def keys_list(database_url: Annotated[str | None, DATABASE_OPTION] = None) -> None:
    """List keys (never their secrets)."""
    from analyzer.storage.keys import list_keys  # noqa: PLC0415

    try:
        keys = list_keys(_store(database_url))
    except AnalyzerError as exc:
        raise _fail(exc) from None
    table = Table("key id", "name", "role", "created", "revoked")
    for key in keys:
        table.add_row(
            key.key_id,
            key.name,
            str(key.role),
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (the part after 'ca_').")],
    database_url: Annotated[str | None, DATABASE_OPTION] = None,
) -> None:
    """Revoke a key; requests with it are refused from now on."""
    from analyzer.storage.keys import revoke_key  # noqa: PLC0415
    from analyzer.storage.reviews import append_audit  # noqa: PLC0415

    try:
        store = _store(database_url)
        revoke_key(store, key_id)
        with store.transaction() as session:
            append_audit(
                session, _cli_actor(), action="key.revoke", target_type="key", target_id=key_id
            )
    except AnalyzerError as exc:
        raise _fail(exc) from None
    err.print(f"revoked key {key_id}")


@db_app.command("upgrade")
def db_upgrade(database_url: Annotated[str | None, DATABASE_OPTION] = None) -> None:
    """Create or migrate the database schema to the latest revision."""
    try:
        store = _store(database_url)
        revision = store.current_revision()
        where = store.describe()
        store.close()
    except AnalyzerError as exc:
        raise _fail(exc) from None
    out.print(f"database {where} is at revision {revision}")


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes it.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (each loads the models).")] = 1,
    database_url: Annotated[str | None, DATABASE_OPTION] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the HTTP API (uvicorn). Settings come from ANALYZER_* variables and .env."""
    _require_service_extra()
    import uvicorn  # noqa: PLC0415

    if database_url:
        os.environ["ANALYZER_DATABASE_URL"] = database_url
    try:
        load_settings()  # fail here, with a clear message, rather than inside uvicorn
    except AnalyzerError as exc:
        raise _fail(exc) from None
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,  # the app logs each request as JSON, with its request id
    )


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def corpus_payload(corpus: Corpus) -> dict[str, Any]:
    """A corpus as the body of ``POST /v1/articles``: articles with their comments nested."""
    by_article: dict[str, list[dict[str, Any]]] = {a.article_id: [] for a in corpus.articles}
    for comment in corpus.comments:
        record: dict[str, Any] = {"comment_id": comment.comment_id, "text": comment.text}
        optional = {
            "author": comment.author,
            "created_at": _time(comment.created_at),
            "parent_id": comment.parent_id,
        }
        record.update({k: v for k, v in optional.items() if v is not None})
        if comment.metadata:
            record["metadata"] = dict(comment.metadata)
        by_article.setdefault(comment.article_id, []).append(record)
    known = {a.article_id: a for a in corpus.articles}
    articles = []
    for article_id, comments in by_article.items():
        article = known.get(article_id)
        entry: dict[str, Any] = {"article_id": article_id}
        if article is not None:
            entry["title"] = article.title
            entry["text"] = article.text
            if article.url:
                entry["url"] = article.url
            if article.published_at:
                entry["published_at"] = _time(article.published_at)
        entry["comments"] = comments
        articles.append(entry)
    return {"articles": articles}


def payload(
    inputs: Annotated[
        list[str], typer.Argument(help="Files, directories or globs in any input format.")
    ],
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write inputs as a POST /v1/articles request body (JSON), e.g. for curl."""
    from analyzer.ingest import read_corpus  # noqa: PLC0415

    try:
        corpus = read_corpus(inputs, params=load_settings().ingest)
    except AnalyzerError as exc:
        raise _fail(exc) from None
    for issue in corpus.issues:
        err.print(f"[yellow]{issue.severity}:[/] {issue.describe()}")
    text = json.dumps(corpus_payload(corpus), ensure_ascii=False, indent=2)
    if out_path is None:
        print(text)
    else:
        out_path.write_text(text + "\n", encoding="utf-8")
        err.print(
            f"wrote {len(corpus.comments)} comments of {len(corpus.articles)} article(s) "
            f"to {out_path}"
        )


def register(app: typer.Typer) -> None:
    """Add the service commands to the main ``comment-analyzer`` app."""
    app.add_typer(keys_app, name="keys")
    app.add_typer(db_app, name="db")
    app.command("serve")(serve)
    app.command("payload")(payload)
