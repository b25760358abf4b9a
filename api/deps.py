"""Typed dependencies: settings, pipeline, store, job runner, and the calling API key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from analyzer.config import Settings
from analyzer.storage.keys import ApiKey, Role, verify_key
from analyzer.storage.reviews import Actor
from analyzer.storage.store import Store
from api.errors import (
    AuthenticationRequiredError,
    InvalidApiKeyError,
    PermissionDeniedError,
    RateLimitedError,
)

if TYPE_CHECKING:
    from analyzer.coordination.streaming import StreamingChecker
    from analyzer.pipeline import Pipeline
    from api.jobs import JobRunner
    from api.middleware import Metrics
    from api.ratelimit import RateLimiter

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `comment-analyzer keys create`: `Authorization: Bearer ca_...`",
)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_pipeline(request: Request) -> Pipeline:
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


def get_hook(request: Request) -> StreamingChecker:
    hook: StreamingChecker = request.app.state.hook
    return hook


def get_jobs(request: Request) -> JobRunner:
    jobs: JobRunner = request.app.state.jobs
    return jobs


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def current_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    if credentials is None:
        raise AuthenticationRequiredError(
            "this endpoint needs an API key",
            hint="send 'Authorization: Bearer ca_...'; create a key with "
            "`comment-analyzer keys create --role viewer --name NAME`",
        )
    key = verify_key(request.app.state.store, credentials.credentials)
    if key is None:
        raise InvalidApiKeyError(
            "the API key is malformed, unknown or revoked",
            hint="check the key you sent; list keys with `comment-analyzer keys list`",
        )
    request.scope.setdefault("state", {})["key_id"] = key.key_id
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.acquire(key.key_id)
    if wait is not None:
        raise RateLimitedError(
            f"key {key.key_id} made more than {int(limiter.capacity)} requests in a minute",
            retry_after_seconds=wait,
            hint=f"retry after {wait} s (see the Retry-After header)",
        )
    return key


def require(role: Role) -> Callable[[ApiKey], ApiKey]:
    def check(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
        if not key.role.allows(role):
            raise PermissionDeniedError(
                f"this needs the {role} role; key {key.key_id} has {key.role}",
                hint="ask an admin for a key with that role",
            )
        return key

    check.__name__ = f"require_{role}"
    return check


Viewer = Annotated[ApiKey, Depends(require(Role.VIEWER))]
Moderator = Annotated[ApiKey, Depends(require(Role.MODERATOR))]
Admin = Annotated[ApiKey, Depends(require(Role.ADMIN))]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
PipelineDep = Annotated["Pipeline", Depends(get_pipeline)]
JobsDep = Annotated["JobRunner", Depends(get_jobs)]
HookDep = Annotated["StreamingChecker", Depends(get_hook)]
MetricsDep = Annotated["Metrics", Depends(get_metrics)]
RequestId = Annotated[str | None, Depends(request_id)]


def actor_of(key: ApiKey) -> Actor:
    return Actor(name=key.name, role=str(key.role), key_id=key.key_id)


Limit = Annotated[int, Query(ge=1, le=1000, description="Page size (capped by max_page_size).")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]
