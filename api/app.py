"""The FastAPI application. ``create_app()`` builds it; the lifespan loads the pipeline (models)
and opens (and migrates) the store once per process.

Run it with ``comment-analyzer serve`` or ``uvicorn --factory api.app:create_app``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

import analyzer
from analyzer.config import Settings, load_settings
from analyzer.errors import ConfigError
from analyzer.storage.corpus import recent_comments
from analyzer.storage.jobs import deployment_secret
from analyzer.storage.store import Store
from api import errors
from api.jobs import JobRunner
from api.middleware import BodyLimitMiddleware, Metrics, RequestContextMiddleware, configure_logging
from api.ratelimit import RateLimiter
from api.routers import (
    analyze,
    articles,
    audit,
    check,
    clusters,
    decisions,
    exports,
    health,
    jobs,
    keys,
    models,
    queue,
)

if TYPE_CHECKING:
    from analyzer.coordination.streaming import StreamingChecker
    from analyzer.pipeline import Pipeline

log = logging.getLogger("api.app")

PSEUDONYM_SALT = "pseudonym_salt"

DESCRIPTION = """
Stance and coordinated-messaging analysis of news comment sections.

Every endpoint except `/healthz` and `/readyz` needs an API key
(`Authorization: Bearer ca_...`, created with `comment-analyzer keys create`).
Roles: **viewer** reads and exports; **moderator** also ingests and records decisions;
**admin** also manages keys, reads settings and may export un-pseudonymized author ids.
Errors are `application/problem+json` with a stable `code`.
"""


def _pseudonym_salt(settings: Settings, store: Store) -> bytes:
    """The HMAC key for pseudonymized exports: from settings, a secret file, or generated on
    first start and kept in the database (so it survives restarts and is never committed)."""
    if settings.api.pseudonym_salt is not None:
        return settings.api.pseudonym_salt.get_secret_value().encode("utf-8")
    path = settings.api.pseudonym_salt_file
    if path is not None:
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"cannot read the pseudonym salt file {path}: {exc.strerror}",
                hint="fix ANALYZER_API__PSEUDONYM_SALT_FILE or unset it",
            ) from None
        if len(value) < 16:
            raise ConfigError(
                f"the pseudonym salt in {path} is {len(value)} characters; use at least 16",
                hint="generate one with: python -c 'import secrets; print(secrets.token_hex(32))'",
            )
        return value.encode("utf-8")
    with store.transaction() as session:
        return deployment_secret(session, PSEUDONYM_SALT).encode("utf-8")


def _hook(settings: Settings, store: Store) -> StreamingChecker:
    """The moderation hook's rolling window, filled from the newest stored comments."""
    from analyzer.coordination.streaming import StreamingChecker  # noqa: PLC0415

    hook = StreamingChecker(
        settings.coordination,
        window_seconds=settings.api.hook_window_seconds,
        max_comments=settings.api.hook_max_comments,
    )
    if settings.api.hook_warm_start:
        with store.reading() as session:
            articles, comments = recent_comments(
                session,
                window_seconds=settings.api.hook_window_seconds,
                limit=settings.api.hook_max_comments,
            )
        for article in articles:
            hook.register_article(article)
        added = hook.warm(comments)
        log.info("moderation hook: %d recent comment(s) loaded into its window", added)
    return hook


def _lifespan(
    settings: Settings, pipeline_factory: Callable[[Settings], Pipeline] | None
) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if pipeline_factory is not None:
            pipeline = pipeline_factory(settings)
        else:
            from analyzer.pipeline import Pipeline  # noqa: PLC0415  (loads models: not at import)

            pipeline = Pipeline.from_settings(settings)
        store = Store.connect(settings.database_url)
        app.state.settings = settings
        app.state.pipeline = pipeline
        app.state.store = store
        app.state.rate_limiter = RateLimiter(settings.api.rate_limit_per_minute)
        salt = _pseudonym_salt(settings, store)
        app.state.hook = _hook(settings, store)
        app.state.jobs = JobRunner(store, pipeline, settings, app.state.metrics, salt)
        resumed = app.state.jobs.resume()
        log.info(
            "service ready: database %s, %d component(s), %d job(s) resumed",
            store.describe(),
            len(pipeline.components),
            resumed,
        )
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            store.close()

    return lifespan


def create_app(
    settings: Settings | None = None,
    *,
    pipeline_factory: Callable[[Settings], Pipeline] | None = None,
) -> FastAPI:
    """Build the app. Settings default to the environment (``ANALYZER_*``); models and the
    database open when the app starts (its lifespan), not here. ``pipeline_factory`` lets a
    caller share one loaded pipeline between apps (tests, benchmarks)."""
    settings = settings or load_settings()
    configure_logging()
    app = FastAPI(
        title="comment-analyzer",
        version=analyzer.__version__,
        description=DESCRIPTION,
        lifespan=_lifespan(settings, pipeline_factory),
    )
    app.state.metrics = Metrics()
    errors.install(app)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "Location"],
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    for router in (
        health.router,
        models.router,
        articles.router,
        analyze.router,
        check.router,
        clusters.router,
        queue.router,
        decisions.router,
        audit.router,
        exports.router,
        jobs.router,
        keys.router,
    ):
        app.include_router(router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


_PROBLEM_RESPONSES = {
    "401": "Missing, malformed, unknown or revoked API key.",
    "403": "The key's role does not allow this.",
    "413": "Request body over the size limit.",
    "422": "Malformed JSON or invalid fields (see `errors`).",
    "429": "Rate limit reached; see Retry-After.",
    "default": "Any other error, as problem+json.",
}
_PUBLIC_PATHS = {"/healthz", "/readyz"}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, plus the problem+json responses every endpoint can give."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi  # noqa: PLC0415

    from api.schemas import Problem  # noqa: PLC0415

    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem_content = {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    retry_after = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            wanted = ["default"] if path in _PUBLIC_PATHS else list(_PROBLEM_RESPONSES)
            if path not in _PUBLIC_PATHS and "{" in path:
                wanted.append("404")
            for status in wanted:
                entry: dict[str, Any] = {
                    "description": _PROBLEM_RESPONSES.get(status, "Not found."),
                    "content": problem_content,
                }
                if status == "429":
                    entry["headers"] = retry_after
                responses[status] = entry
    schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
